import { commandKey, DEDUP_CLIENTS_PER_USER, MAX_COMMANDS_IN_FLIGHT } from '@quorum/protocol';
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

  it('a retry of any of the last MAX_COMMANDS_IN_FLIGHT seqs returns its first outcome, in any order', () => {
    const { replica, clients } = withRoom('r', 'ann');
    const [ann] = clients as [TestClient];
    const sends = Array.from({ length: MAX_COMMANDS_IN_FLIGHT }, (_, i) => ann.post('r', `m${i}`));
    const firsts = sends.map((send) => replica.one(send));
    for (const i of [3, 0, 7, 5]) {
      const retry = replica.one(sends[i]!);
      expect(retry).toMatchObject({ dedup: 'duplicate', ok: true });
      expect(retry.ok && retry.result).toEqual(firsts[i]!.ok && firsts[i]!.result);
    }
    expect(replica.state.head('r')).toBe(MAX_COMMANDS_IN_FLIGHT);
  });

  it('a seq overtaken by a later one in flight is applied when it arrives (it never was)', () => {
    const { replica, clients } = withRoom('r', 'ann');
    const [ann] = clients as [TestClient];
    const first = ann.post('r', 'one');
    const second = ann.post('r', 'two');
    replica.one(second);
    expect(replica.one(first)).toMatchObject({ dedup: 'new', ok: true, result: { position: 2 } });
    expect(replica.one(first)).toMatchObject({ dedup: 'duplicate', ok: true, result: { position: 2 } });
  });

  it('a seq older than the window is seq_expired: nothing applied', () => {
    const { replica, clients } = withRoom('r', 'ann');
    const [ann] = clients as [TestClient];
    const old = ann.post('r', 'old');
    replica.one(old);
    for (let i = 0; i < MAX_COMMANDS_IN_FLIGHT; i++) replica.one(ann.post('r', `new ${i}`));
    const effect = replica.one(old);
    expect(effect).toMatchObject({ dedup: 'stale', ok: false, code: 'seq_expired', events: [] });
    expect(replica.state.head('r')).toBe(MAX_COMMANDS_IN_FLIGHT + 1);
  });

  it('legacy commands (no v) keep the previous rule: a seq below the last one is stale, forbidden', () => {
    const { replica, clients } = withRoom('r', 'ann');
    const [ann] = clients as [TestClient];
    ann.legacy = true;
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
    const outcome = { ok: true, result: { op: 'post', room: 'r', position: 1, ts: command.ts } };
    expect(replica.state.lastApplied('client-ann', 'ann')).toEqual({
      seq: command.seq,
      lastSeen: ann.clock.now,
      outcome,
      outcomes: new Map<number, unknown>([
        [
          command.seq - 1,
          { ok: true, result: { op: 'join', room: 'r', created: true, joined: true, head: 0 } },
        ],
        [command.seq, outcome],
      ]),
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

describe('identity is (user, clientId, seq)', () => {
  it("another user's command with the same (clientId, seq) is a command of its own", () => {
    const { replica, clients } = withRoom('r', 'ann', 'mal');
    const [ann, mal] = clients as [TestClient, TestClient];
    const mine = ann.post('r', 'mine');
    const borrowed = { ...mal.post('r', 'not yours'), clientId: mine.clientId, seq: mine.seq };
    expect(commandKey(borrowed)).not.toBe(commandKey(mine));
    // Whichever comes first, both are posted and each is answered with its own result.
    expect(replica.one(borrowed)).toMatchObject({
      dedup: 'new',
      ok: true,
      user: 'mal',
      result: { position: 1 },
    });
    expect(replica.one(mine)).toMatchObject({ dedup: 'new', ok: true, user: 'ann', result: { position: 2 } });
    expect(replica.one(mine)).toMatchObject({ dedup: 'duplicate', result: { position: 2 } });
  });
});

describe('dedup fairness: every bound is per user', () => {
  it("a flood of fresh clientIds from one user evicts only that user's entries", () => {
    const { replica, clients } = withRoom('r', 'ann', 'mal');
    const [ann, mal] = clients as [TestClient, TestClient];
    const post = ann.post('r', 'once');
    const first = replica.one(post);
    // mal reacts from 10x the per-user cap of fresh client ids, in batches of slots.
    for (let i = 0; i < DEDUP_CLIENTS_PER_USER * 10; i++) {
      const flooder = new TestClient('mal', `flood-${i}`, mal.clock);
      replica.one(flooder.react('r', 1, '👍', i % 2 === 0));
    }
    expect(replica.state.stats().dedupClients).toBeLessThanOrEqual(DEDUP_CLIENTS_PER_USER + 2 + 2);
    // ann's retry after the flood is still recognised.
    expect(replica.one(post)).toMatchObject({ dedup: 'duplicate', result: first.ok ? first.result : null });
    expect(replica.state.head('r')).toBe(1);
  });

  it("a user's own clients beyond the cap evict that user's least recently used one", () => {
    const { replica, clients } = withRoom('r', 'ann');
    const [ann] = clients as [TestClient];
    const tabs = Array.from(
      { length: DEDUP_CLIENTS_PER_USER },
      (_, i) => new TestClient('ann', `tab-${i}`, ann.clock),
    );
    for (const tab of tabs) replica.one(tab.post('r', tab.clientId));
    expect(replica.state.lastApplied('client-ann', 'ann')).toBeNull(); // the join's client, least recent
    expect(replica.state.lastApplied('tab-0', 'ann')).not.toBeNull();
    replica.one(new TestClient('ann', 'tab-new', ann.clock).post('r', 'x'));
    expect(replica.state.lastApplied('tab-0', 'ann')).toBeNull();
  });
});
