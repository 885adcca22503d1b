import { describe, expect, it } from 'vitest';
import {
  ANOMALY_KINDS,
  type AnomalyKind,
  checkHistory,
  measureAvailability,
} from '../src/nemesis/checker.js';
import type {
  ClientRecord,
  FinalState,
  MessageRef,
  ReadRecord,
  Received,
  ReplicaFinal,
  Timeline,
} from '../src/nemesis/records.js';

/**
 * A small, consistent run: clients 1 (ca/ua) and 2 (cb/ub) in room r. Client 1 sends #1 and #2,
 * client 2 sends #1; the final history is r#1 = ca#1, r#2 = cb#1, r#3 = ca#2; both clients
 * receive all three in order; one read after everything sees them; three replicas agree.
 */
interface Mutable {
  clients: {
    index: number;
    clientId: string;
    user: string;
    rooms: string[];
    anchors: Record<string, number>;
    attempts: { seq: number; room: string; text: string; t: number }[];
    acks: { seq: number; room: string; position: number; t: number }[];
    failures: { seq: number; room: string; code: string; t: number }[];
    received: Received[];
    reads: ReadRecord[];
    resets: ClientRecord['resets'][number][];
    pendingAtEnd: number;
    errors: Record<string, number>;
    connections: number;
    sessions: { t: number; serverId: number | null }[];
  }[];
  history: MessageRef[];
  replicas: {
    serverId: number;
    digest: { slot: number; appliedCount: number; hash: string } | null;
    history: Record<string, MessageRef[]> | null;
  }[];
  timeline: Timeline;
}

const msg = (position: number, clientId: string, seq: number): MessageRef => ({
  position,
  clientId,
  seq,
  author: clientId === 'ca' ? 'ua' : 'ub',
  text: `nemesis ${clientId} #${seq}`,
});

function received(m: MessageRef, t: number): Received {
  return { ...m, room: 'r', t, source: 'live' };
}

function scenario(): Mutable {
  const history = [msg(1, 'ca', 1), msg(2, 'cb', 1), msg(3, 'ca', 2)];
  const deliveries = (offset: number) => history.map((m, i) => received(m, 1_100 + i * 100 + offset));
  const client = (index: number, clientId: string, user: string): Mutable['clients'][number] => ({
    index,
    clientId,
    user,
    rooms: ['r'],
    anchors: { r: 0 },
    attempts: [],
    acks: [],
    failures: [],
    received: deliveries(index),
    reads: [],
    resets: [],
    pendingAtEnd: 0,
    errors: {},
    connections: 1,
    sessions: [{ t: 1_000, serverId: index }],
  });
  const a = client(1, 'ca', 'ua');
  const b = client(2, 'cb', 'ub');
  a.attempts.push(
    { seq: 1, room: 'r', text: 'nemesis ca #1', t: 1_000 },
    { seq: 2, room: 'r', text: 'nemesis ca #2', t: 1_200 },
  );
  a.acks.push({ seq: 1, room: 'r', position: 1, t: 1_050 }, { seq: 2, room: 'r', position: 3, t: 1_250 });
  b.attempts.push({ seq: 1, room: 'r', text: 'nemesis cb #1', t: 1_100 });
  b.acks.push({ seq: 1, room: 'r', position: 2, t: 1_150 });
  a.reads.push({
    kind: 'resume',
    via: 'direct',
    serverId: 2,
    room: 'r',
    start: 2_000,
    end: 2_010,
    ok: true,
    head: 3,
    messages: history.slice(1),
  });
  b.reads.push({
    kind: 'history',
    via: 'client',
    serverId: 1,
    room: 'r',
    start: 2_100,
    end: 5_000,
    ok: false,
    error: 'unavailable',
  });
  const replica = (serverId: number) => ({
    serverId,
    digest: { slot: 42, appliedCount: 40, hash: 'abc' },
    history: { r: history.map((m) => ({ ...m })) },
  });
  return {
    clients: [a, b],
    history,
    replicas: [replica(1), replica(2), replica(3)],
    timeline: { loadStart: 900, faultStart: 1_100, healed: 1_200, loadEnd: 1_300 },
  };
}

