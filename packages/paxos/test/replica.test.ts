import { SNAPSHOT_CHUNK_CHARS } from '@quorum/protocol';
import { describe, expect, it } from 'vitest';
import { Outbox } from '../src/outbox.js';
import { ACCEPT_AHEAD } from '../src/replica.js';
import { LocalCluster, post } from './cluster.js';

const ids = [1, 2, 3];

function elect(cluster: LocalCluster): number {
  cluster.tickUntil(() => cluster.leader() !== null);
  return cluster.leader()!;
}

describe('Replica', () => {
  it('elects exactly one leader and commits a proposal on every replica', () => {
    const cluster = new LocalCluster(ids);
    const leader = elect(cluster);
    cluster.replica(leader).propose([post('hello')]);
    cluster.deliver();
    cluster.tickUntil(() => ids.every((id) => cluster.node(id).applied.length === 1));
    expect(ids.filter((id) => cluster.replica(id).status().role === 'leader')).toEqual([leader]);
  });

  it('forwards a proposal made at a follower to the leader', () => {
    const cluster = new LocalCluster(ids);
    const leader = elect(cluster);
    const follower = ids.find((id) => id !== leader)!;
    cluster.tickUntil(() => cluster.replica(follower).status().leaderId === leader);
    cluster.replica(follower).propose([post('via follower')]);
    cluster.tickUntil(() => ids.every((id) => cluster.node(id).applied.length === 1));
  });

  it('keeps committing after the leader crashes, and the new leader keeps every chosen value', () => {
    const cluster = new LocalCluster(ids);
    const first = elect(cluster);
    for (let i = 0; i < 5; i++) cluster.replica(first).propose([post(`m${i}`)]);
    cluster.tickUntil(() => ids.every((id) => cluster.node(id).applied.length === 5));
    cluster.crash(first);
    const second = cluster.tickUntil(() => cluster.leader() !== null && cluster.leader() !== first);
    expect(second).toBeGreaterThan(0);
    const leader = cluster.leader()!;
    cluster.replica(leader).propose([post('after')]);
    const live = ids.filter((id) => id !== first);
    cluster.tickUntil(() => live.every((id) => cluster.node(id).applied.length === 6));
    expect(cluster.node(live[0]!).applied).toEqual(cluster.node(live[1]!).applied);
  });

  it('a restarted replica recovers from its disk and catches up in bulk', () => {
    const cluster = new LocalCluster(ids);
    const leader = elect(cluster);
    const lagger = ids.find((id) => id !== leader)!;
    cluster.crash(lagger);
    for (let i = 0; i < 300; i++) cluster.replica(leader).propose([post(`m${i}`)]);
    cluster.tickUntil(() => cluster.node(leader).applied.length === 300);
    const before = cluster.sent.filter((m) => m.type === 'catchup_req').length;
    cluster.restart(lagger);
    cluster.tickUntil(() => cluster.node(lagger).applied.length === 300);
    const requests = cluster.sent.filter((m) => m.type === 'catchup_req').length - before;
    expect(requests).toBeLessThan(20);
    expect(cluster.node(lagger).applied).toEqual(cluster.node(leader).applied);
  });

  it('a replica behind the compaction point installs a snapshot', () => {
    const cluster = new LocalCluster(ids, { retainEntries: 10 });
    const leader = elect(cluster);
    const lagger = ids.find((id) => id !== leader)!;
    cluster.isolate(lagger);
    // One proposal per turn, so that each gets its own slot (a turn's proposals share one).
    for (let i = 0; i < 100; i++) {
      cluster.replica(leader).propose([post(`m${i}`)]);
      cluster.flush();
    }
    const live = ids.filter((id) => id !== lagger);
    cluster.tickUntil(() => live.every((id) => cluster.node(id).applied.length === 100));
    for (const id of live) {
      const node = cluster.node(id);
      cluster.replica(id).compact(node.slots.at(-1)!.slot, JSON.stringify({ applied: node.applied }));
    }
    cluster.flush();
    expect(cluster.replica(leader).status().firstRetained).toBeGreaterThan(1);
    cluster.heal();
    cluster.tickUntil(() => cluster.node(lagger).applied.length === 100);
    expect(cluster.replica(lagger).status().snapshotIndex).toBeGreaterThan(0);
    expect(cluster.node(lagger).applied).toEqual(cluster.node(leader).applied);
  });

  it('a replica whose snapshot source dies mid-transfer gets the snapshot from another peer, and the survivors commit', () => {
    const cluster = new LocalCluster(ids, { retainEntries: 10 });
    const leader = elect(cluster);
    const lagger = ids.find((id) => id !== leader)!;
    const other = ids.find((id) => id !== leader && id !== lagger)!;
    cluster.isolate(lagger);
    // More than ACCEPT_AHEAD slots: the lagger cannot vote for new slots before it catches up.
    const total = ACCEPT_AHEAD + 50;
    for (let i = 0; i < total; i++) {
      cluster.replica(leader).propose([post(`m${i}`)]);
      cluster.flush();
    }
    cluster.tickUntil(
      () => cluster.node(other).applied.length === total && cluster.node(leader).applied.length === total,
    );
    // A snapshot of several chunks, so that a transfer can stop half-way.
    const padding = 'x'.repeat(SNAPSHOT_CHUNK_CHARS * 2);
    for (const id of [leader, other]) {
      const node = cluster.node(id);
      cluster
        .replica(id)
        .compact(node.slots.at(-1)!.slot, JSON.stringify({ applied: node.applied, padding }));
    }
    cluster.flush();
    // The leader's chunks after the first are lost, then the leader dies: mid-transfer.
    let firstChunk = false;
    cluster.filter = (from, to, message) => {
      if (from !== leader || to !== lagger || message.type !== 'snapshot_chunk') return true;
      if (message.offset === 0) firstChunk = true;
      return message.offset === 0;
    };
    cluster.heal();
    cluster.tickUntil(() => firstChunk);
    cluster.crash(leader);
    cluster.filter = null;
    // The two survivors catch up, elect and commit within a bound.
    const ticks = cluster.tickUntil(() => cluster.node(lagger).applied.length === total, 400);
    expect(ticks).toBeLessThan(400);
    const next = cluster.tickUntil(() => {
      const newLeader = cluster.leader();
      return newLeader !== null && newLeader !== leader;
    }, 400);
    expect(next).toBeLessThan(400);
    cluster.replica(cluster.leader()!).propose([post('after the failover')]);
    cluster.tickUntil(
      () => [lagger, other].every((id) => cluster.node(id).applied.length === total + 1),
      400,
    );
  });

  it('an isolated leader steps down (check-quorum) and the majority elects another', () => {
    const cluster = new LocalCluster(ids);
    const first = elect(cluster);
    cluster.isolate(first);
    cluster.tickUntil(() => cluster.replica(first).status().role !== 'leader');
    cluster.tickUntil(() => ids.some((id) => id !== first && cluster.replica(id).status().role === 'leader'));
  });

  it('a replica back from a partition does not depose a healthy leader', () => {
    const cluster = new LocalCluster(ids);
    const leader = elect(cluster);
    const other = ids.find((id) => id !== leader)!;
    cluster.isolate(other);
    cluster.tick(200);
    cluster.heal();
    cluster.tick(100);
    expect(cluster.leader()).toBe(leader);
    expect(cluster.replica(other).status().leaderId).toBe(leader);
  });

  it('answers a read index after a quorum round, at a follower too', () => {
    const cluster = new LocalCluster(ids);
    const leader = elect(cluster);
    cluster.replica(leader).propose([post('x')]);
    cluster.tickUntil(() => ids.every((id) => cluster.node(id).applied.length === 1));
    const follower = ids.find((id) => id !== leader)!;
    cluster.replica(leader).readIndex(7);
    cluster.replica(follower).readIndex(8);
    cluster.deliver();
    expect(cluster.node(leader).reads).toContainEqual({ id: 7, index: 1 });
    expect(cluster.node(follower).reads).toContainEqual({ id: 8, index: 1 });
  });

  it('costs 2(n-1) accept messages and n-1 commits per commit with a stable leader', () => {
    const cluster = new LocalCluster(ids);
    const leader = elect(cluster);
    cluster.tick(20);
    const start = cluster.sent.length;
    cluster.replica(leader).propose([post('one')]);
    cluster.deliver();
    const kinds = cluster.sent.slice(start).map((m) => m.type);
    expect(kinds.filter((k) => k === 'accept')).toHaveLength(2);
    expect(kinds.filter((k) => k === 'accepted')).toHaveLength(2);
    expect(kinds.filter((k) => k === 'commit')).toHaveLength(2);
    expect(kinds.filter((k) => k === 'prepare')).toHaveLength(0);
  });
});

