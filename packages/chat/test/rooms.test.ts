import { describe, expect, it } from 'vitest';
import { ChatState } from '../src/index.js';
import { Replica, T0, TestClient } from './helpers.js';

function users(...names: string[]): { replica: Replica; clients: TestClient[] } {
  const replica = new Replica();
  const clients = names.map((name) => new TestClient(name));
  for (const client of clients) replica.one(client.register());
  return { replica, clients };
}

describe('join', () => {
  it('creates the room, adds the member and emits a membership event', () => {
    const { replica, clients } = users('ann');
    const [ann] = clients as [TestClient];
    const effect = replica.one(ann.join('general'));
    expect(effect).toMatchObject({
      ok: true,
      result: { op: 'join', room: 'general', created: true, joined: true, head: 0 },
      events: [{ type: 'membership', room: 'general', user: 'ann', joined: true }],
    });
    expect(replica.state.roomExists('general')).toBe(true);
    expect(replica.state.isMember('general', 'ann')).toBe(true);
    expect(replica.state.members('general')).toEqual(['ann']);
  });

  it('is idempotent: a second join succeeds with joined false and no event', () => {
    const { replica, clients } = users('ann');
    const [ann] = clients as [TestClient];
    replica.one(ann.join('general'));
    const effect = replica.one(ann.join('general'));
    expect(effect).toMatchObject({ ok: true, result: { created: false, joined: false }, events: [] });
    expect(replica.state.members('general')).toEqual(['ann']);
  });

  it('reports the head at join time', () => {
    const { replica, clients } = users('ann', 'bob');
    const [ann, bob] = clients as [TestClient, TestClient];
    replica.run(ann.join('r'), ann.post('r', 'one'), ann.post('r', 'two'));
    expect(replica.one(bob.join('r'))).toMatchObject({
      ok: true,
      result: { created: false, joined: true, head: 2 },
    });
  });

  it('refuses an unregistered user and creates nothing', () => {
    const replica = new Replica();
    expect(replica.one(new TestClient('ghost').join('r'))).toMatchObject({
      ok: false,
      code: 'not_authenticated',
    });
    expect(replica.state.roomExists('r')).toBe(false);
  });

  it('lists members sorted and rooms sorted with their sizes and heads', () => {
    const { replica, clients } = users('cy', 'ann', 'bob');
    const [cy, ann, bob] = clients as [TestClient, TestClient, TestClient];
    replica.run(
      cy.join('zeta'),
      ann.join('zeta'),
      bob.join('alpha'),
      bob.join('zeta'),
      bob.post('alpha', 'hi'),
    );
    expect(replica.state.members('zeta')).toEqual(['ann', 'bob', 'cy']);
    expect(replica.state.rooms()).toEqual([
      { room: 'alpha', members: 1, head: 1 },
      { room: 'zeta', members: 3, head: 0 },
    ]);
  });
});

describe('leave', () => {
  it('removes the member and emits a membership event; the room and its history stay', () => {
    const { replica, clients } = users('ann');
    const [ann] = clients as [TestClient];
    replica.run(ann.join('r'), ann.post('r', 'hello'));
    const effect = replica.one(ann.leave('r'));
    expect(effect).toMatchObject({
      ok: true,
      result: { op: 'leave', room: 'r', left: true },
      events: [{ type: 'membership', room: 'r', user: 'ann', joined: false }],
    });
    expect(replica.state.isMember('r', 'ann')).toBe(false);
    expect(replica.state.roomExists('r')).toBe(true);
    expect(replica.state.head('r')).toBe(1);
  });

  it('is idempotent for a non-member', () => {
    const { replica, clients } = users('ann', 'bob');
    const [ann, bob] = clients as [TestClient, TestClient];
    replica.one(ann.join('r'));
    expect(replica.one(bob.leave('r'))).toMatchObject({ ok: true, result: { left: false }, events: [] });
  });

  it('refuses an unknown room with unknown_room', () => {
    const { replica, clients } = users('ann');
    const [ann] = clients as [TestClient];
    expect(replica.one(ann.leave('nowhere'))).toMatchObject({ ok: false, code: 'unknown_room' });
  });
});

describe('unknown rooms in queries', () => {
  it('answer empty or null', () => {
    const replica = new Replica();
    expect(replica.state.roomExists('x')).toBe(false);
    expect(replica.state.isMember('x', 'ann')).toBe(false);
    expect(replica.state.members('x')).toEqual([]);
    expect(replica.state.head('x')).toBe(0);
    expect(replica.state.history('x')).toBeNull();
    expect(replica.state.messagesAfter('x', 0)).toBeNull();
    expect(replica.state.message('x', 1)).toBeNull();
    expect(replica.state.rooms()).toEqual([]);
  });
});

describe('room quota', () => {
  it('a user may create a bounded number of rooms; joining existing rooms and other users are not affected', () => {
    const replica = new Replica({ roomsPerUser: 3 });
    const clock = { now: T0 };
    const hog = new TestClient('hog', 'client-hog', clock);
    const other = new TestClient('other', 'client-other', clock);
    replica.run(hog.register(), other.register());
    for (const room of ['a', 'b', 'c']) expect(replica.one(hog.join(room))).toMatchObject({ ok: true });
    expect(replica.one(hog.join('d'))).toMatchObject({ ok: false, code: 'quota_exceeded' });
    expect(replica.state.roomExists('d')).toBe(false);
    expect(replica.one(other.join('d'))).toMatchObject({ ok: true, result: { created: true } });
    expect(replica.one(hog.join('d'))).toMatchObject({ ok: true, result: { created: false } });
    // The count survives a snapshot.
    const restored = new Replica(ChatState.restore(replica.state.snapshot()));
    expect(restored.one(hog.join('e'))).toMatchObject({ ok: false, code: 'quota_exceeded' });
  });
});
