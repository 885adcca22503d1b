import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildStoreModule } from './build-module.js';
import { removeTempDirs, tempDir } from './helpers.js';

/**
 * The store itself, not only the server process, keeps its files private: LMDB creates its files
 * 0664 less the umask and cannot be told otherwise, so the store fixes them after opening. Each
 * store here is opened by a child `node` under `umask 022`, which leaves new files 0644.
 */
let storeModule: string;

beforeAll(() => {
  storeModule = buildStoreModule();
});
afterAll(removeTempDirs);

const OPEN_AND_CLOSE = `
const [url, dir, options] = process.argv.slice(1);
const { DurableStore } = await import(url);
try {
  const store = await DurableStore.open(dir, JSON.parse(options));
  await store.close();
  console.log('opened');
} catch (error) {
  console.log('refused ' + error.code + ': ' + error.message);
}`;

/** Opens and closes the store in `dir` in a child process under umask 022; returns its report. */
function openUnderUmask022(dir: string, options: object = {}): Promise<string> {
  const child = spawn(
    '/bin/sh',
    [
      '-c',
      'umask 022 && exec "$0" "$@"',
      process.execPath,
      '--input-type=module',
      '-e',
      OPEN_AND_CLOSE,
      storeModule,
      dir,
      JSON.stringify(options),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  return new Promise((resolve) => child.once('close', () => resolve(output.trim())));
}

const mode = (file: string) => statSync(file).mode & 0o777;

function fileModes(dir: string): Record<string, number> {
  const modes: Record<string, number> = {};
  for (const entry of readdirSync(dir, { withFileTypes: true }))
    if (entry.isFile()) modes[entry.name] = mode(path.join(dir, entry.name));
  return modes;
}

describe('store file modes', () => {
  it("creates the store directory and its parents 0700 and makes LMDB's own files 0600", async () => {
    const root = tempDir();
    const dir = path.join(root, 'data', 'server-1');
    expect(await openUnderUmask022(dir)).toBe('opened');
    expect(mode(path.join(root, 'data'))).toBe(0o700);
    expect(mode(dir)).toBe(0o700);
    const files = fileModes(dir);
    expect(Object.keys(files)).toEqual(expect.arrayContaining(['data.mdb', 'lock.mdb', 'quorum-store.json']));
    expect(files).toEqual(Object.fromEntries(Object.keys(files).map((name) => [name, 0o600])));
  });

  it('refuses a directory that group or others can enter, unless told the sharing is intended', async () => {
    const dir = path.join(tempDir(), 'shared');
    mkdirSync(dir);
    chmodSync(dir, 0o711); // search alone lets others open files whose names they know
    expect(await openUnderUmask022(dir)).toMatch(/^refused permissions: .*mode 0711/);
    expect(readdirSync(dir)).toEqual([]);
    expect(await openUnderUmask022(dir, { allowSharedDir: true })).toBe('opened');
    const files = fileModes(dir);
    expect(files).toEqual(Object.fromEntries(Object.keys(files).map((name) => [name, 0o600])));
  });
});
