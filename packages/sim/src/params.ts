import type { ReplicaConfig } from '@quorum/paxos';
import { type NetworkConfig, QUIET_NETWORK } from './network.js';
import type { Prng } from './prng.js';

/** Everything that shapes one run besides the seed, the cluster size and the fault plan. */
export interface RunParams {
  /** Simulated ms between two ticks of one replica. */
  tickMs: number;
  /** Length of the fault phase, in ticks (the CLI's `--steps`). Clients load the cluster during it. */
  faultTicks: number;
  /** After the heal: ticks of quiet before the final checks. */
  quietTicks: number;
  /** After the heal, every probe must be applied within this many ticks. */
  probeBoundTicks: number;
  /** The network during the fault phase (schedules may change it as they go). */
  network: NetworkConfig;
  /** A durable write completes this many simulated ms after it starts. */
  persistDelay: { min: number; max: number };
  /** Simulated clients loading the cluster. */
  clients: number;
  /** When each client sends its first command. */
  clientStart: { min: number; max: number };
  /** A client retries an unacknowledged command on another replica after this long. */
  clientTimeoutMs: number;
  /** Each further retry of the same command waits this many times longer (1: a fixed timeout), up to 8x. */
  clientBackoff: number;
  /** Pause between an acknowledgement and the client's next command. */
  thinkMs: { min: number; max: number };
  /** Where clients send: any live replica, or the current leader when one is known. */
  clientTarget: 'random' | 'leader';
  /** A linearizable read at a random live replica every this many ms (0: none). */
  readEveryMs: number;
  /** A replica snapshots its state machine every this many applied slots (0: never). */
  compactEvery: number;
  /** Replica tuning (ticks, window, batch, retention). */
  replica: Partial<
    Pick<
      ReplicaConfig,
      | 'heartbeatTicks'
      | 'electionTicks'
      | 'retransmitTicks'
      | 'window'
      | 'maxBatch'
      | 'maxPending'
      | 'retainEntries'
    >
  >;
  /** A run that processes more events than this is stopped and reported (runaway). */
  maxEvents: number;
}

export function defaultParams(): RunParams {
  return {
    tickMs: 10,
    faultTicks: 300,
    quietTicks: 300,
    probeBoundTicks: 100,
    network: QUIET_NETWORK,
    persistDelay: { min: 0.2, max: 2 },
    clients: 4,
    clientStart: { min: 0, max: 100 },
    clientTimeoutMs: 400,
    clientBackoff: 1,
    thinkMs: { min: 0, max: 30 },
    clientTarget: 'random',
    readEveryMs: 40,
    compactEvery: 100,
    replica: {
      heartbeatTicks: 3,
      electionTicks: 10,
      retransmitTicks: 5,
      window: 16,
      maxBatch: 32,
      retainEntries: 50,
    },
    maxEvents: 3_000_000,
  };
}

/**
 * Applies overrides: top-level fields replace, `replica`, `network` and the ranges merge, so that
 * `{ "replica": { "window": 1 } }` keeps the other replica settings.
 */
export function mergeParams(base: RunParams, overrides: Partial<RunParams>): RunParams {
  const out: RunParams = { ...base, ...overrides };
  if (overrides.replica) out.replica = { ...base.replica, ...overrides.replica };
  if (overrides.network) {
    out.network = {
      ...base.network,
      ...overrides.network,
      delay: { ...base.network.delay, ...(overrides.network.delay ?? {}) },
    };
  }
  return out;
}

/**
 * Random but seed-determined parameters (`--fuzz`): replica tuning (window, batch, retention,
 * timers), compaction, disk latency and client timeouts all vary, to reach corners the defaults
 * do not.
 */
export function fuzzParams(rng: Prng): Partial<RunParams> {
  const electionTicks = rng.pick([5, 10, 20]);
  const clientTimeoutMs = rng.pick([60, 150, 400, 1000]);
  const maxBatch = rng.pick([1, 8, 32]);
  // One command per slot and one slot in flight cannot drain a retry storm; keep some pipelining.
  const window = rng.pick(maxBatch === 1 ? [4, 16] : [1, 4, 16]);
  return {
    // Slow configurations queue a backlog during the faults: allow it time to drain.
    quietTicks: 500,
    probeBoundTicks: 250,
    compactEvery: rng.pick([0, 3, 10, 100]),
    persistDelay: rng.pick([
      { min: 0, max: 0.1 },
      { min: 0.2, max: 2 },
      { min: 1, max: 15 },
    ]),
    clientTimeoutMs,
    clientBackoff: clientTimeoutMs < 400 ? 2 : rng.pick([1, 2]),
    clients: rng.int(1, 8),
    thinkMs: rng.pick([
      { min: 0, max: 0 },
      { min: 0, max: 30 },
      { min: 50, max: 200 },
    ]),
    replica: {
      heartbeatTicks: rng.pick([1, 3]),
      electionTicks,
      retransmitTicks: rng.pick([2, 5, 10]),
      window,
      maxBatch,
      retainEntries: rng.pick([1, 5, 50]),
    },
  };
}
