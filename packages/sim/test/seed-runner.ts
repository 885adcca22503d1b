import { expect } from 'vitest';
import { replayCommand, runSeed } from '../src/run.js';

/**
 * Runs seeds `from`..`to` with their default cluster size (3 for odd seeds, 5 for even) and
 * schedule (picked from the seed), and fails with every failing seed's replay command. `fuzz`
 * also randomises the replica tuning and timing from the seed (the CLI's `--fuzz`).
 */
export function runSeeds(from: number, to: number, fuzz = false): void {
  const failures: string[] = [];
  for (let seed = from; seed <= to; seed++) {
    const r = runSeed({ seed, fuzz });
    if (!r.ok) {
      const violations = r.violations.map((v) => `[${v.checker}] ${v.message}`).join('; ');
      failures.push(
        `seed ${seed} (${r.replicas} replicas, ${r.schedule}): ${violations}\n  replay: ${replayCommand(r, { fuzz })}`,
      );
    }
  }
  expect(failures, failures.join('\n')).toEqual([]);
}
