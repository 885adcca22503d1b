import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { StoreCorruptError } from './errors.js';

/*
 * Structural probe of an LMDB environment, run in a child process before the server maps it.
 *
 * LMDB trusts its file: it has no page checksums, and it reads through a memory map. A data file
 * that is truncated makes the reader die of SIGBUS; a damaged page header or node offset makes it
 * read wild memory (SIGSEGV, glibc heap-corruption aborts) or return MDB_PAGE_NOTFOUND /
 * MDB_CORRUPTED. None of that may happen inside the server. So open() first lets a disposable
 * child open the environment read-only and read every key and every byte of every value of both
 * databases (so every branch, leaf and overflow page the server will read). If the child dies of
 * a signal, exits abnormally or reports an LMDB error, the store is corrupt and open() refuses
 * with a typed error. Checksums and the record summary are then verified by the server itself
 * while it loads (see codec.ts); the probe only proves the file can be walked without crashing.
 *
 * Not covered: LMDB's free-page list, which only writes read; damage there surfaces as a failed
 * write (the store then refuses all writes), not as wrong data.
 */

const PROBE_SCRIPT = `'use strict';
const out = (result) => process.stdout.write(JSON.stringify(result) + '\\n');
try {
  const { open } = require(process.env.QUORUM_PROBE_LMDB);
  const env = open({ path: process.env.QUORUM_PROBE_DIR, readOnly: true, maxDbs: 4 });
  const counts = {};
  let touched = 0;
  for (const name of ['meta', 'log']) {
    const db = env.openDB({ name, keyEncoding: 'binary', encoding: 'binary' });
    let n = 0;
    let bytes = 0;
    for (const { key, value } of db.getRange()) {
      n++;
      bytes += key.length + value.length;
      // Touch every page of the value, in case the engine hands out a view of the map.
      for (let i = 0; i < value.length; i += 1024) touched ^= value[i];
      if (value.length > 0) touched ^= value[value.length - 1];
    }
    counts[name] = { records: n, bytes };
  }
  out({ ok: true, counts, touched });
} catch (error) {
  out({ ok: false, error: String((error && error.message) || error) });
}
`;

const lmdbEntry = (() => {
  try {
    return createRequire(import.meta.url).resolve('lmdb');
  } catch {
    return null;
  }
})();

export interface ProbeResult {
  readonly counts: Readonly<Record<string, { readonly records: number; readonly bytes: number }>>;
}

interface ProbeReport {
  readonly ok?: unknown;
  readonly error?: unknown;
  readonly counts?: unknown;
}

function parseReport(line: string): ProbeReport | null {
  try {
    const x: unknown = JSON.parse(line);
    return typeof x === 'object' && x !== null ? (x as ProbeReport) : null;
  } catch {
    return null;
  }
}

/** Walks the environment in `dir` in a child process; throws StoreCorruptError if that fails. */
export function probeEnvironment(dir: string, timeoutMs: number): Promise<ProbeResult> {
  if (lmdbEntry === null) return Promise.reject(new Error('cannot resolve the lmdb package for the probe'));
  const env: NodeJS.ProcessEnv = { ...process.env, QUORUM_PROBE_LMDB: lmdbEntry, QUORUM_PROBE_DIR: dir };
  delete env.NODE_OPTIONS;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['-e', PROBE_SCRIPT],
      { env, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 1 << 20, windowsHide: true },
      (error, stdout, stderr) => {
        const tail = stderr.trim().slice(-300);
        const lastLine = stdout.trim().split('\n').at(-1) ?? '';
        const report = parseReport(lastLine);
        if (error !== null || report === null) {
          const how =
            error === null
              ? 'printed no report'
              : error.killed
                ? `did not finish within ${timeoutMs} ms`
                : error.signal
                  ? `crashed with ${error.signal}`
                  : `exited with code ${String(error.code)}`;
          reject(
            new StoreCorruptError(
              `the data file cannot be read safely: the integrity probe ${how}${tail ? ` (${tail})` : ''}`,
              dir,
            ),
          );
          return;
        }
        if (report.ok !== true) {
          reject(new StoreCorruptError(`the data file is damaged: ${String(report.error)}`, dir));
          return;
        }
        resolve({ counts: report.counts as ProbeResult['counts'] });
      },
    );
  });
}
