import { type AppliedSequence, type Violation, violation } from './types.js';

export interface ProbeResult {
  readonly key: string;
  readonly replica: number;
  readonly sentAt: number;
  readonly ackedAt: number | null;
}

export interface LivenessInput {
  /** When every fault was removed and every replica was up again. */
  readonly healedAt: number;
  /** Each replica's applied sequence at the end of the quiet period. */
  readonly finals: readonly AppliedSequence[];
  /** Commands proposed after the heal, one per replica. */
  readonly probes: readonly ProbeResult[];
  /** Most simulated ms a probe may take to be applied by the replica it was sent to. */
  readonly boundMs: number;
  /** Client commands still unacknowledged at the end (clients keep retrying them). */
  readonly outstanding: readonly { readonly key: string; readonly since: number }[];
}

/**
 * (5) Liveness once faults heal: new proposals commit within a bounded simulated time, every
 * client's retried command gets through, and all replicas converge on the same applied sequence.
 */
export function checkLiveness(input: LivenessInput): Violation[] {
  const out: Violation[] = [];
  for (const p of input.probes) {
    if (p.ackedAt === null) {
      out.push(
        violation('liveness', `probe ${p.key} sent to replica ${p.replica} after the heal never committed`),
      );
    } else if (p.ackedAt - p.sentAt > input.boundMs) {
      out.push(
        violation(
          'liveness',
          `probe ${p.key} at replica ${p.replica} took ${Math.round(p.ackedAt - p.sentAt)} ms to commit (bound ${input.boundMs} ms)`,
        ),
      );
    }
  }
  const first = input.outstanding[0];
  if (first) {
    out.push(
      violation(
        'liveness',
        `${input.outstanding.length} client command(s) never acknowledged after the heal, e.g. ${first.key} (pending since ${Math.round(first.since)} ms)`,
      ),
    );
  }
  const reference = input.finals[0];
  if (reference) {
    for (const s of input.finals.slice(1)) {
      if (s.keys.length !== reference.keys.length || s.keys.some((k, i) => k !== reference.keys[i])) {
        out.push(
          violation(
            'liveness',
            `replicas did not converge after the heal: ${reference.label} applied ${reference.keys.length} commands, ` +
              `${s.label} applied ${s.keys.length}`,
          ),
        );
      }
    }
  }
  return out;
}
