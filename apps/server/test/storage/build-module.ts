import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { tempDir } from './helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const storageSources = path.resolve(here, '../../src/storage');
const repoNodeModules = path.resolve(here, '../../../../node_modules');

/**
 * Transpiles src/storage to plain ESM in a temp dir, so that a real `node` child process (which
 * cannot load TypeScript) runs the very same store code. Returns the URL of its index.js.
 */
export function buildStoreModule(): string {
  const root = tempDir('quorum-store-module-');
  const out = path.join(root, 'storage');
  mkdirSync(out);
  writeFileSync(path.join(root, 'package.json'), '{"type":"module"}\n');
  symlinkSync(repoNodeModules, path.join(root, 'node_modules'), 'dir');
  for (const name of readdirSync(storageSources)) {
    if (!name.endsWith('.ts')) continue;
    const source = readFileSync(path.join(storageSources, name), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      fileName: name,
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        verbatimModuleSyntax: true,
      },
    });
    writeFileSync(path.join(out, name.replace(/\.ts$/, '.js')), outputText);
  }
  return pathToFileURL(path.join(out, 'index.js')).href;
}
