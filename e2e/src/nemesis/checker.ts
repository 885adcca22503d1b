import type { ClientRecord, FinalState, MessageRef, ReadRecord, Timeline } from './records.js';

/**
 * The history checker of nemesis runs. Pure: it judges what the load clients recorded and what
 * the replicas hold at the end, and returns counts, examples and availability figures.
 *
 * Anomalies (every count must be zero):
 * - `lost`: acknowledged, but the final history does not hold that (clientId, seq) at the
 *   acknowledged position.
 * - `duplicated`: one (clientId, seq) twice in the final history, or delivered twice to a client.
 * - `reordered`: a client received a room's positions out of order, or two clients received
 *   messages of a room in different relative orders.
 * - `divergent`: a message received or read at position p that is not the final history's
 *   message at p (or a read with a hole in it, or a final history with a hole in its positions).
 * - `phantom`: a message in the history, received or read, that no client ever attempted (or
 *   whose room, text or author differ from what was sent).
 * - `staleRead`: a history/resume answer whose head is below a position that was already
 *   acknowledged to (or delivered to) some client before the read started.
 * - `replicaDivergence`: a replica whose digest at the common slot, or whose full history,
 *   differs from the others' after the heal.
 * - `missedDelivery`: a position after a client's first join that it never received, although
 *   the room reached it (the client library promises gap-free delivery).
 * - `failedButCommitted`: a send the client was told failed, yet it is in the history.
 */

export const ANOMALY_KINDS = [
  'lost',
  'duplicated',
  'reordered',
  'divergent',
  'phantom',
  'staleRead',
  'replicaDivergence',
  'missedDelivery',
  'failedButCommitted',
] as const;
export type AnomalyKind = (typeof ANOMALY_KINDS)[number];

export interface CheckInput {
  readonly clients: readonly ClientRecord[];
  readonly final: FinalState;
  readonly timeline: Timeline;
}

export interface Availability {
  /** The longest stretch of the load window with no acknowledged send from any client. */
  readonly longestGapMs: number;
  /** Where it was, in ms since `loadStart`. */
  readonly longestGapFromMs: number;
  readonly longestGapToMs: number;
  /** Acknowledgements per second in each phase of the run. */
  readonly acksPerSecond: { readonly before: number; readonly during: number; readonly after: number };
  readonly acks: { readonly before: number; readonly during: number; readonly after: number };
  /** Attempt-to-ack latency of acknowledged sends (includes waiting in the outbox). */
  readonly ackLatencyMs: { readonly p50: number; readonly p99: number; readonly max: number };
}

export interface CheckTotals {
  readonly clients: number;
  readonly attempted: number;
  readonly acked: number;
  readonly failed: number;
  readonly pendingAtEnd: number;
  readonly inHistory: number;
  readonly received: number;
  readonly reads: number;
  readonly readsOk: number;
  readonly readsFailed: number;
  readonly historyResets: number;
  readonly replicas: number;
}

export interface CheckResult {
  readonly ok: boolean;
  readonly counts: Readonly<Record<AnomalyKind, number>>;
  /** Up to `EXAMPLES` human-readable cases per kind. */
  readonly examples: Readonly<Record<AnomalyKind, readonly string[]>>;
  readonly totals: CheckTotals;
  readonly availability: Availability;
}

export const EXAMPLES = 10;

/** `clientId#seq`: the identity of a message across retries, servers and clients. */
export function messageKey(clientId: string, seq: number): string {
  return `${clientId}#${seq}`;
}

class Findings {
  readonly counts = Object.fromEntries(ANOMALY_KINDS.map((k) => [k, 0])) as Record<AnomalyKind, number>;
  readonly examples = Object.fromEntries(ANOMALY_KINDS.map((k) => [k, [] as string[]])) as Record<
    AnomalyKind,
    string[]
  >;

  add(kind: AnomalyKind, detail: () => string, count = 1): void {
    this.counts[kind] += count;
    const list = this.examples[kind];
    if (list.length < EXAMPLES) list.push(detail());
  }
}

interface Sent {
  readonly client: number;
  readonly user: string;
  readonly room: string;
  readonly text: string;
}

function getOrSet<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}

function show(m: MessageRef): string {
  return `${messageKey(m.clientId, m.seq)} "${m.text}"`;
}

