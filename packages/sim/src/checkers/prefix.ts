import { type AppliedSequence, type Violation, violation } from './types.js';

/**
 * (2) Applied sequences are prefixes of one another: every state machine (each replica at the end,
 * and each incarnation just before it crashed) applied the same commands in the same order, only
 * some further than others. All sequences are prefixes of one another exactly when each is a
 * prefix of the longest one.
 */
export function checkPrefixes(sequences: readonly AppliedSequence[]): Violation[] {
  if (sequences.length < 2) return [];
  let longest = sequences[0] as AppliedSequence;
  for (const s of sequences) if (s.keys.length > longest.keys.length) longest = s;
  const out: Violation[] = [];
  for (const s of sequences) {
    if (s === longest) continue;
    for (let i = 0; i < s.keys.length; i++) {
      if (s.keys[i] !== longest.keys[i]) {
        out.push(
          violation(
            'prefix',
            `${s.label} is not a prefix of ${longest.label}: position ${i + 1} holds ${s.keys[i]} vs ${longest.keys[i]}`,
          ),
        );
        break;
      }
    }
  }
  return out;
}
