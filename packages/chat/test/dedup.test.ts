import { describe, expect, it } from 'vitest';
import { HOUR, TestClient, withRoom } from './helpers.js';

describe('dedup: exactly-once per (clientId, seq)', () => {
  it('a retry with the same seq returns the first result, posts nothing and emits nothing', () => {
    const { replica, clients } = withRoom('r', 'ann');
    const [ann] = clients as [TestClient];
    const original = ann.post('r', 'hello');
    const first = replica.one(original);
    // The retry comes through another server: it carries that server's later ts.
    ann.clock.now += 5000;
    const retry = replica.one({ ...original, ts: ann.clock.now });
    expect(retry).toMatchObject({
      dedup: 'duplicate',
      ok: true,
      result: { op: 'post', room: 'r', position: 1, ts: first.ts },
      events: [],
    });
    expect(first.ok && retry.ok && retry.result).toEqual(first.ok && first.result);
    expect(replica.state.head('r')).toBe(1);
  });

  it('retries inside the same slot are duplicates too', () => {
    const { replica, clients } = withRoom('r', 'ann');
    const [ann] = clients as [TestClient];
    const command = ann.post('r', 'x');
    const effects = replica.run(command, command, command);
    expect(effects.map((e) => e.dedup)).toEqual(['new', 'duplicate', 'duplicate']);
    expect(replica.state.head('r')).toBe(1);
  });

  it('remembers failures as first results too', () => {
    const { replica, clients } = withRoom('r', 'ann');
    const [ann] = clients as [TestClient];
    const command = ann.post('nowhere', 'x');
    replica.one(command);
    // Even if the room exists by the time the retry arrives (ann created it from another tab),
    // the first answer stands.
    replica.one(new TestClient('ann', 'client-ann-tab2').join('nowhere'));
    expect(replica.one(command)).toMatchObject({ dedup: 'duplicate', ok: false, code: 'unknown_room' });
    expect(replica.state.head('nowhere')).toBe(0);
  });

  it('a seq below the last applied one is stale: nothing applied, a forbidden failure', () => {
    const { replica, clients } = withRoom('r', 'ann');
    const [ann] = clients as [TestClient];
    const older = ann.post('r', 'one');
    const newer = ann.post('r', 'two');
    replica.run(older, newer);
    const effect = replica.one(older);
    expect(effect).toMatchObject({ dedup: 'stale', ok: false, code: 'forbidden', events: [] });
    expect(replica.state.head('r')).toBe(2);
  });

  it('sequence numbers may skip; each new higher seq applies', () => {
    const { replica, clients } = withRoom('r', 'ann');
    const [ann] = clients as [TestClient];
    ann.seq += 10;
    expect(replica.one(ann.post('r', 'a'))).toMatchObject({ dedup: 'new', ok: true });
    expect(replica.state.head('r')).toBe(1);
  });

  it('is keyed by clientId: two clients of one user are independent', () => {
    const { replica, clients } = withRoom('r', 'ann');
    const [ann] = clients as [TestClient];
    const command = ann.post('r', 'x');
    replica.one(command);
    expect(replica.one({ ...command, clientId: 'client-ann-tab2' })).toMatchObject({
      dedup: 'new',
      ok: true,
    });
    expect(replica.state.head('r')).toBe(2);
  });

  it('lastApplied exposes the entry so a server can answer a retry directly', () => {
    const { replica, clients } = withRoom('r', 'ann');
    const [ann] = clients as [TestClient];
    const command = ann.post('r', 'x');
    replica.one(command);
    expect(replica.state.lastApplied('client-ann', 'ann')).toEqual({
      seq: command.seq,
      lastSeen: ann.clock.now,
      outcome: { ok: true, result: { op: 'post', room: 'r', position: 1, ts: command.ts } },
    });
    expect(replica.state.lastApplied('client-unknown', 'ann')).toBeNull();
  });

  it('a duplicate refreshes the entry (the client is alive)', () => {
    const { replica, clients } = withRoom('r', 'ann');
    const [ann] = clients as [TestClient];
    const command = ann.post('r', 'x');
    replica.one(command);
    ann.clock.now += HOUR;
    replica.one({ ...command, ts: ann.clock.now });
    expect(replica.state.lastApplied('client-ann', 'ann')?.lastSeen).toBe(ann.clock.now);
  });
});

describe('dedup ownership', () => {
  it("a user cannot spend another user's sequence numbers by borrowing their clientId", () => {
    const { replica, clients } = withRoom('r', 'ann', 'mal');
    const [ann, mal] = clients as [TestClient, TestClient];
    const hijack = { ...mal.post('r', 'sneaky'), clientId: ann.clientId, seq: 1_000_000 };
    expect(replica.one(hijack)).toMatchObject({ ok: true, dedup: 'new' });
    const honest = ann.post('r', 'still mine');
    expect(replica.one(honest)).toMatchObject({ ok: true, dedup: 'new' });
    expect(replica.state.lastApplied(ann.clientId, 'ann')?.seq).toBe(honest.seq);
  });
});
