import { Prng } from './prng.js';

/**
 * The nemesis schedule: a pure function of the seed and the run's shape. It is a sequence of
 * episodes; each applies its faults, holds them, and heals them before the next one starts, so
 * the number of faulty servers is bounded by construction (never more than f = (n - 1) / 2).
 *
 * Targets are roles (`leader`, `follower`, `any`) resolved when the episode starts, since who
 * leads is only known then; the executed run logs the concrete servers.
 */

export type Role = 'leader' | 'follower' | 'any';

/** Faults on the server process. */
export type ProcessFault =
  /** SIGKILL, restarted (same data directory) at the end of the episode. */
  | { readonly kind: 'kill'; readonly target: Role }
  /** SIGTERM (graceful), restarted at the end. */
  | { readonly kind: 'stop'; readonly target: Role }
  /** SIGSTOP, SIGCONT at the end. */
  | { readonly kind: 'pause'; readonly target: Role }
  /**
   * Links cut both ways first, then SIGSTOP; SIGCONT and links restored at the end. A paused
   * process alone still receives its peers' frames into its socket buffers until they drop the
   * link (a missed ping round, 1–2 s), so it misses less than it seems; cut first, it really lags.
   */
  | { readonly kind: 'stall'; readonly target: Role }
  /**
   * The disk is lost: SIGKILL, the data directory deleted, restarted at once on an empty store.
   * It comes back recovering and votes again only once a majority of the others has answered;
   * it counts as faulty until it has recovered.
   */
  | { readonly kind: 'wipe'; readonly target: Role };

/** Faults on peer links, through the admin fault endpoint. */
export type NetworkFault =
  /** Both directions cut: the target drops everything (`d:0`), the others drop what goes to it. */
  | { readonly kind: 'isolate'; readonly target: Role }
  /** One way: the target's outgoing peer messages are dropped (`d:0`); it still hears the others. */
  | { readonly kind: 'mute'; readonly target: Role }
  /** One way: the others drop what goes to the target (`to:T::d:0`); it can still talk. */
  | { readonly kind: 'deafen'; readonly target: Role }
  /** One link cut both ways between the target and one other server; the rest is intact. */
  | { readonly kind: 'cut'; readonly target: Role }
  /** Phase delays or loss on the target's outgoing peer messages (`a:1`, `c:1`, `p:1`, `drop:0.05`...). */
  | { readonly kind: 'degrade'; readonly target: Role; readonly spec: string };

export type Fault = ProcessFault | NetworkFault;

export interface Episode {
  /** Offset from the start of the load, ms. */
  readonly atMs: number;
  readonly durationMs: number;
  /** On distinct servers; at most one network fault, at most f faults. */
  readonly faults: readonly Fault[];
}

export interface Schedule {
  readonly seed: number;
  readonly servers: number;
  readonly f: number;
  readonly durationMs: number;
  /** Faults happen within [faultStartMs, faultEndMs); everything is healed at faultEndMs. */
  readonly faultStartMs: number;
  readonly faultEndMs: number;
  readonly episodes: readonly Episode[];
}

export interface ScheduleOptions {
  readonly seed: number;
  readonly servers: number;
  /** Length of the load, ms (faults, then a healed tail). */
  readonly durationMs: number;
}

const DEGRADE_SPECS = [
  'a:1',
  'c:1',
  'p:1',
  'a:0.5::c:0.5',
  'drop:0.05',
  'drop:0.05::jitter:200',
  'jitter:500',
];

const KINDS: readonly (readonly [Fault['kind'], number])[] = [
  ['kill', 4],
  ['pause', 2],
  ['stall', 2],
  ['wipe', 3],
  ['stop', 1],
  ['isolate', 3],
  ['mute', 1],
  ['deafen', 1],
  ['cut', 1],
  ['degrade', 3],
];

const PROCESS_KINDS: readonly (readonly [ProcessFault['kind'], number])[] = [
  ['kill', 3],
  ['pause', 2],
  ['wipe', 2],
  ['stop', 1],
];

function role(prng: Prng): Role {
  return prng.weighted<Role>([
    ['leader', 4],
    ['follower', 3],
    ['any', 3],
  ]);
}

function fault(kind: Fault['kind'], prng: Prng): Fault {
  const target = role(prng);
  return kind === 'degrade' ? { kind, target, spec: prng.pick(DEGRADE_SPECS) } : { kind, target };
}

/** Warm-up without faults before the first episode, and a healed tail after the last one. */
export function phases(durationMs: number): { faultStartMs: number; faultEndMs: number } {
  const faultStartMs = Math.round(Math.min(15_000, Math.max(3_000, durationMs * 0.1)));
  const tail = Math.round(Math.min(30_000, Math.max(8_000, durationMs * 0.15)));
  return { faultStartMs, faultEndMs: Math.max(faultStartMs, durationMs - tail) };
}

export function planSchedule(options: ScheduleOptions): Schedule {
  const { seed, servers, durationMs } = options;
  if (!Number.isInteger(servers) || servers < 3 || servers % 2 === 0) {
    throw new RangeError(`servers must be an odd number >= 3, got ${servers}`);
  }
  const f = (servers - 1) / 2;
  const prng = new Prng(seed);
  const { faultStartMs, faultEndMs } = phases(durationMs);
  // Episodes scale a little with the run, within bounds that let a cluster notice and recover.
  const maxHold = Math.min(12_000, Math.max(4_000, durationMs / 12));
  const episodes: Episode[] = [];
  let t = faultStartMs;
  for (let guard = 0; guard < 10_000; guard++) {
    const holdMs = Math.round(prng.between(2_500, maxHold));
    // Room to revert (restarts take a moment) before the heal.
    if (t + holdMs + 1_500 > faultEndMs) break;
    const first = fault(prng.weighted(KINDS), prng);
    const faults: Fault[] = [first];
    // With f >= 2, sometimes a second (process) fault on another server at the same time.
    while (faults.length < f && prng.chance(0.5)) {
      faults.push(fault(prng.weighted(PROCESS_KINDS), prng));
    }
    episodes.push({ atMs: t, durationMs: holdMs, faults });
    t += holdMs + Math.round(prng.between(1_500, 5_000));
  }
  return { seed, servers, f, durationMs, faultStartMs, faultEndMs, episodes };
}

export function describeFault(fault: Fault): string {
  return fault.kind === 'degrade'
    ? `degrade(${fault.spec}) ${fault.target}`
    : `${fault.kind} ${fault.target}`;
}
