/** The safety and liveness properties the simulator checks. */
export type CheckerName =
  | 'agreement'
  | 'order'
  | 'prefix'
  | 'once'
  | 'durability'
  | 'liveness'
  | 'reads'
  | 'wire'
  | 'replica-error';

export interface Violation {
  readonly checker: CheckerName;
  readonly message: string;
  /** Simulated time (ms) the violation was detected at, when known. */
  readonly time?: number;
}

/** One replica's applied sequence of command keys (`clientId#seq`), labelled for messages. */
export interface AppliedSequence {
  /** e.g. "replica 2" or "replica 2 (before crash at 1234 ms)". */
  readonly label: string;
  readonly keys: readonly string[];
}

export function violation(checker: CheckerName, message: string, time?: number): Violation {
  return time === undefined ? { checker, message } : { checker, message, time };
}

/** A simulated time for messages, to 0.1 ms. */
export function ms(time: number): number {
  return Math.round(time * 10) / 10;
}
