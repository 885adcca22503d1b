#!/usr/bin/env node
/**
 * `npm run bench [-- --only NAME[,NAME]] [--quick] [--workers N] [--out DIR]`
 *
 * Runs the benchmarks against real local clusters (each benchmark starts its own TestCluster of 3
 * durable servers and a balancer, and closes it), prints a Markdown table per benchmark and writes
 * everything to `bench/results/<timestamp>.json`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { abuse } from './benchmarks/abuse.js';
import { catchup } from './benchmarks/catchup.js';
import { cost } from './benchmarks/cost.js';
import { failover } from './benchmarks/failover.js';
import { fanout } from './benchmarks/fanout.js';
import { profile } from './benchmarks/profile.js';
import { throughput } from './benchmarks/throughput.js';
import { closeAllClusters } from './cluster.js';
import type { Benchmark, Context } from './context.js';
import { loadAverage, machineNote } from './machine.js';
import { type BenchResult, renderResult } from './report.js';

const ALL: readonly Benchmark[] = [throughput, fanout, failover, catchup, cost, profile, abuse];

const USAGE = `usage: npm run bench -- [--only ${ALL.map((b) => b.name).join('|')}[,...]] [--quick] [--workers N] [--out DIR]
  --quick      shorter runs and smaller counts (a few minutes in all)
  --workers N  load-generator processes (default 1; the machine's cores are shared with the servers)
  --out DIR    where to write <timestamp>.json (default bench/results)
  --retain-per-room N  the servers' in-memory messages per room (default theirs, 1000); a small
               N makes every post archive an older message, the steady state of a busy room`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      quick: { type: 'boolean', default: false },
      workers: { type: 'string', default: '1' },
      out: { type: 'string' },
      'retain-per-room': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const wanted = values.only?.split(',').map((s) => s.trim()) ?? ALL.map((b) => b.name);
  const unknown = wanted.filter((name) => !ALL.some((b) => b.name === name));
  if (unknown.length > 0) {
    console.error(`unknown benchmark(s): ${unknown.join(', ')}\n${USAGE}`);
    process.exit(2);
  }
  const workers = Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 8) {
    console.error(`--workers must be an integer in [1, 8]\n${USAGE}`);
    process.exit(2);
  }
  const retain = values['retain-per-room'];
  if (retain !== undefined && !/^[1-9]\d{0,6}$/.test(retain)) {
    console.error(`--retain-per-room must be a positive integer\n${USAGE}`);
    process.exit(2);
  }
  const serverArgs = retain === undefined ? [] : ['--retain-per-room', retain];
  const stamp = new Date()
    .toISOString()
    .replaceAll(':', '-')
    .replace(/\.\d+Z$/, 'Z');
  const resultsDir = values.out ?? join(import.meta.dirname, '..', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `${stamp}.json`);
  const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim();
  const started = Date.now();
  const results: BenchResult[] = [];
  const failures: { name: string; error: string }[] = [];
  const save = () =>
    writeFileSync(
      file,
      `${JSON.stringify({ command, quick: values.quick, workers, serverArgs, startedAt: new Date(started).toISOString(), results, failures }, null, 2)}\n`,
    );
  // Every benchmark bounds its own loops; this is the backstop that keeps a run from hanging.
  const limitMs = (values.quick ? 15 : 28) * 60_000;
  const abort = (why: string, code: number) => {
    console.error(`\n${why}: closing clusters and load generators`);
    save();
    void closeAllClusters().finally(() => process.exit(code));
  };
  setTimeout(() => abort(`run exceeded ${limitMs / 60_000} minutes`, 3), limitMs).unref();
  process.once('SIGINT', () => abort('interrupted', 130));
  // A stray rejection must not kill this process with its clusters still running (orphans).
  process.on('unhandledRejection', (error) => abort(`unhandled rejection: ${String(error)}`, 1));
  process.once('SIGTERM', () => abort('terminated', 143));
  console.log(`# Quorum Chat benchmarks${values.quick ? ' (--quick)' : ''}\n`);
  console.log(`load average at start: ${loadAverage().join(' ')}\n`);

  for (const bench of ALL.filter((b) => wanted.includes(b.name))) {
    const machine = machineNote();
    const t0 = Date.now();
    const ctx: Context = {
      quick: values.quick,
      workers,
      serverArgs,
      resultsDir,
      stamp,
      log: (message) =>
        process.stderr.write(`[${bench.name} ${((Date.now() - t0) / 1000).toFixed(0)}s] ${message}\n`),
    };
    try {
      const outcome = await bench.run(ctx);
      machine.loadAvgEnd = loadAverage();
      const result: BenchResult = {
        name: bench.name,
        title: bench.title,
        startedAt: new Date(t0).toISOString(),
        durationS: (Date.now() - t0) / 1000,
        machine,
        ...outcome,
      };
      results.push(result);
      console.log(`${renderResult(result)}\n`);
    } catch (error) {
      const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
      failures.push({ name: bench.name, error: text });
      console.error(`benchmark ${bench.name} failed: ${text}`);
    }
    save();
  }
  console.log(`results: ${file} (${((Date.now() - started) / 1000).toFixed(0)} s in all)`);
  if (failures.length > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
