import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AppliedEffect, ChatState, dedupKey, type Outcome } from '../src/index.js';
import { firstApplications, slots, stream, TOKENS, USERS } from './arbitrary.js';
import { allMessages, publicView } from './helpers.js';

function outcomeOf(e: AppliedEffect): Outcome {
  return e.ok ? { ok: true, result: e.result } : { ok: false, code: e.code, message: e.message };
}

describe('dedup property: random streams with retries', () => {
  it('each (clientId, seq) affects the state once, and retries get the first outcome', () => {
    fc.assert(
      fc.property(stream, (s) => {
        const state = new ChatState();
        const effects: AppliedEffect[] = [];
        const keys: string[] = [];
        slots(s).forEach((commands, i) => {
          effects.push(...state.apply(i + 1, { commands }));
          keys.push(...commands.map(dedupKey));
        });
        expect(effects).toHaveLength(s.commands.length);

        // At most one first application per pair; duplicates repeat its outcome; no events otherwise.
        const first = new Map<string, Outcome>();
        for (const [i, e] of effects.entries()) {
          const key = `${keys[i]}#${e.seq}`;
          if (e.dedup === 'new') {
            expect(first.has(key)).toBe(false);
            first.set(key, outcomeOf(e));
          } else {
            expect(e.events).toEqual([]);
            if (e.dedup === 'duplicate') expect(outcomeOf(e)).toEqual(first.get(key));
          }
        }

        // The state equals one built from the first applications alone, each applied once.
        const once = firstApplications(s.commands);
        expect(first.size).toBe(once.length);
        const reference = new ChatState();
        once.forEach((command, i) => {
          reference.apply(i + 1, { commands: [command] });
        });
        expect(publicView(state, USERS, TOKENS)).toEqual(publicView(reference, USERS, TOKENS));

        // No message was posted twice.
        const posted = state
          .rooms()
          .flatMap(({ room }) => allMessages(state, room).map((m) => `${m.clientId}#${m.seq}`));
        expect(new Set(posted).size).toBe(posted.length);
      }),
      { numRuns: 300 },
    );
  });
});
