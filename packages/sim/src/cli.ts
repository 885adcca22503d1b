import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { RunParams } from './params.js';
import {
  addRun,
  emptyFigures,
  formatFigures,
  type ReplayExtras,
  replayCommand,
  replicasForSeed,
  runSeed,
  scheduleForSeed,
} from './run.js';
import { SCHEDULE_NAMES, SCHEDULES } from './schedules.js';
import type { RunResult } from './simulation.js';
import { isVariant, VARIANTS, type VariantName } from './variants.js';

export interface CliOptions {
  readonly seeds: number;
  readonly start: number;
  /** One seed, verbose. */
  readonly seed: number | null;
  readonly steps: number | undefined;
  readonly replicas: number | null;
  readonly schedule: string | null;
  readonly variant: VariantName | null;
  /** Randomise parameters per seed. */
  readonly fuzz: boolean;
  /** Parameter overrides, as parsed from `--params JSON`. */
  readonly params: Partial<RunParams> | undefined;
  /** Stop at the first failing seed (default) or keep going. */
  readonly keepGoing: boolean;
  readonly help: boolean;
}

export const USAGE = `Usage: npm run sim -- [options]

  --seeds N        run N seeds (1..N, or from --start) and print the figures
  --start S        first seed of --seeds (default 1)
  --seed S         run one seed and print its trace summary
  --steps K        length of the fault phase, in ticks (default 300)
  --replicas 3|5   cluster size (default: 3 for odd seeds, 5 for even seeds)
  --schedule NAME  fault schedule (default: picked from the seed); one of:
                   ${SCHEDULE_NAMES.join(', ')}
  --variant NAME   a deliberately broken host, to see the checkers bite; one of:
                   ${VARIANTS.join(', ')}
  --fuzz           randomise the replica tuning, compaction, disk and client timing per seed
  --params JSON    override run parameters, e.g. '{"replica":{"window":1},"clientTimeoutMs":60}'
  --keep-going     run every seed even after a failure
  --help           this text

A failure prints the seed, schedule, violation and the command that replays it, and exits 1.`;

function int(name: string, raw: string | undefined, min: number): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min)
    throw new Error(`--${name} must be an integer >= ${min}, got "${raw}"`);
  return value;
}

/** Parses the command line (throws with a readable message on bad input). */
export function parseCli(argv: readonly string[]): CliOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      seeds: { type: 'string' },
      start: { type: 'string' },
      seed: { type: 'string' },
      steps: { type: 'string' },
      replicas: { type: 'string' },
      schedule: { type: 'string' },
      variant: { type: 'string' },
      fuzz: { type: 'boolean', default: false },
      params: { type: 'string' },
      'keep-going': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const replicas = int('replicas', values.replicas, 1) ?? null;
  if (replicas !== null && replicas !== 3 && replicas !== 5) throw new Error('--replicas must be 3 or 5');
  const schedule = values.schedule ?? null;
  if (schedule !== null && !SCHEDULE_NAMES.includes(schedule)) {
    throw new Error(`unknown schedule "${schedule}"; known: ${SCHEDULE_NAMES.join(', ')}`);
  }
  const variant = values.variant ?? null;
  if (variant !== null && !isVariant(variant)) {
    throw new Error(`unknown variant "${variant}"; known: ${VARIANTS.join(', ')}`);
  }
  let params: Partial<RunParams> | undefined;
  if (values.params !== undefined) {
    try {
      params = JSON.parse(values.params) as Partial<RunParams>;
    } catch {
      throw new Error(`--params must be JSON, got ${values.params}`);
    }
    if (typeof params !== 'object' || params === null || Array.isArray(params)) {
      throw new Error('--params must be a JSON object');
    }
  }
  const seed = int('seed', values.seed, 0) ?? null;
  const seeds = int('seeds', values.seeds, 1) ?? (seed === null ? 100 : 1);
  return {
    seeds,
    start: int('start', values.start, 0) ?? 1,
    seed,
    steps: int('steps', values.steps, 1),
    replicas,
    schedule,
    variant: variant as VariantName | null,
    fuzz: values.fuzz ?? false,
    params,
    keepGoing: values['keep-going'] ?? false,
    help: values.help ?? false,
  };
}

function summaryLine(r: RunResult, wallMs: number): string {
  const status = r.ok ? 'ok  ' : 'FAIL';
  return (
    `${status} seed ${String(r.seed).padStart(5)}  n=${r.replicas}  ${r.schedule.padEnd(17)}` +
    `${r.variant ? ` [${r.variant}]` : ''} slots ${String(r.chosenSlots).padStart(4)}  acks ${String(r.acks.length).padStart(4)}` +
    `  msgs ${String(r.messages).padStart(6)}  sim ${(r.simulatedMs / 1000).toFixed(1)} s  wall ${wallMs.toFixed(0)} ms`
  );
}

