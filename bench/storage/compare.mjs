#!/usr/bin/env node
// Durable group-commit writes: lmdb-js vs better-sqlite3 vs a raw append + fdatasync baseline.
//
// Each "commit" is one transaction holding K records of ~200 B (a Paxos host persisting what one
// event-loop turn produced). A commit counts only once it is durable (fsync'd), except for the
// rows marked "not durable", which are there for reference.
//
//   node bench/storage/compare.mjs [--dir <parent>] [--seconds <per case>] [--sqlite-from <dir>]
//
// --dir          where to create the scratch stores (default: <repo>/data, where the server keeps
//                its data; the scratch dir is removed at the end).
// --seconds      time budget per case (default 2; each case also stops after 5000 commits).
// --rounds       split each case's budget into this many rounds, interleaved with the other cases,
//                so that a burst of disk contention from elsewhere hits every case alike (default 3).
// --only         run only the cases whose name contains this text.
// --sqlite-from  a directory whose node_modules holds better-sqlite3 (it is not a repo dependency):
//                  mkdir -p /tmp/storebench && cd /tmp/storebench && npm init -y && npm i better-sqlite3@12
//                then pass --sqlite-from /tmp/storebench (or set STOREBENCH_SQLITE_FROM).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { open as openLmdb } from 'lmdb';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function arg(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1] : fallback;
}

const parentDir = path.resolve(arg('dir', path.join(repoRoot, 'data')));
const rounds = Math.max(1, Number(arg('rounds', '3')));
const seconds = Number(arg('seconds', '2')) / rounds;
const maxCommits = Math.ceil(5000 / rounds);
const minCommits = Math.ceil(30 / rounds);
const sqliteFrom = arg('sqlite-from', process.env.STOREBENCH_SQLITE_FROM);
const only = arg('only', '');
const batchSizes = [1, 16, 128];
const RECORD_BYTES = 200;

fs.mkdirSync(parentDir, { recursive: true });
const scratch = fs.mkdtempSync(path.join(parentDir, '.storebench-'));
let caseNo = 0;
const freshDir = () => {
  const dir = path.join(scratch, `case-${caseNo++}`);
  fs.mkdirSync(dir);
  return dir;
};

/** ~200 B of JSON, like one small Paxos log record. */
function record(slot) {
  const base = JSON.stringify({ slot, ballot: { round: 7, node: 2 }, value: { commands: [{ op: 'post' }] } });
  return Buffer.from(base + ' '.repeat(Math.max(0, RECORD_BYTES - base.length)));
}

function loadSqlite() {
  const tries = [];
  if (sqliteFrom) tries.push(path.join(path.resolve(sqliteFrom), 'package.json'));
  tries.push(path.join(repoRoot, 'package.json'));
  for (const from of tries) {
    try {
      return createRequire(from)('better-sqlite3');
    } catch {
      // try the next place
    }
  }
  return null;
}

function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * (sorted.length - 1)))];
}

/**
 * Runs `commit(firstSlot, k)` repeatedly (sequentially, or with `depth` commits in flight) until
 * the time budget or the commit cap is reached; returns throughput and latency figures.
 */
async function drive(commit, k, depth = 1) {
  for (let i = 0; i < 5; i++) await commit(1 + i * k, k); // warm-up
  const latencies = [];
  let next = 1000 * k;
  let issued = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const lane = async () => {
    while (issued < maxCommits && (performance.now() < deadline || issued < minCommits)) {
      issued++;
      const slot = next;
      next += k;
      const t0 = performance.now();
      await commit(slot, k);
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: depth }, lane));
  return { latencies, elapsed: (performance.now() - started) / 1000 };
}

/** Figures over every round of one case. */
function summarize(samples, k) {
  const latencies = samples.flatMap((s) => s.latencies).sort((a, b) => a - b);
  const elapsed = samples.reduce((sum, s) => sum + s.elapsed, 0);
  return {
    commits: latencies.length,
    perSec: latencies.length / elapsed,
    recordsPerSec: (latencies.length * k) / elapsed,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    max: latencies[latencies.length - 1] ?? Number.NaN,
  };
}

const cases = [];

// Raw baseline: one append of K records, then fdatasync.
cases.push({
  name: 'raw write + fdatasync',
  durable: true,
  async run(k) {
    const file = path.join(freshDir(), 'log');
    const fd = fs.openSync(file, 'a');
    try {
      return await drive(async (slot, n) => {
        const parts = [];
        for (let i = 0; i < n; i++) parts.push(record(slot + i));
        fs.writeSync(fd, Buffer.concat(parts));
        fs.fdatasyncSync(fd);
      }, k);
    } finally {
      fs.closeSync(fd);
    }
  },
});