describe('in-flight dedup at the leader', () => {
  it("drops a retry of a command in flight, but not another user's command with the same (clientId, seq)", () => {
    const cluster = new LocalCluster(ids);
    const leader = elect(cluster);
    const alices = post('mine');
    const retry = { ...alices, ts: 1 };
    const mallorys = { ...alices, user: 'mallory', text: 'borrowed identity' };
    cluster.replica(leader).propose([alices]);
    cluster.replica(leader).propose([retry, mallorys]);
    cluster.deliver();
    const slot = cluster.node(leader).slots.find((s) => s.value.commands.length > 0)!;
    expect(slot.value.commands.map((c) => [c.user, c.op === 'post' && c.text])).toEqual([
      ['alice', 'mine'],
      ['mallory', 'borrowed identity'],
    ]);
  });
});

describe('batching', () => {
  it('puts everything proposed in one turn into one slot', () => {
    const cluster = new LocalCluster(ids);
    const leader = elect(cluster);
    for (let i = 0; i < 50; i++) cluster.replica(leader).propose([post(`batch ${i}`)]);
    cluster.deliver();
    cluster.tickUntil(() => ids.every((id) => cluster.node(id).applied.length === 50));
    expect(cluster.node(leader).slots.filter((s) => s.value.commands.length > 0)).toHaveLength(1);
  });
});