function printFailure(r: RunResult, extras: ReplayExtras, out: (line: string) => void): void {
  out('');
  out(
    `FAILED: seed ${r.seed}, ${r.replicas} replicas, schedule ${r.schedule}${r.variant ? `, variant ${r.variant}` : ''}`,
  );
  for (const v of r.violations.slice(0, 5)) out(`  violation [${v.checker}]: ${v.message}`);
  if (r.violations.length > 5) out(`  ... and ${r.violations.length - 5} more violation(s)`);
  out('  last events:');
  for (const line of r.log.slice(-25)) out(`    ${line}`);
  out(`  replay: ${replayCommand(r, extras)}`);
}

function printVerbose(r: RunResult, out: (line: string) => void): void {
  out(
    `seed ${r.seed}: ${r.replicas} replicas, schedule ${r.schedule}${r.variant ? `, variant ${r.variant}` : ''}`,
  );
  out(`trace hash ${r.traceHash}; ${r.events} events; ${(r.simulatedMs / 1000).toFixed(2)} s simulated`);
  out('events:');
  const log = r.log.length > 200 ? [...r.log.slice(0, 100), '   ...', ...r.log.slice(-100)] : r.log;
  for (const line of log) out(`  ${line}`);
  out('replicas:');
  for (const n of r.nodes) {
    const s = n.status;
    out(
      `  ${n.id}: ${s?.role ?? 'down'} ballot ${s ? `${s.ballot.round}.${s.ballot.node}` : '-'} committed ${s?.committed ?? '-'} ` +
        `applied ${n.applied} (${n.commands} commands) snapshot ${s?.snapshotIndex ?? '-'} log ${s?.logSize ?? '-'} ` +
        `crashes ${n.crashes} installs ${n.installs} disk writes ${n.diskWrites}`,
    );
  }
  const types = Object.entries(r.messagesByType)
    .sort((a, b) => b[1] - a[1])
    .map(([t, c]) => `${t} ${c}`)
    .join(', ');
  out(`messages: ${r.messages} (${types})`);
  const latencies = r.acks.map((a) => a.time - a.sentAt).sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
  out(
    `commands acknowledged: ${r.acks.length}; latency p50 ${pct(0.5).toFixed(1)} ms, p99 ${pct(0.99).toFixed(1)} ms, max ${pct(1).toFixed(1)} ms`,
  );
  out(`linearizable reads answered: ${r.reads}`);
  const marks = Object.entries(r.marks);
  if (marks.length > 0) out(`marks: ${marks.map(([k, v]) => `${k}=${Math.round(v * 10) / 10}`).join(', ')}`);
  out(`elections: ${r.electionTicks.map((t) => t.toFixed(1)).join(', ') || 'none measured'} ticks`);
  out(r.ok ? 'result: ok' : `result: ${r.violations.length} violation(s)`);
}

/** Runs the CLI; returns the process exit code. */
export function main(argv: readonly string[], out: (line: string) => void = console.log): number {
  let options: CliOptions;
  try {
    options = parseCli(argv);
  } catch (error) {
    out(error instanceof Error ? error.message : String(error));
    out(USAGE);
    return 2;
  }
  if (options.help) {
    out(USAGE);
    out('');
    out('Schedules:');
    for (const s of SCHEDULES) out(`  ${s.name.padEnd(18)} ${s.summary}`);
    return 0;
  }
  const seeds =
    options.seed !== null
      ? [options.seed]
      : Array.from({ length: options.seeds }, (_, i) => options.start + i);
  const verbose = options.seed !== null;
  const figures = emptyFigures();
  let failed = 0;
  for (const seed of seeds) {
    const started = performance.now();
    const result = runSeed({
      seed,
      replicas: options.replicas ?? replicasForSeed(seed),
      schedule: options.schedule ?? scheduleForSeed(seed).name,
      variant: options.variant,
      fuzz: options.fuzz,
      ...(options.params !== undefined && { params: options.params }),
      ...(options.steps !== undefined && { steps: options.steps }),
    });
    const wall = performance.now() - started;
    addRun(figures, result, wall);
    if (verbose) printVerbose(result, out);
    else out(summaryLine(result, wall));
    if (!result.ok) {
      failed++;
      printFailure(result, { steps: options.steps, fuzz: options.fuzz, params: options.params }, out);
      if (!options.keepGoing) break;
    }
  }
  out('');
  for (const line of formatFigures(figures)) out(line);
  return failed > 0 ? 1 : 0;
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (invokedDirectly) process.exitCode = main(process.argv.slice(2));
