import { type Command, commandKey } from '@quorum/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AppliedEffect, ChatState, dedupKey, type Outcome } from '../src/index.js';
import {
  asLegacy,
  firstApplications,
  firstLegacyApplications,
  type Stream,
  slots,
  stream,
  TOKENS,
  USERS,
} from './arbitrary.js';
import { publicView } from './helpers.js';

function outcomeOf(e: AppliedEffect): Outcome {
  return e.ok ? { ok: true, result: e.result } : { ok: false, code: e.code, message: e.message };
}

const legacyKey = (c: Command) => `${dedupKey(c)}#${c.seq}`;

const cases = [
  {
    name: 'commands with v: per (user, clientId, seq)',
    prepare: (s: Stream) => s,
    key: commandKey,
    once: firstApplications,
  },
  {
    name: 'legacy commands: as the previous build',
    prepare: (s: Stream): Stream => ({ ...s, commands: asLegacy(s.commands) }),
    key: legacyKey,
    once: firstLegacyApplications,
  },
];

describe.each(cases)(
  'dedup property: random streams with retries ($name)',
  ({ prepare, key: keyOf, once: onceOf }) => {
    it('each identity affects the state once, and retries get the first outcome', () => {
      fc.assert(
        fc.property(stream.map(prepare), (s) => {
          const state = new ChatState();
          const effects: AppliedEffect[] = [];
          const keys: string[] = [];
          slots(s).forEach((commands, i) => {
            effects.push(...state.apply(i + 1, { commands }));
            keys.push(...commands.map(keyOf));
          });
          expect(effects).toHaveLength(s.commands.length);

          // At most one first application per identity; duplicates repeat its outcome; no events otherwise.
          const first = new Map<string, Outcome>();
          for (const [i, e] of effects.entries()) {
            const key = keys[i]!;
            if (e.dedup === 'new') {
              expect(first.has(key)).toBe(false);
              first.set(key, outcomeOf(e));
            } else {
              expect(e.events).toEqual([]);
              if (e.dedup === 'duplicate') expect(outcomeOf(e)).toEqual(first.get(key));
            }
          }

          // The state equals one built from the first applications alone, each applied once.
          const once = onceOf(s.commands);
          expect(first.size).toBe(once.length);
          const reference = new ChatState();
          once.forEach((command, i) => {
            reference.apply(i + 1, { commands: [command] });
          });
          expect(publicView(state, USERS, TOKENS)).toEqual(publicView(reference, USERS, TOKENS));
        }),
        { numRuns: 300 },
      );
    });
  },
);
