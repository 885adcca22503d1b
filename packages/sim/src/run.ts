import { fuzzParams, type RunParams } from './params.js';
import { Prng } from './prng.js';
import type { Schedule } from './schedule.js';
import { SCHEDULES, scheduleByName } from './schedules.js';
import { type RunResult, Simulation } from './simulation.js';
import type { VariantName } from './variants.js';

export interface SeedRun {
  readonly seed: number;
  /** Default: 3 for odd seeds, 5 for even ones. */
  readonly replicas?: number;
  /** A schedule name or object; default: picked from the seed. */
  readonly schedule?: string | Schedule;
  readonly variant?: VariantName | null;
  /** Fault-phase length in ticks (`--steps`). */
  readonly steps?: number;
  /** Randomise the run's parameters from the seed (`--fuzz`). */
  readonly fuzz?: boolean;
  /** Parameter overrides (`--params JSON`), applied after the fuzzing. */
  readonly params?: Partial<RunParams>;
}

/** The cluster size a seed runs with when none is given: 3 and 5 alternate. */
export function replicasForSeed(seed: number): number {
  return seed % 2 === 1 ? 3 : 5;
}

/** The schedule a seed runs with when none is given: a deterministic pick. */
export function scheduleForSeed(seed: number): Schedule {
  return new Prng(seed).fork('pick-schedule').pick(SCHEDULES);
}

/** Runs one seed to completion. Same arguments, same result (and the same trace hash). */
export function runSeed(run: SeedRun): RunResult {
  const schedule =
    run.schedule === undefined
      ? scheduleForSeed(run.seed)
      : typeof run.schedule === 'string'
        ? scheduleByName(run.schedule)
        : run.schedule;
  const fuzzed = run.fuzz ? fuzzParams(new Prng(run.seed).fork('fuzz')) : {};
  const params: Partial<RunParams> = {
    ...fuzzed,
    ...(run.params ?? {}),
    replica: { ...(fuzzed.replica ?? {}), ...(run.params?.replica ?? {}) },
  };
  if (run.steps !== undefined) params.faultTicks = run.steps;
  return new Simulation({
    seed: run.seed,
    replicas: run.replicas ?? replicasForSeed(run.seed),
    schedule,
    variant: run.variant ?? null,
    params,
  }).run();
}

/** How a run was asked for, beyond what its result records. */
export interface ReplayExtras {
  readonly steps?: number | undefined;
  readonly fuzz?: boolean | undefined;
  readonly params?: Partial<RunParams> | undefined;
}

/** The command that replays a run exactly. */
export function replayCommand(result: RunResult, extras: ReplayExtras = {}): string {
  const parts = [
    `npm run sim --`,
    `--seed ${result.seed}`,
    `--replicas ${result.replicas}`,
    `--schedule ${result.schedule}`,
  ];
  if (result.variant) parts.push(`--variant ${result.variant}`);
  if (extras.steps !== undefined) parts.push(`--steps ${extras.steps}`);
  if (extras.fuzz) parts.push('--fuzz');
  if (extras.params && Object.keys(extras.params).length > 0) {
    parts.push(`--params '${JSON.stringify(extras.params)}'`);
  }
  return parts.join(' ');
}

/** Figures over many runs. */
export interface Figures {
  runs: number;
  failures: number;
  wallMs: number;
  simulatedMs: number;
  chosenSlots: number;
  acks: number;
  messages: number;
  events: number;
  worstElectionTicks: number;
  elections: number;
}

export function emptyFigures(): Figures {
  return {
    runs: 0,
    failures: 0,
    wallMs: 0,
    simulatedMs: 0,
    chosenSlots: 0,
    acks: 0,
    messages: 0,
    events: 0,
    worstElectionTicks: 0,
    elections: 0,
  };
}

export function addRun(figures: Figures, result: RunResult, wallMs: number): void {
  figures.runs++;
  if (!result.ok) figures.failures++;
  figures.wallMs += wallMs;
  figures.simulatedMs += result.simulatedMs;
  figures.chosenSlots += result.chosenSlots;
  figures.acks += result.acks.length;
  figures.messages += result.messages;
  figures.events += result.events;
  figures.elections += result.electionTicks.length;
  for (const t of result.electionTicks) figures.worstElectionTicks = Math.max(figures.worstElectionTicks, t);
}

export function formatFigures(f: Figures): string[] {
  const secs = f.wallMs / 1000;
  const simSecs = f.simulatedMs / 1000;
  return [
    `seeds: ${f.runs} run, ${f.failures} failed, in ${secs.toFixed(1)} s wall`,
    `seeds/s: ${(f.runs / Math.max(secs, 1e-9)).toFixed(2)}`,
    `simulated commits/s: ${(f.chosenSlots / Math.max(simSecs, 1e-9)).toFixed(1)} slots per simulated second ` +
      `(${(f.chosenSlots / Math.max(secs, 1e-9)).toFixed(0)} slots simulated per wall second; ${f.acks} client commands acknowledged)`,
    `messages per commit: ${(f.messages / Math.max(f.chosenSlots, 1)).toFixed(2)} (${f.messages} messages, ${f.chosenSlots} chosen slots)`,
    `worst time to elect a leader: ${f.worstElectionTicks.toFixed(1)} ticks (${f.elections} elections measured)`,
  ];
}