describe('a single-replica cluster', () => {
  it('elects itself, commits, and answers read indexes without peers', () => {
    const cluster = new LocalCluster([1]);
    cluster.tickUntil(() => cluster.leader() === 1);
    cluster.replica(1).propose([post('alone')]);
    cluster.deliver();
    expect(cluster.node(1).applied).toHaveLength(1);
    cluster.replica(1).readIndex(3);
    cluster.deliver();
    expect(cluster.node(1).reads).toContainEqual({ id: 3, index: 1 });
  });
});

describe('hasReady', () => {
  it('reports work deferred to the end of the turn (slots to cut, forwards to send)', () => {
    const cluster = new LocalCluster(ids);
    const leader = elect(cluster);
    const follower = ids.find((id) => id !== leader)!;
    cluster.tickUntil(() => cluster.replica(follower).status().leaderId === leader);
    cluster.flush();
    expect(cluster.replica(leader).hasReady()).toBe(false);
    cluster.replica(leader).propose([post('at the leader')]);
    expect(cluster.replica(leader).hasReady()).toBe(true);
    cluster.replica(follower).propose([post('at a follower')]);
    expect(cluster.replica(follower).hasReady()).toBe(true);
  });
});

describe('overlapping the leader’s write with its followers’', () => {
  it('sends the accepts early and counts the leader’s own vote only once its write is durable', () => {
    const cluster = new LocalCluster(ids);
    const leaderId = elect(cluster);
    cluster.tick(20);
    const [f1, f2] = ids.filter((id) => id !== leaderId) as [number, number];
    const leader = cluster.replica(leaderId);
    const before = leader.status().committed;

    leader.propose([post('overlap')]);
    const ready = leader.ready();
    const accepts = ready.sendEarly.filter((o) => o.message.type === 'accept');
    expect(accepts.map((o) => o.to).sort()).toEqual([f1, f2].sort());
    expect(ready.send.filter((o) => o.message.type === 'accept')).toHaveLength(0);
    expect(ready.persist?.entries).toHaveLength(1);
    const slot = ready.persist!.entries[0]!.slot;
    expect(ready.ownAccept?.slots).toEqual([slot]);

    // One follower accepts (after its own write: its `accepted` is not early) ...
    const follower = cluster.replica(f1);
    follower.step(accepts.find((o) => o.to === f1)!.message);
    const answer = follower.ready();
    expect(answer.sendEarly).toHaveLength(0);
    expect(answer.persist?.entries.map((e) => e.slot)).toEqual([slot]);
    const accepted = answer.send.find((o) => o.message.type === 'accepted');
    expect(accepted?.to).toBe(leaderId);
    leader.step(accepted!.message);
    leader.ready();
    // ... which with the leader's vote would be a quorum, but the leader's write is not done.
    expect(leader.status().committed).toBe(before);

    leader.ownAcceptDurable(ready.ownAccept!);
    const next = leader.ready();
    expect(leader.status().committed).toBe(slot);
    expect(next.committed.map((e) => e.slot)).toContain(slot);
  });

  it('ignores the leader’s own vote from a leadership it has lost', () => {
    const cluster = new LocalCluster(ids);
    const leaderId = elect(cluster);
    cluster.tick(20);
    const leader = cluster.replica(leaderId);
    leader.propose([post('moot')]);
    const ready = leader.ready();
    const committed = leader.status().committed;
    // A leader of a higher ballot speaks up: this one follows it before its write finishes.
    const other = ids.find((id) => id !== leaderId)!;
    leader.step({
      type: 'heartbeat',
      from: other,
      ballot: { round: leader.status().ballot.round + 5, node: other },
      committed,
    });
    expect(leader.status().role).not.toBe('leader');
    leader.ownAcceptDurable(ready.ownAccept!);
    expect(leader.status().committed).toBe(committed);
  });

  it('counts an own vote only for the ballot it was cast at', () => {
    const cluster = new LocalCluster(ids);
    const leaderId = elect(cluster);
    cluster.tick(20);
    const f1 = ids.find((id) => id !== leaderId)!;
    const leader = cluster.replica(leaderId);
    const before = leader.status().committed;
    leader.propose([post('ballot-bound')]);
    const ready = leader.ready();
    const own = ready.ownAccept!;
    const accept = ready.sendEarly.find((o) => o.to === f1)!.message;
    const follower = cluster.replica(f1);
    follower.step(accept);
    leader.step(follower.ready().send.find((o) => o.message.type === 'accepted')!.message);
    leader.ready();
    // The leader's vote from an older ballot would make a quorum with f1's: it must not count.
    leader.ownAcceptDurable({ ...own, ballot: { ...own.ballot, round: own.ballot.round - 1 } });
    leader.ready();
    expect(leader.status().committed).toBe(before);
    leader.ownAcceptDurable(own);
    leader.ready();
    expect(leader.status().committed).toBe(own.slots[0]);
  });

  it('writes a commit watermark with the next write, or alone once per heartbeat period', () => {
    const cluster = new LocalCluster(ids);
    const leaderId = elect(cluster);
    cluster.tick(20);
    const followerId = ids.find((id) => id !== leaderId)!;
    const follower = cluster.replica(followerId);
    const start = follower.status().committed;
    const reached = start + 1;
    // The follower learns a commit: it applies at once, and writes nothing for the watermark alone.
    cluster.replica(leaderId).propose([post('watermark')]);
    const disk = cluster.node(followerId).disk;
    cluster.deliver();
    expect(follower.status().committed).toBe(reached);
    expect(cluster.node(followerId).applied).toHaveLength(1);
    expect(disk.committed).toBe(start);
    // Within one heartbeat period the watermark goes to disk alone.
    cluster.tickUntil(() => disk.committed === reached, 10);
  });
});

describe('the outbox', () => {
  it('sends nothing early in a turn that changes the promise', () => {
    const outbox = new Outbox();
    const message = { type: 'commit', from: 1, ballot: { round: 2, node: 1 }, committed: 0 } as const;
    outbox.message(2, message, true);
    expect(outbox.take().sendEarly).toHaveLength(1);
    outbox.message(2, message, true);
    outbox.persistPromise({ round: 3, node: 1 });
    const ready = outbox.take();
    expect(ready.sendEarly).toHaveLength(0);
    expect(ready.send.map((o) => o.message)).toEqual([message]);
  });
});
