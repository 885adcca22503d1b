import type { Command } from '@quorum/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChatState } from '../src/index.js';
import { slots, stream, TOKENS, USERS } from './arbitrary.js';
import { publicView } from './helpers.js';

function applyAll(state: ChatState, batches: readonly Command[][]): ChatState {
  batches.forEach((commands, i) => {
    state.apply(i + 1, { commands });
  });
  return state;
}

describe('replicas agree', () => {
  it('two replicas applying the same slots have identical snapshot text and digest', () => {
    fc.assert(
      fc.property(stream, (s) => {
        const batches = slots(s);
        const a = applyAll(new ChatState(), batches);
        // The second replica receives copies with keys in another order, as after a JSON round trip.
        const reordered = batches.map((b) =>
          b.map((c) => Object.fromEntries(Object.entries(c).reverse()) as unknown as Command),
        );
        const b = applyAll(new ChatState(), reordered);
        expect(b.snapshot()).toBe(a.snapshot());
        expect(b.digest()).toEqual(a.digest());
        expect(a.digest()).toMatchObject({
          lastAppliedSlot: batches.length,
          appliedCount: s.commands.length,
        });
      }),
      { numRuns: 200 },
    );
  });

  it('batching does not change what clients see (only the digest, which covers slot numbers)', () => {
    fc.assert(
      fc.property(stream, (s) => {
        const batched = applyAll(new ChatState(), slots(s));
        const single = applyAll(
          new ChatState(),
          s.commands.map((c) => [c]),
        );
        expect(publicView(single, USERS, TOKENS)).toEqual(publicView(batched, USERS, TOKENS));
      }),
      { numRuns: 100 },
    );
  });

  it('replicas that diverge get different digests', () => {
    const a = new ChatState();
    const b = new ChatState();
    const register = (user: string): Command => ({
      op: 'register',
      clientId: 'client-1',
      seq: 1,
      ts: 1,
      user,
      passwordHash: 'h',
    });
    a.apply(1, { commands: [register('ann')] });
    b.apply(1, { commands: [register('bob')] });
    expect(a.digest().hash).not.toBe(b.digest().hash);
  });
});
