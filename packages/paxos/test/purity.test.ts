import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The replica must be deterministic: no clock, randomness or I/O of its own. Biome forbids the
 * globals; this test also catches what a lint rule cannot name (Math.random, dynamic imports).
 */
describe('purity of packages/paxos/src', () => {
  const dir = join(import.meta.dirname, '..', 'src');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    it(`${file} uses no clock, randomness or I/O`, () => {
      const code = readFileSync(join(dir, file), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      for (const banned of [
        /Math\.random/,
        /\bDate\b/,
        /performance\./,
        /setTimeout|setInterval|setImmediate/,
        /process\./,
        /from 'node:/,
        /import\(/,
        /require\(/,
      ]) {
        expect(code).not.toMatch(banned);
      }
    });
  }
});