function lmdbCase(name, options, { durable, awaitFlushed, depth = 1 }) {
  return {
    name,
    durable,
    async run(k) {
      const db = openLmdb({ path: freshDir(), encoding: 'binary', ...options });
      try {
        return await drive(
          async (slot, n) => {
            const records = [];
            for (let i = 0; i < n; i++) records.push(record(slot + i));
            await db.transaction(() => {
              for (let i = 0; i < n; i++) db.put(slot + i, records[i]);
            });
            if (awaitFlushed) await db.flushed;
          },
          k,
          depth,
        );
      } finally {
        await db.close();
      }
    },
  };
}

// Classic LMDB commit: mdb_txn_commit writes the pages, fdatasyncs, then writes the meta page
// through an O_DSYNC descriptor; the transaction promise resolves after that.
cases.push(
  lmdbCase('lmdb overlappingSync:false', { overlappingSync: false }, { durable: true, awaitFlushed: false }),
);
// lmdb-js default on Linux: commit first, flush afterwards (overlapping the next transaction);
// `db.flushed` resolves when the last commit is on disk.
cases.push(
  lmdbCase(
    'lmdb overlappingSync:true + await flushed',
    { overlappingSync: true },
    { durable: true, awaitFlushed: true },
  ),
);
// The same two, with 8 commits in flight (a host that starts the next turn's write while the
// previous one is still being flushed).
cases.push(
  lmdbCase(
    'lmdb overlappingSync:false, 8 in flight',
    { overlappingSync: false },
    { durable: true, awaitFlushed: false, depth: 8 },
  ),
);
cases.push(
  lmdbCase(
    'lmdb overlappingSync:true + flushed, 8 in flight',
    { overlappingSync: true },
    { durable: true, awaitFlushed: true, depth: 8 },
  ),
);
cases.push(
  lmdbCase(
    'lmdb default, commit only (NOT durable)',
    { overlappingSync: true },
    { durable: false, awaitFlushed: false },
  ),
);

const Sqlite = loadSqlite();
function sqliteCase(name, synchronous, durable) {
  return {
    name,
    durable,
    async run(k) {
      const db = new Sqlite(path.join(freshDir(), 'store.db'));
      try {
        db.pragma('journal_mode = WAL');
        db.pragma(`synchronous = ${synchronous}`);
        db.exec('CREATE TABLE log (slot INTEGER PRIMARY KEY, value BLOB NOT NULL)');
        const put = db.prepare('INSERT OR REPLACE INTO log (slot, value) VALUES (?, ?)');
        const txn = db.transaction((slot, records) => {
          for (let i = 0; i < records.length; i++) put.run(slot + i, records[i]);
        });
        return await drive(async (slot, n) => {
          const records = [];
          for (let i = 0; i < n; i++) records.push(record(slot + i));
          txn(slot, records); // synchronous: blocks the event loop through the fsync
        }, k);
      } finally {
        db.close();
      }
    },
  };
}
if (Sqlite) {
  cases.push(sqliteCase('better-sqlite3 WAL synchronous=FULL', 'FULL', true));
  cases.push(sqliteCase('better-sqlite3 WAL synchronous=NORMAL (NOT durable)', 'NORMAL', false));
}

const fmt = (n, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

function describeDisk() {
  try {
    return execFileSync('df', ['-T', '-h', scratch], { encoding: 'utf8' }).trim().split('\n').at(-1);
  } catch {
    return '(df unavailable)';
  }
}

console.log(
  `Durable group commit, ${RECORD_BYTES} B records; per case ${rounds} interleaved rounds of ` +
    `${seconds.toFixed(2)} s or ${maxCommits} commits`,
);
console.log(`node ${process.version}, store dir ${scratch}`);
console.log(`disk: ${describeDisk()}`);
if (!Sqlite) {
  console.log('better-sqlite3 not found: SQLite rows skipped (see --sqlite-from in the header comment)');
}
console.log('');

const header = ['engine / mode', 'K', 'commits/s', 'records/s', 'p50 ms', 'p99 ms', 'max ms', 'n'];
const rows = [];
const selected = cases.filter((x) => x.name.includes(only));
const samples = new Map(); // "case index/K" -> samples of every round
try {
  for (let round = 0; round < rounds; round++) {
    for (const [index, c] of selected.entries()) {
      for (const k of batchSizes) {
        const key = `${index}/${k}`;
        samples.set(key, [...(samples.get(key) ?? []), await c.run(k)]);
        process.stderr.write('.');
      }
    }
  }
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}
for (const [index, c] of selected.entries()) {
  for (const k of batchSizes) {
    const r = summarize(samples.get(`${index}/${k}`) ?? [], k);
    rows.push([
      c.name,
      String(k),
      fmt(r.perSec),
      fmt(r.recordsPerSec),
      fmt(r.p50, 2),
      fmt(r.p99, 2),
      fmt(r.max, 2),
      String(r.commits),
    ]);
  }
}
process.stderr.write('\n');

const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells) =>
  `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
console.log(line(header));
console.log(
  `| ${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w - 1)}` : `${'-'.repeat(w - 1)}:`)).join(' | ')} |`,
);
for (const r of rows) console.log(line(r));
