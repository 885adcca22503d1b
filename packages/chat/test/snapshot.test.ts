import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChatState, canonicalJson, fnv1a64 } from '../src/index.js';
import { slots, stream, TOKENS, USERS } from './arbitrary.js';
import { HOUR, publicView, Replica, T0, TestClient, tokenHash } from './helpers.js';

function busyReplica(): { replica: Replica; ann: TestClient; bob: TestClient } {
  const clock = { now: T0 };
  const replica = new Replica({ dedupWindowMs: 5 * HOUR, maxDedupClients: 50 });
  const ann = new TestClient('ann', 'client-ann', clock);
  const bob = new TestClient('bob', 'client-bob', clock);
  replica.run(ann.register(), bob.register(), ann.join('general'), bob.join('general'), ann.join('quiet'));
  replica.run(ann.post('general', 'hello'), bob.post('general', 'hi ann 👋'), bob.react('general', 1, '👍'));
  replica.run(ann.openSession('s1', T0 + HOUR), bob.setDisplayName('Bob B.'), ann.post('quiet', 'echo'));
  return { replica, ann, bob };
}

describe('snapshot / restore', () => {
  it('round-trips to the very same text, digest and query answers', () => {
    const { replica } = busyReplica();
    const text = replica.state.snapshot();
    const restored = ChatState.restore(text);
    expect(restored.snapshot()).toBe(text);
    expect(restored.digest()).toEqual(replica.state.digest());
    expect(restored.lastAppliedSlot).toBe(replica.state.lastAppliedSlot);
    expect(restored.clock).toBe(replica.state.clock);
    expect(restored.options).toEqual({
      dedupWindowMs: 5 * HOUR,
      maxDedupClients: 50,
      retainPerRoom: 1000,
      clientsPerUser: 32,
      anonymousClients: 1024,
      seqWindow: 8,
      roomsPerUser: 100,
    });
    expect(restored.stats()).toEqual(replica.state.stats());
    const tokens = [tokenHash('s1')];
    expect(publicView(restored, ['ann', 'bob'], tokens)).toEqual(
      publicView(replica.state, ['ann', 'bob'], tokens),
    );
    expect(restored.history('general', undefined, 10)).toEqual(
      replica.state.history('general', undefined, 10),
    );
    expect(restored.sessionUser(tokenHash('s1'), T0)).toBe('ann');
    expect(restored.lastApplied('client-bob', 'bob')).toEqual(replica.state.lastApplied('client-bob', 'bob'));
  });

  it("restores the previous build's version 2 text (messages with clientId and seq, one dedup table)", () => {
    const { replica } = busyReplica();
    const body = JSON.parse(replica.state.snapshot().split('\n')[1]!) as Record<string, unknown> & {
      rooms: { messages: Record<string, unknown>[] }[];
      config: Record<string, unknown>;
    };
    delete body.clients;
    for (const key of ['anonymousClients', 'clientsPerUser', 'seqWindow', 'roomsPerUser'])
      delete body.config[key];
    for (const room of body.rooms as unknown as Record<string, unknown>[]) delete room.creator;
    for (const room of body.rooms)
      room.messages = room.messages.map((m) => ({ ...m, clientId: 'client-old', seq: 1 }));
    body.dedup = [
      {
        clientId: 'client-old',
        lastSeen: 0,
        outcome: { ok: true, result: { op: 'leave', room: 'x', left: false } },
        seq: 3,
      },
    ];
    const json = canonicalJson(body);
    const restored = ChatState.restore(`QCHAT-SNAPSHOT 2 ${fnv1a64(json)}\n${json}`);
    expect(restored.history('general', undefined, 10)).toEqual(
      replica.state.history('general', undefined, 10),
    );
    expect(restored.legacyEntry('client-old')?.seq).toBe(3);
    expect(restored.options.seqWindow).toBe(8);
    // Written back as version 3.
    expect(restored.snapshot()).toMatch(/^QCHAT-SNAPSHOT 3 /);
  });

  it('keeps dedup across a restore: a retry after restore is still a duplicate', () => {
    const { replica, ann } = busyReplica();
    const post = ann.post('general', 'only once');
    replica.run(post);
    const restored = new Replica(ChatState.restore(replica.state.snapshot()));
    expect(restored.one(post)).toMatchObject({ dedup: 'duplicate', ok: true, result: { position: 3 } });
    expect(restored.state.head('general')).toBe(3);
  });

  it('an empty state round-trips', () => {
    const state = new ChatState();
    expect(ChatState.restore(state.snapshot()).snapshot()).toBe(state.snapshot());
  });

  it('is independent of the order in which things were created', () => {
    // Same final state reached through different orders of users and rooms.
    const make = (order: string[]) => {
      const state = new ChatState();
      state.apply(1, {
        commands: order.map((user, i) => ({
          op: 'register' as const,
          clientId: `client-${user}`,
          seq: 1,
          ts: T0 + 1,
          user,
          passwordHash: `h-${user}-${i >= 0 ? 'x' : ''}`,
        })),
      });
      return state.snapshot();
    };
    const a = make(['ann', 'bob']);
    const b = make(['bob', 'ann']);
    // The dedup table is in recency order (replicated state), so compare everything else.
    const strip = (text: string) => {
      const body = JSON.parse(text.slice(text.indexOf('\n') + 1)) as Record<string, unknown>;
      delete body.dedup;
      delete body.hash;
      return JSON.stringify(body);
    };
    expect(strip(a)).toBe(strip(b));
  });

  it('property: the snapshot body is exactly what canonicalJson writes for it', () => {
    // serializeSnapshot builds canonical key order by hand for the native JSON.stringify.
    fc.assert(
      fc.property(stream, fc.integer({ min: 1, max: 4 }), (s, retainPerRoom) => {
        const state = new ChatState({ dedupWindowMs: 20_000, maxDedupClients: 3, retainPerRoom });
        slots(s).forEach((commands, i) => {
          state.apply(i + 1, { commands });
        });
        const text = state.snapshot();
        const body = text.slice(text.indexOf('\n') + 1);
        expect(body).toBe(canonicalJson(JSON.parse(body)));
      }),
      { numRuns: 200 },
    );
    const { replica } = busyReplica();
    const body = replica.state.snapshot().split('\n')[1] ?? '';
    expect(body).toBe(canonicalJson(JSON.parse(body)));
    expect(body).toContain('"reactions":[{"emoji":"👍","users":["bob"]}]');
  });

  it('property: a snapshot written in steps while the state changes is the text of the moment it began', () => {
    fc.assert(
      fc.property(stream, fc.nat(), fc.integer({ min: 1, max: 400 }), (s, cut, chars) => {
        const batches = slots(s);
        const at = cut % (batches.length + 1);
        const state = new ChatState({ dedupWindowMs: 20_000, maxDedupClients: 3, retainPerRoom: 2 });
        batches.slice(0, at).forEach((commands, i) => {
          state.apply(i + 1, { commands });
        });
        const expected = state.snapshot();
        const writer = state.snapshotWriter();
        expect(writer.lastAppliedSlot).toBe(at);
        batches.slice(at).forEach((commands, i) => {
          state.apply(at + i + 1, { commands });
          writer.step(chars);
        });
        expect(writer.finish()).toBe(expected);
        expect(writer.finish()).toBe(expected);
      }),
      { numRuns: 300 },
    );
    // The header is known once the body is written; finish() is header + body, whatever the steps.
    {
      const state = new ChatState();
      state.apply(1, {
        commands: [
          { op: 'register', clientId: 'client-ann', seq: 1, ts: T0, user: 'ann', passwordHash: 'h' },
        ],
      });
      const writer = state.snapshotWriter();
      expect(() => writer.header).toThrow(/not complete/);
      const pieces: string[] = [];
      while (!writer.step(10, (piece) => pieces.push(piece))) {
        // pieces arrive as they are written
      }
      expect(writer.header + pieces.join('')).toBe(state.snapshot());
      expect(writer.finish()).toBe(state.snapshot());
    }
    // Every kind of in-place change after the writer began: reactions, display names, sessions.
    const { replica, ann, bob } = busyReplica();
    const before = replica.state.snapshot();
    const writer = replica.state.snapshotWriter();
    replica.run(
      ann.react('general', 1, '🎉'),
      bob.react('general', 1, '👍', false),
      bob.setDisplayName('Robert'),
    );
    replica.run(ann.openSession('s1', T0 + 9 * HOUR), ann.post('general', 'later'), ann.leave('quiet'));
    expect(replica.state.snapshot()).not.toBe(before);
    expect(writer.finish()).toBe(before);
  });

  it('property: restoring at any points and applying on equals a replica that never snapshotted', () => {
    fc.assert(
      fc.property(stream, fc.array(fc.nat(), { maxLength: 4 }), (s, cuts) => {
        const batches = slots(s);
        const restoreAt = new Set(cuts.map((c) => c % (batches.length + 1)));
        const plain = new ChatState({ dedupWindowMs: 20_000, maxDedupClients: 3 });
        let cycled = new ChatState({ dedupWindowMs: 20_000, maxDedupClients: 3 });
        batches.forEach((commands, i) => {
          if (restoreAt.has(i)) cycled = ChatState.restore(cycled.snapshot());
          const a = plain.apply(i + 1, { commands });
          const b = cycled.apply(i + 1, { commands });
          expect(b).toEqual(a);
        });
        expect(cycled.snapshot()).toBe(plain.snapshot());
        expect(cycled.digest()).toEqual(plain.digest());
        expect(publicView(cycled, USERS, TOKENS)).toEqual(publicView(plain, USERS, TOKENS));
      }),
      { numRuns: 200 },
    );
  });
});