export function checkHistory(input: CheckInput): CheckResult {
  const { clients, final, timeline } = input;
  const f = new Findings();

  // ---- what was attempted --------------------------------------------------------------------
  const sent = new Map<string, Sent>();
  for (const c of clients) {
    for (const a of c.attempts) {
      sent.set(messageKey(c.clientId, a.seq), { client: c.index, user: c.user, room: a.room, text: a.text });
    }
  }
  const phantoms = new Set<string>();
  /** True when `m` (seen in `room`) is what was sent; records a phantom (once per message) if not. */
  const checkSent = (m: MessageRef, room: string, where: string): boolean => {
    const key = messageKey(m.clientId, m.seq);
    const s = sent.get(key);
    const why =
      s === undefined
        ? 'never attempted'
        : s.room !== room
          ? `sent to room ${s.room}`
          : s.text !== m.text
            ? `sent with text "${s.text}"`
            : s.user !== m.author
              ? `sent by ${s.user}, authored by ${m.author}`
              : null;
    if (why === null) return true;
    const id = `${key}@${room}:${m.text}:${m.author}`;
    if (!phantoms.has(id)) {
      phantoms.add(id);
      f.add('phantom', () => `${show(m)} at ${room}#${m.position} (${where}): ${why}`);
    }
    return false;
  };

  // ---- the final history -----------------------------------------------------------------------
  /** room -> position -> message */
  const history = new Map<string, Map<number, MessageRef>>();
  const heads = new Map<string, number>();
  const where = new Map<string, string>();
  let inHistory = 0;
  for (const [room, messages] of Object.entries(final.history)) {
    const byPosition = new Map<number, MessageRef>();
    history.set(room, byPosition);
    let expected = 1;
    for (const m of messages) {
      inHistory += 1;
      if (m.position !== expected) {
        const exp = expected;
        f.add(
          'divergent',
          () => `final history of ${room}: position ${m.position} where ${exp} was expected`,
        );
      }
      expected = m.position + 1;
      byPosition.set(m.position, m);
      heads.set(room, Math.max(heads.get(room) ?? 0, m.position));
      const key = messageKey(m.clientId, m.seq);
      const first = where.get(key);
      if (first !== undefined) {
        f.add('duplicated', () => `${show(m)} is in the final history at ${first} and ${room}#${m.position}`);
      } else {
        where.set(key, `${room}#${m.position}`);
      }
      checkSent(m, room, 'final history');
    }
  }
  const sameAsFinal = (room: string, m: MessageRef): MessageRef | null => {
    const expected = history.get(room)?.get(m.position);
    if (expected !== undefined && expected.clientId === m.clientId && expected.seq === m.seq) return null;
    return expected ?? { position: m.position, clientId: '(none)', seq: 0, author: '', text: '' };
  };

  // ---- acknowledged sends, failures ------------------------------------------------------------
  let acked = 0;
  let failed = 0;
  const ackTimes: number[] = [];
  const latencies: number[] = [];
  /** Per room: [time, position] of everything known committed (acks and deliveries). */
  const knownCommitted = new Map<string, [number, number][]>();
  const noteCommitted = (room: string, t: number, position: number) => {
    getOrSet(knownCommitted, room, () => []).push([t, position]);
  };
  for (const c of clients) {
    const attemptTimes = new Map(c.attempts.map((a) => [a.seq, a.t]));
    for (const ack of c.acks) {
      acked += 1;
      ackTimes.push(ack.t);
      const started = attemptTimes.get(ack.seq);
      if (started !== undefined) latencies.push(ack.t - started);
      noteCommitted(ack.room, ack.t, ack.position);
      const key = messageKey(c.clientId, ack.seq);
      const atPosition = history.get(ack.room)?.get(ack.position);
      if (atPosition === undefined || atPosition.clientId !== c.clientId || atPosition.seq !== ack.seq) {
        const found = where.get(key);
        f.add(
          'lost',
          () =>
            `client ${c.index} ${key} acked at ${ack.room}#${ack.position} (t=${ack.t - timeline.loadStart} ms) ` +
            (found === undefined
              ? 'is not in the final history'
              : `but the final history has it at ${found}`) +
            (atPosition === undefined ? '' : `; ${ack.room}#${ack.position} holds ${show(atPosition)}`),
        );
      }
    }
    for (const failure of c.failures) {
      failed += 1;
      const key = messageKey(c.clientId, failure.seq);
      const found = where.get(key);
      if (found !== undefined) {
        f.add(
          'failedButCommitted',
          () => `client ${c.index} ${key} failed (${failure.code}) but the final history has it at ${found}`,
        );
      }
    }
  }

  // ---- deliveries --------------------------------------------------------------------------------
  let received = 0;
  let historyResets = 0;
  /** room -> client index -> keys in delivery order (first delivery only) */
  const orders = new Map<string, Map<number, string[]>>();
  for (const c of clients) {
    historyResets += c.resets.length;
    const last = new Map<string, number>();
    const seen = new Map<string, Set<number>>();
    const keysSeen = new Set<string>();
    for (const r of c.received) {
      received += 1;
      noteCommitted(r.room, r.t, r.position);
      const key = messageKey(r.clientId, r.seq);
      const dupKey = `${r.room}\u0000${key}`;
      const positions = getOrSet(seen, r.room, () => new Set<number>());
      positions.add(r.position);
      if (keysSeen.has(dupKey)) {
        f.add('duplicated', () => `client ${c.index} received ${show(r)} (${r.room}#${r.position}) twice`);
        continue;
      }
      keysSeen.add(dupKey);
      const previous = last.get(r.room) ?? 0;
      if (r.position <= previous) {
        f.add(
          'reordered',
          () =>
            `client ${c.index} received ${r.room}#${r.position} after ${r.room}#${previous} (${r.source})`,
        );
      }
      last.set(r.room, Math.max(previous, r.position));
      if (checkSent(r, r.room, `received by client ${c.index}`)) {
        const expected = sameAsFinal(r.room, r);
        if (expected !== null) {
          f.add(
            'divergent',
            () =>
              `client ${c.index} received ${show(r)} at ${r.room}#${r.position}; ` +
              `the final history has ${show(expected)} there`,
          );
        }
      }
      getOrSet(
        getOrSet(orders, r.room, () => new Map<number, string[]>()),
        c.index,
        () => [],
      ).push(key);
    }
    // Gap-free delivery: everything after the first join's head up to the final head.
    for (const room of c.rooms) {
      const anchor = c.anchors[room];
      const head = heads.get(room) ?? 0;
      const got = seen.get(room) ?? new Set<number>();
      if (anchor === undefined) {
        if (head > 0) f.add('missedDelivery', () => `client ${c.index} never joined ${room}`, head);
        continue;
      }
      let missing = 0;
      let firstMissing = 0;
      for (let p = anchor + 1; p <= head; p++) {
        if (got.has(p)) continue;
        if (missing === 0) firstMissing = p;
        missing += 1;
      }
      if (missing > 0) {
        f.add(
          'missedDelivery',
          () =>
            `client ${c.index} never received ${missing} of ${room}#${anchor + 1}..${head} (first: #${firstMissing})`,
          missing,
        );
      }
    }
  }
  // Relative order between clients: the common messages of two clients in the same order.
  for (const [room, byClient] of orders) {
    const entries = [...byClient.entries()].sort((a, b) => a[0] - b[0]);
    for (let i = 0; i < entries.length; i++) {
      const [ca, keysA] = entries[i]!;
      const indexA = new Map(keysA.map((k, j) => [k, j]));
      for (let j = i + 1; j < entries.length; j++) {
        const [cb, keysB] = entries[j]!;
        let maxA = -1;
        let maxKey = '';
        for (const key of keysB) {
          const ia = indexA.get(key);
          if (ia === undefined) continue;
          if (ia < maxA) {
            const before = maxKey;
            f.add(
              'reordered',
              () => `${room}: client ${ca} received ${key} before ${before}, client ${cb} after it`,
            );
          } else {
            maxA = ia;
            maxKey = key;
          }
        }
      }
    }
  }

  // ---- reads -----------------------------------------------------------------------------------
  let reads = 0;
  let readsOk = 0;
  const committedIndex = new Map<string, { times: number[]; prefixMax: number[] }>();
  for (const [room, list] of knownCommitted) {
    list.sort((a, b) => a[0] - b[0]);
    const times: number[] = [];
    const prefixMax: number[] = [];
    let max = 0;
    for (const [t, position] of list) {
      max = Math.max(max, position);
      times.push(t);
      prefixMax.push(max);
    }
    committedIndex.set(room, { times, prefixMax });
  }
  /** The highest position known committed strictly before `t` in `room` (0 if none). */
  const committedBefore = (room: string, t: number): number => {
    const index = committedIndex.get(room);
    if (index === undefined) return 0;
    let lo = 0;
    let hi = index.times.length; // first index with time >= t
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((index.times[mid] as number) < t) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? 0 : (index.prefixMax[lo - 1] as number);
  };
  for (const c of clients) {
    for (const read of c.reads) {
      reads += 1;
      if (!read.ok) continue;
      readsOk += 1;
      checkRead(c.index, read);
    }
  }
  function checkRead(client: number, read: ReadRecord): void {
    const label = () =>
      `client ${client} ${read.kind} of ${read.room} via ${read.via}` +
      `${read.serverId === null ? '' : ` on server ${read.serverId}`} at t=${read.start - timeline.loadStart} ms`;
    const must = committedBefore(read.room, read.start);
    const head = read.head ?? 0;
    if (head < must) {
      f.add('staleRead', () => `${label()}: head ${head}, but #${must} was committed before it started`);
    }
    const finalHead = heads.get(read.room) ?? 0;
    if (head > finalHead) {
      f.add('divergent', () => `${label()}: head ${head} is beyond the final history's head ${finalHead}`);
    }
    let previous: number | null = null;
    for (const m of read.messages ?? []) {
      if (previous !== null && m.position !== previous + 1) {
        const p = previous;
        f.add('divergent', () => `${label()}: #${m.position} follows #${p} (a hole in the answer)`);
      }
      previous = m.position;
      if (!checkSent(m, read.room, label())) continue;
      const expected = sameAsFinal(read.room, m);
      if (expected !== null) {
        f.add(
          'divergent',
          () => `${label()}: ${show(m)} at #${m.position}; the final history has ${show(expected)}`,
        );
      }
    }
  }

  // ---- replicas ---------------------------------------------------------------------------------
  const digestVotes = new Map<string, number>();
  for (const r of final.replicas) {
    if (r.digest === null) continue;
    const id = `${r.digest.slot}/${r.digest.appliedCount}/${r.digest.hash}`;
    digestVotes.set(id, (digestVotes.get(id) ?? 0) + 1);
  }
  const majorityDigest = [...digestVotes.entries()].sort(
    (a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1),
  )[0]?.[0];
  for (const r of final.replicas) {
    const problems: string[] = [];
    if (r.digest === null) problems.push(`no digest${r.error ? ` (${r.error})` : ''}`);
    else {
      const id = `${r.digest.slot}/${r.digest.appliedCount}/${r.digest.hash}`;
      if (id !== majorityDigest) problems.push(`digest ${id} differs from ${majorityDigest}`);
    }
    if (r.history === null) problems.push(`history unreadable${r.error ? ` (${r.error})` : ''}`);
    else {
      const rooms = new Set([...Object.keys(r.history), ...Object.keys(final.history)]);
      for (const room of rooms) {
        const mine = r.history[room] ?? [];
        const reference = final.history[room] ?? [];
        if (mine.length !== reference.length) {
          problems.push(`${room} has ${mine.length} messages, the reference ${reference.length}`);
          continue;
        }
        const k = mine.findIndex((m, i) => {
          const o = reference[i];
          return o === undefined || o.position !== m.position || o.clientId !== m.clientId || o.seq !== m.seq;
        });
        if (k >= 0) problems.push(`${room} differs from the reference at index ${k}`);
      }
    }
    if (problems.length > 0) {
      f.add('replicaDivergence', () => `server ${r.serverId}: ${problems.join('; ')}`);
    }
  }

  // ---- availability ------------------------------------------------------------------------------
  const availability = measureAvailability(ackTimes, latencies, timeline);
  const counts = f.counts;
  return {
    ok: ANOMALY_KINDS.every((k) => counts[k] === 0),
    counts,
    examples: f.examples,
    totals: {
      clients: clients.length,
      attempted: sent.size,
      acked,
      failed,
      pendingAtEnd: clients.reduce((sum, c) => sum + c.pendingAtEnd, 0),
      inHistory,
      received,
      reads,
      readsOk,
      readsFailed: reads - readsOk,
      historyResets,
      replicas: final.replicas.length,
    },
    availability,
  };
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

export function measureAvailability(
  ackTimes: readonly number[],
  latencies: readonly number[],
  timeline: Timeline,
): Availability {
  const { loadStart, faultStart, healed, loadEnd } = timeline;
  const times = ackTimes.filter((t) => t >= loadStart && t <= loadEnd).sort((a, b) => a - b);
  let longest = 0;
  let from = loadStart;
  let to = loadEnd;
  let previous = loadStart;
  for (const t of [...times, loadEnd]) {
    if (t - previous > longest) {
      longest = t - previous;
      from = previous;
      to = t;
    }
    previous = t;
  }
  const count = (a: number, b: number) => times.filter((t) => t >= a && t < b).length;
  const rate = (n: number, a: number, b: number) =>
    b > a ? Math.round((n / ((b - a) / 1000)) * 10) / 10 : 0;
  const before = count(loadStart, faultStart);
  const during = count(faultStart, healed);
  const after = count(healed, loadEnd + 1);
  const sortedLatencies = [...latencies].sort((a, b) => a - b);
  return {
    longestGapMs: longest,
    longestGapFromMs: from - loadStart,
    longestGapToMs: to - loadStart,
    acksPerSecond: {
      before: rate(before, loadStart, faultStart),
      during: rate(during, faultStart, healed),
      after: rate(after, healed, loadEnd),
    },
    acks: { before, during, after },
    ackLatencyMs: {
      p50: percentile(sortedLatencies, 50),
      p99: percentile(sortedLatencies, 99),
      max: sortedLatencies[sortedLatencies.length - 1] ?? 0,
    },
  };
}