function check(s: Mutable) {
  const final: FinalState = {
    referenceServer: 1,
    history: { r: s.history },
    replicas: s.replicas as ReplicaFinal[],
  };
  return checkHistory({ clients: s.clients as ClientRecord[], final, timeline: s.timeline });
}

/** Every count zero except the given ones. */
function expectCounts(
  result: ReturnType<typeof check>,
  expected: Partial<Record<AnomalyKind, number>>,
): void {
  const want = Object.fromEntries(ANOMALY_KINDS.map((k) => [k, expected[k] ?? 0]));
  expect(result.counts).toEqual(want);
  expect(result.ok).toBe(false);
  for (const kind of Object.keys(expected) as AnomalyKind[])
    expect(result.examples[kind].length).toBeGreaterThan(0);
}

const client = (s: Mutable, i: number) => s.clients[i] as Mutable['clients'][number];

describe('the nemesis history checker', () => {
  it('passes a clean history', () => {
    const result = check(scenario());
    expect(result.ok).toBe(true);
    expect(Object.values(result.counts).every((n) => n === 0)).toBe(true);
    expect(result.totals).toMatchObject({
      clients: 2,
      attempted: 3,
      acked: 3,
      failed: 0,
      inHistory: 3,
      received: 6,
      reads: 2,
      readsOk: 1,
      readsFailed: 1,
      replicas: 3,
    });
  });

  it('reports an acknowledged message missing from the final history as lost', () => {
    const s = scenario();
    // ca#3 acknowledged at r#4 (after every read), but the cluster's history ends at r#3.
    client(s, 0).attempts.push({ seq: 3, room: 'r', text: 'nemesis ca #3', t: 2_500 });
    client(s, 0).acks.push({ seq: 3, room: 'r', position: 4, t: 2_600 });
    const result = check(s);
    expectCounts(result, { lost: 1 });
    expect(result.examples.lost[0]).toContain('ca#3');
  });

  it('reports an acknowledged message found at another position as lost', () => {
    const s = scenario();
    const ack = client(s, 1).acks[0];
    if (ack) client(s, 1).acks[0] = { ...ack, position: 1 };
    expectCounts(check(s), { lost: 1 });
  });

  it('reports a message delivered twice to a client as duplicated', () => {
    const s = scenario();
    const again = client(s, 1).received[1] as Received;
    client(s, 1).received.push({ ...again, t: 1_900 });
    expectCounts(check(s), { duplicated: 1 });
  });

  it('reports one (clientId, seq) twice in the final history as duplicated', () => {
    const s = scenario();
    const dup = { ...msg(4, 'ca', 1) };
    s.history.push(dup);
    for (const r of s.replicas) r.history?.r?.push(dup);
    for (const c of s.clients) c.received.push(received(dup, 2_500 + c.index));
    const result = check(s);
    // Once in the history; and each client then received ca#1 a second time (at r#4).
    expectCounts(result, { duplicated: 3 });
    expect(result.examples.duplicated[0]).toContain('final history');
  });

  it('reports out-of-order deliveries and clients that disagree on the order as reordered', () => {
    const s = scenario();
    const b = client(s, 1);
    const [first, second, third] = b.received as [Received, Received, Received];
    b.received = [first, third, second];
    // B received r#2 after r#3 (not increasing), and B's order of ca#2/cb#1 differs from A's.
    expectCounts(check(s), { reordered: 2 });
  });

  it('reports a message never attempted as phantom', () => {
    const s = scenario();
    const ghost: MessageRef = { position: 4, clientId: 'cx', seq: 9, author: 'ux', text: 'nemesis cx #9' };
    s.history.push(ghost);
    for (const r of s.replicas) r.history?.r?.push(ghost);
    for (const c of s.clients) c.received.push(received(ghost, 2_500 + c.index));
    const result = check(s);
    expectCounts(result, { phantom: 1 });
    expect(result.examples.phantom[0]).toContain('never attempted');
  });

  it('reports a message whose text differs from what was sent as phantom', () => {
    const s = scenario();
    const altered = { ...msg(2, 'cb', 1), text: 'nemesis cb #1 (edited)' };
    s.history[1] = altered;
    for (const r of s.replicas) if (r.history?.r) r.history.r[1] = altered;
    for (const c of s.clients) c.received[1] = received(altered, 1_200 + c.index);
    // Counted once, although the history and both clients have it.
    expectCounts(check(s), { phantom: 1 });
  });

  it('reports a read that misses an acknowledged message as stale', () => {
    const s = scenario();
    // Started after r#3 was acknowledged (t=1250), answered with head 2.
    client(s, 1).reads.push({
      kind: 'resume',
      via: 'direct',
      serverId: 3,
      room: 'r',
      start: 1_400,
      end: 1_420,
      ok: true,
      head: 2,
      messages: s.history.slice(0, 2),
    });
    const result = check(s);
    expectCounts(result, { staleRead: 1 });
    expect(result.examples.staleRead[0]).toContain('server 3');
  });

  it('does not call a read stale when it started before the acknowledgement', () => {
    const s = scenario();
    client(s, 1).reads.push({
      kind: 'history',
      via: 'client',
      serverId: 3,
      room: 'r',
      start: 1_160, // after r#2's ack (1150), before r#3's (1250) and its first delivery (1301)
      end: 1_420,
      ok: true,
      head: 2,
      messages: s.history.slice(0, 2),
    });
    expect(check(s).ok).toBe(true);
  });

  it('reports a replica whose digest differs after the heal', () => {
    const s = scenario();
    const third = s.replicas[2];
    if (third?.digest) third.digest = { ...third.digest, hash: 'abd' };
    const result = check(s);
    expectCounts(result, { replicaDivergence: 1 });
    expect(result.examples.replicaDivergence[0]).toContain('server 3');
  });

  it('reports a replica whose history differs, or that cannot be read', () => {
    const s = scenario();
    const second = s.replicas[1];
    if (second?.history?.r) second.history.r = second.history.r.slice(0, 2);
    const third = s.replicas[2];
    if (third) {
      third.digest = null;
      third.history = null;
    }
    expectCounts(check(s), { replicaDivergence: 2 });
  });

  it('reports a read or delivery that disagrees with the final history as divergent', () => {
    const s = scenario();
    const read = client(s, 0).reads[0];
    if (read) client(s, 0).reads[0] = { ...read, messages: [msg(2, 'ca', 2), msg(3, 'ca', 2)] };
    expectCounts(check(s), { divergent: 1 });
  });

  it('reports a position a client never received as a missed delivery', () => {
    const s = scenario();
    client(s, 1).received.splice(1, 1);
    expectCounts(check(s), { missedDelivery: 1 });
  });

  it('reports a send refused to its client but committed anyway', () => {
    const s = scenario();
    const committed = msg(4, 'cb', 2);
    client(s, 1).attempts.push({ seq: 2, room: 'r', text: committed.text, t: 1_260 });
    client(s, 1).failures.push({ seq: 2, room: 'r', code: 'invalid_message', t: 1_270 });
    s.history.push(committed);
    for (const r of s.replicas) r.history?.r?.push(committed);
    for (const c of s.clients) c.received.push(received(committed, 2_500 + c.index));
    expectCounts(check(s), { failedButCommitted: 1 });
  });
});

describe('availability figures', () => {
  it('finds the longest window without an ack and the rates per phase', () => {
    const timeline = { loadStart: 0, faultStart: 10_000, healed: 20_000, loadEnd: 30_000 };
    const acks = [1_000, 2_000, 9_000, 12_000, 19_500, 25_000, 29_000];
    const a = measureAvailability(acks, [10, 20, 30, 40], timeline);
    expect(a.longestGapMs).toBe(7_500);
    expect(a.longestGapFromMs).toBe(12_000);
    expect(a.longestGapToMs).toBe(19_500);
    expect(a.acks).toEqual({ before: 3, during: 2, after: 2 });
    expect(a.acksPerSecond).toEqual({ before: 0.3, during: 0.2, after: 0.2 });
    expect(a.ackLatencyMs).toEqual({ p50: 20, p99: 40, max: 40 });
  });

  it('counts a load with no ack at all as one long outage', () => {
    const a = measureAvailability([], [], { loadStart: 0, faultStart: 1, healed: 2, loadEnd: 5_000 });
    expect(a.longestGapMs).toBe(5_000);
  });
});
