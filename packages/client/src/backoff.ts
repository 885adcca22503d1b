/**
 * Exponential backoff with full jitter, bounded on both sides.
 *
 * Attempt `n` (0-based) of a cycle waits a uniformly random delay in
 * `[minDelayMs, max(minDelayMs, min(maxDelayMs, initialDelayMs * factor^n))]`. After
 * `maxAttemptsPerCycle` attempts the cycle is exhausted: retries go on for ever, each after a
 * delay in `[maxDelayMs / 2, maxDelayMs]` (still jittered so that many clients do not retry in
 * lock step). Nothing here ever gives up; the caller reports the exhausted cycle (the client
 * turns it into the `offline` state).
 */
export interface BackoffOptions {
  /** The cap of the first attempt's delay. */
  readonly initialDelayMs: number;
  /** No delay is shorter than this. */
  readonly minDelayMs: number;
  /** No delay is longer than this. */
  readonly maxDelayMs: number;
  /** How much the cap grows per attempt. */
  readonly factor: number;
  /** Attempts after which the cycle counts as exhausted (delays stay near the maximum). */
  readonly maxAttemptsPerCycle: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = Object.freeze({
  initialDelayMs: 250,
  minDelayMs: 50,
  maxDelayMs: 10_000,
  factor: 2,
  maxAttemptsPerCycle: 8,
});

/** Fills in defaults and checks the bounds; throws RangeError on nonsense. */
export function backoffOptions(
  partial: Partial<BackoffOptions> = {},
  base = DEFAULT_BACKOFF,
): BackoffOptions {
  const o: BackoffOptions = { ...base, ...dropUndefined(partial) };
  const finite = (n: number) => Number.isFinite(n) && n >= 0;
  if (!finite(o.minDelayMs) || !finite(o.initialDelayMs) || !finite(o.maxDelayMs)) {
    throw new RangeError('backoff delays must be finite and non-negative');
  }
  if (o.minDelayMs > o.maxDelayMs) throw new RangeError('backoff minDelayMs must not exceed maxDelayMs');
  if (o.initialDelayMs > o.maxDelayMs)
    throw new RangeError('backoff initialDelayMs must not exceed maxDelayMs');
  if (!Number.isFinite(o.factor) || o.factor < 1) throw new RangeError('backoff factor must be >= 1');
  if (!Number.isInteger(o.maxAttemptsPerCycle) || o.maxAttemptsPerCycle < 1) {
    throw new RangeError('backoff maxAttemptsPerCycle must be a positive integer');
  }
  return Object.freeze(o);
}

function dropUndefined<T extends object>(value: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [key, v] of Object.entries(value))
    if (v !== undefined) (out as Record<string, unknown>)[key] = v;
  return out;
}

/** The largest delay attempt `attempt` may wait. */
export function backoffCap(attempt: number, o: BackoffOptions): number {
  if (attempt >= o.maxAttemptsPerCycle) return o.maxDelayMs;
  const grown = o.initialDelayMs * o.factor ** Math.max(0, attempt);
  return Math.max(o.minDelayMs, Math.min(o.maxDelayMs, grown));
}

/** The smallest delay attempt `attempt` may wait. */
export function backoffFloor(attempt: number, o: BackoffOptions): number {
  if (attempt >= o.maxAttemptsPerCycle) return Math.max(o.minDelayMs, o.maxDelayMs / 2);
  return o.minDelayMs;
}

/** The delay before retry number `attempt` (0-based); `random` returns values in [0, 1). */
export function backoffDelay(attempt: number, o: BackoffOptions, random: () => number): number {
  const low = backoffFloor(attempt, o);
  const high = backoffCap(attempt, o);
  let r = random();
  if (!(r >= 0)) r = 0; // NaN and negatives
  if (r > 1) r = 1;
  return Math.min(high, low + r * (high - low));
}

export function isCycleExhausted(attempt: number, o: BackoffOptions): boolean {
  return attempt >= o.maxAttemptsPerCycle;
}

/** A counter of attempts over the pure functions above. */
export class Backoff {
  readonly options: BackoffOptions;
  readonly #random: () => number;
  #attempt = 0;

  constructor(options: Partial<BackoffOptions>, random: () => number) {
    this.options = backoffOptions(options);
    this.#random = random;
  }

  /** Attempts made since the last reset. */
  get attempt(): number {
    return this.#attempt;
  }

  get exhausted(): boolean {
    return isCycleExhausted(this.#attempt, this.options);
  }

  /** The delay before the next attempt; counts the attempt. */
  next(): number {
    const delay = backoffDelay(this.#attempt, this.options, this.#random);
    this.#attempt += 1;
    return delay;
  }

  reset(): void {
    this.#attempt = 0;
  }
}
