import type { Command } from '@quorum/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChatState } from '../src/index.js';

/**
 * Commands that slipped past validation (wrong types, missing fields, unknown ops) must never make
 * apply throw or leave a state that cannot be snapshotted and restored.
 */
const loose = <T>(good: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: good, weight: 4 }, { arbitrary: fc.anything(), weight: 1 });

const command = fc
  .record({
    op: loose(
      fc.constantFrom(
        'post',
        'react',
        'register',
        'open_session',
        'close_session',
        'join',
        'leave',
        'set_display_name',
      ),
    ),
    clientId: loose(fc.constantFrom('client-a', 'client-b')),
    seq: loose(fc.integer({ min: 1, max: 5 })),
    ts: loose(fc.integer({ min: 0, max: 10 })),
    user: loose(fc.constantFrom('ann', 'bob')),
    room: loose(fc.constantFrom('r')),
    text: loose(fc.string({ maxLength: 3 })),
    position: loose(fc.integer({ min: 0, max: 3 })),
    emoji: loose(fc.constantFrom('x', '')),
    on: loose(fc.boolean()),
    passwordHash: loose(fc.constantFrom('h', '')),
    tokenHash: loose(fc.constantFrom('t')),
    expiresAt: loose(fc.integer({ min: 0, max: 20 })),
    displayName: loose(fc.constantFrom('D', '')),
  })
  .map((c) => c as unknown as Command);

describe('fuzz: malformed commands', () => {
  it('never throw and always leave a restorable state', () => {
    fc.assert(
      fc.property(fc.array(fc.array(command, { maxLength: 5 }), { maxLength: 12 }), (slots) => {
        const state = new ChatState();
        slots.forEach((commands, i) => {
          const effects = state.apply(i + 1, { commands });
          expect(effects).toHaveLength(commands.length);
        });
        const text = state.snapshot();
        expect(ChatState.restore(text).snapshot()).toBe(text);
      }),
      { numRuns: 300 },
    );
  });
});

describe('malformed fields in error messages', () => {
  it('an object whose toString and valueOf are not functions, or a symbol, fails cleanly', () => {
    const state = new ChatState();
    const weird = { toString: 0, valueOf: 1 };
    const base = { clientId: 'client-a', seq: 1, ts: 1 };
    state.apply(1, {
      commands: [
        { ...base, op: 'register', user: 'ann', passwordHash: 'h' },
        { ...base, seq: 2, op: 'join', user: 'ann', room: 'r' },
      ] as unknown as Command[],
    });
    const effects = state.apply(2, {
      commands: [
        { ...base, seq: 3, op: 'react', user: 'ann', room: 'r', position: weird, emoji: 'x' },
        { ...base, seq: 4, op: 'open_session', user: weird, tokenHash: 't', expiresAt: 1 },
        { ...base, seq: 5, op: 'leave', user: 'ann', room: weird },
        { ...base, seq: 6, op: 'post', user: 'ann', room: Symbol('r'), text: 'hi' },
        { ...base, seq: 7, op: weird },
      ] as unknown as Command[],
    });
    expect(effects.map((e) => e.ok)).toEqual([false, false, false, false, false]);
    const text = state.snapshot();
    expect(ChatState.restore(text).snapshot()).toBe(text);
  });
});
