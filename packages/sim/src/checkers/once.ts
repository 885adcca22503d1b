import { type AppliedSequence, type Violation, violation } from './types.js';

/**
 * (4) No command takes effect twice: each (clientId, seq) appears at most once in each state
 * machine's applied sequence. A retried command may be chosen in two slots; dedup must stop the
 * second one.
 */
export function checkOnce(sequences: readonly AppliedSequence[]): Violation[] {
  const out: Violation[] = [];
  for (const s of sequences) {
    const seen = new Map<string, number>();
    for (let i = 0; i < s.keys.length; i++) {
      const key = s.keys[i] as string;
      const first = seen.get(key);
      if (first !== undefined) {
        out.push(violation('once', `${s.label} applied ${key} twice (positions ${first + 1} and ${i + 1})`));
        break;
      }
      seen.set(key, i);
    }
  }
  return out;
}
