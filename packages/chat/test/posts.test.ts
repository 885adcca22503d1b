import { MAX_TEXT_LENGTH } from '@quorum/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allMessages, Replica, T0, TestClient, withRoom } from './helpers.js';

describe('post', () => {
  it('gives the message the next position, acks with room/position/ts and emits the message', () => {
    const { replica, clients } = withRoom('general', 'ann');
    const [ann] = clients as [TestClient];
    const command = ann.post('general', 'hello');
    const effect = replica.one(command);
    expect(effect).toEqual({
      slot: replica.state.lastAppliedSlot,
      index: 0,
      op: 'post',
      user: 'ann',
      clientId: 'client-ann',
      seq: command.seq,
      ts: T0,
      dedup: 'new',
      archived: [],
      endedSessions: [],
      ok: true,
      result: { op: 'post', room: 'general', position: 1, ts: T0 },
      events: [
        {
          type: 'message',
          message: {
            room: 'general',
            position: 1,
            author: 'ann',
            text: 'hello',
            ts: T0,
            reactions: [],
          },
        },
      ],
    });
    expect(replica.state.head('general')).toBe(1);
  });

  it('numbers each room separately: 1, 2, 3 ... with no gaps, also across slots and batches', () => {
    const replica = new Replica();
    const ann = new TestClient('ann');
    replica.run(ann.register(), ann.join('a'), ann.join('b'));
    const positions = replica
      .run(ann.post('a', '1'), ann.post('b', '1'), ann.post('a', '2'))
      .concat(replica.run(ann.post('a', '3')), replica.run(ann.post('b', '2')))
      .map((e) => (e.ok && e.result.op === 'post' ? `${e.result.room}${e.result.position}` : 'fail'));
    expect(positions).toEqual(['a1', 'b1', 'a2', 'a3', 'b2']);
  });

  it('refuses a non-member with not_member and an unknown room with unknown_room', () => {
    const { replica, clients } = withRoom('general', 'ann');
    const bob = new TestClient('bob');
    replica.one(bob.register());
    expect(replica.one(bob.post('general', 'hi'))).toMatchObject({
      ok: false,
      code: 'not_member',
      events: [],
    });
    expect(replica.one((clients[0] as TestClient).post('nowhere', 'hi'))).toMatchObject({
      ok: false,
      code: 'unknown_room',
    });
    expect(replica.state.head('general')).toBe(0);
  });

  it('refuses an unregistered author and text over the limit', () => {
    const { replica, clients } = withRoom('general', 'ann');
    expect(replica.one(new TestClient('ghost').post('general', 'boo'))).toMatchObject({
      ok: false,
      code: 'not_authenticated',
    });
    const long = 'x'.repeat(MAX_TEXT_LENGTH + 1);
    expect(replica.one((clients[0] as TestClient).post('general', long))).toMatchObject({
      ok: false,
      code: 'text_too_long',
    });
    expect(replica.state.head('general')).toBe(0);
  });

  it('events are copies: later reactions do not change an emitted message', () => {
    const { replica, clients } = withRoom('general', 'ann');
    const [ann] = clients as [TestClient];
    const [effect] = replica.run(ann.post('general', 'hi'));
    replica.run(ann.react('general', 1, '👍'));
    const event = effect?.events[0];
    expect(event?.type === 'message' && event.message.reactions).toEqual([]);
  });

  it('property: any interleaving of posts, failures and rooms keeps positions 1..n per room', () => {
    const step = fc.record({ user: fc.constantFrom('ann', 'bob'), room: fc.constantFrom('r1', 'r2', 'r3') });
    fc.assert(
      fc.property(fc.array(fc.array(step, { maxLength: 6 }), { maxLength: 20 }), (slots) => {
        const replica = new Replica();
        const clock = { now: T0 };
        const ann = new TestClient('ann', 'client-ann', clock);
        const bob = new TestClient('bob', 'client-bob', clock);
        // ann is in r1 and r2, bob in r2 only; r3 does not exist: some posts fail.
        replica.run(ann.register(), bob.register(), ann.join('r1'), ann.join('r2'), bob.join('r2'));
        const accepted = new Map<string, number>();
        for (const slot of slots) {
          const effects = replica.run(
            ...slot.map((s) => (s.user === 'ann' ? ann : bob).post(s.room, `${s.user}:${s.room}`)),
          );
          for (const e of effects) {
            if (!e.ok || e.result.op !== 'post') continue;
            const next = (accepted.get(e.result.room) ?? 0) + 1;
            expect(e.result.position).toBe(next);
            accepted.set(e.result.room, next);
          }
        }
        for (const room of ['r1', 'r2']) {
          const messages = allMessages(replica.state, room);
          expect(messages.map((m) => m.position)).toEqual(messages.map((_, i) => i + 1));
          expect(replica.state.head(room)).toBe(accepted.get(room) ?? 0);
        }
      }),
    );
  });
});
