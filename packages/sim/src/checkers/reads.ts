import type { Acknowledgement } from './durability.js';
import { ms, type Violation, violation } from './types.js';

/** A linearizable read the replica confirmed with `index`. */
export interface ReadObservation {
  readonly replica: number;
  readonly id: number;
  /** When the host called `readIndex`. */
  readonly startedAt: number;
  readonly index: number;
}

/**
 * (7) Reads are not stale: a read index must cover every command acknowledged before the read
 * started (an acknowledged command is chosen, so "committed before the request arrived").
 */
export function checkReads(reads: readonly ReadObservation[], acks: readonly Acknowledgement[]): Violation[] {
  const sorted = [...acks].sort((a, b) => a.time - b.time);
  const out: Violation[] = [];
  for (const r of reads) {
    let worst: Acknowledgement | undefined;
    for (const a of sorted) {
      if (a.time >= r.startedAt) break;
      if (a.slot > r.index && (worst === undefined || a.slot > worst.slot)) worst = a;
    }
    if (worst) {
      out.push(
        violation(
          'reads',
          `stale read: replica ${r.replica} read ${r.id} started at ${ms(r.startedAt)} ms got index ${r.index}, ` +
            `but ${worst.key} was acknowledged from slot ${worst.slot} at ${ms(worst.time)} ms`,
          r.startedAt,
        ),
      );
    }
  }
  return out;
}
