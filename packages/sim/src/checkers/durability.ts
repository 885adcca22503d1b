import { type AppliedSequence, ms, type Violation, violation } from './types.js';

/** A command a client was told took effect. */
export interface Acknowledgement {
  readonly key: string;
  readonly time: number;
  /** The replica that applied it and answered the client. */
  readonly replica: number;
  /** The slot it was applied from at that replica. */
  readonly slot: number;
}

/**
 * (3) No acknowledged command is lost: every acknowledged (clientId, seq) is in the final applied
 * sequence of every replica.
 */
export function checkDurability(
  acks: readonly Acknowledgement[],
  finals: readonly AppliedSequence[],
): Violation[] {
  const out: Violation[] = [];
  for (const s of finals) {
    const present = new Set(s.keys);
    const missing = acks.filter((a) => !present.has(a.key));
    const first = missing[0];
    if (first) {
      out.push(
        violation(
          'durability',
          `${s.label} lost ${missing.length} acknowledged command(s), e.g. ${first.key} ` +
            `(acknowledged by replica ${first.replica} from slot ${first.slot} at ${ms(first.time)} ms)`,
        ),
      );
    }
  }
  return out;
}
