import type { ClusterStatus, RecoveryStatus, ReplicaStatus, ServerToClientOf } from '@quorum/protocol';

/**
 * The live cluster view, from two sources:
 * - the balancer's `GET /cluster` (polled): every configured server, healthy or not, even before
 *   login and while the servers we could talk to are down;
 * - `cluster` events on the chat connection (`clusterInfo(true)`): each replica's Paxos state as
 *   the server we are connected to sees it, pushed as it changes.
 * Per replica the fresher report wins (the commit watermark and the ballot only grow). Pure.
 */
export type ClusterFrame = ServerToClientOf<'cluster'>;

export interface LeaderChange {
  readonly at: number;
  readonly from: number | null;
  readonly to: number | null;
  readonly ballot: string | null;
}

export interface ClusterModel {
  readonly balancer: ClusterStatus | null;
  readonly balancerAt: number | null;
  readonly balancerError: string | null;
  readonly watch: ClusterFrame | null;
  readonly watchAt: number | null;
  readonly leaderId: number | null;
  readonly leaderSince: number | null;
  readonly log: readonly LeaderChange[];
}

export type ClusterAction =
  | { type: 'balancer'; status: ClusterStatus; now: number }
  | { type: 'balancer_error'; error: string; now: number }
  | { type: 'watch'; frame: ClusterFrame; now: number }
  | { type: 'watch_lost' };

export type Health = 'up' | 'down' | 'unknown';

export interface ReplicaRow {
  readonly id: number;
  readonly role: ReplicaStatus['role'] | 'unknown';
  readonly health: Health;
  readonly isLeader: boolean;
  readonly ballot: { readonly round: number; readonly node: number };
  readonly committed: number;
  readonly applied: number;
  readonly snapshot: number;
  /** The leader's commit watermark minus this replica's (null when there is no reference). */
  readonly lag: number | null;
  readonly clients: number | null;
  readonly peersUp: readonly number[];
  readonly url: string | null;
  readonly lastSeenMs: number | null;
  /** The leader this replica believes in. */
  readonly knownLeader: number | null;
  /** While its role is `recovering` (a server that lost its disk): how far recovery got. */
  readonly recovery: RecoveryStatus | null;
}

export const BALANCER_STALE_MS = 2500;
const MAX_LOG = 30;

export const initialClusterModel: ClusterModel = {
  balancer: null,
  balancerAt: null,
  balancerError: null,
  watch: null,
  watchAt: null,
  leaderId: null,
  leaderSince: null,
  log: [],
};

export function clusterReducer(model: ClusterModel, action: ClusterAction): ClusterModel {
  let next: ClusterModel;
  switch (action.type) {
    case 'balancer':
      next = { ...model, balancer: action.status, balancerAt: action.now, balancerError: null };
      break;
    case 'balancer_error':
      next = { ...model, balancerError: action.error };
      break;
    case 'watch':
      next = { ...model, watch: action.frame, watchAt: action.now };
      break;
    case 'watch_lost':
      if (model.watch === null) return model;
      next = { ...model, watch: null, watchAt: null };
      break;
  }
  const now = 'now' in action ? action.now : (model.balancerAt ?? 0);
  const rows = replicaRows(next, now);
  const leader = rows.find((r) => r.isLeader) ?? null;
  const leaderId = leader?.id ?? null;
  if (leaderId === next.leaderId) return next;
  // Before any data, "no leader" is not news.
  if (next.leaderId === null && leaderId === null) return next;
  const change: LeaderChange = {
    at: now,
    from: next.leaderId,
    to: leaderId,
    ballot: leader ? `${leader.ballot.round}.${leader.ballot.node}` : null,
  };
  // The first leader this page learns of is not a change worth highlighting; later ones are.
  const leaderSince = next.log.length === 0 ? null : now;
  return { ...next, leaderId, leaderSince, log: [change, ...next.log].slice(0, MAX_LOG) };
}

interface Report {
  role: ReplicaRow['role'];
  ballot: { round: number; node: number };
  committed: number;
  applied: number;
  snapshot: number;
  peersUp: readonly number[];
  leaderId: number | null;
  recovery?: RecoveryStatus;
}

function fresher(a: Report, b: Report): Report {
  const key = (r: Report) => [r.committed, r.ballot.round, r.ballot.node, r.applied] as const;
  const ka = key(a);
  const kb = key(b);
  for (let i = 0; i < ka.length; i++) {
    if (ka[i]! > kb[i]!) return a;
    if (ka[i]! < kb[i]!) return b;
  }
  return b;
}

export function balancerFresh(model: ClusterModel, now: number): boolean {
  return model.balancer !== null && model.balancerAt !== null && now - model.balancerAt <= BALANCER_STALE_MS;
}

export function replicaRows(model: ClusterModel, now: number): ReplicaRow[] {
  const fromBalancer = new Map((model.balancer?.servers ?? []).map((s) => [s.id, s]));
  const fromWatch = new Map((model.watch?.replicas ?? []).map((r) => [r.id, r]));
  const ids = [...new Set([...fromBalancer.keys(), ...fromWatch.keys()])].sort((a, b) => a - b);
  const trustBalancer = balancerFresh(model, now);
  const connected = model.watch?.serverId ?? null;
  const connectedPeers = new Set(fromWatch.get(connected ?? -1)?.peersUp ?? []);

  const merged = ids.map((id) => {
    const b = fromBalancer.get(id);
    const w = fromWatch.get(id);
    const reports: Report[] = [];
    if (b && b.lastSeenMs !== null) reports.push({ ...b });
    if (w) reports.push({ ...w });
    const report = reports.reduce<Report | null>((best, r) => (best === null ? r : fresher(best, r)), null);
    let health: Health = 'unknown';
    if (trustBalancer && b) health = b.healthy ? 'up' : 'down';
    else if (connected !== null) health = id === connected || connectedPeers.has(id) ? 'up' : 'unknown';
    return {
      id,
      report,
      health,
      clients: w?.clients ?? (b && b.lastSeenMs !== null ? b.load : null),
      url: b?.url ?? null,
      lastSeenMs: b?.lastSeenMs ?? null,
    };
  });

  // The leader: a live replica that calls itself leader, the highest ballot winning (a deposed,
  // cut-off leader may still believe it leads under an older ballot).
  let leaderId: number | null = null;
  let best: { round: number; node: number } | null = null;
  for (const m of merged) {
    if (m.report?.role !== 'leader' || m.health === 'down') continue;
    const ballot = m.report.ballot;
    if (
      best === null ||
      ballot.round > best.round ||
      (ballot.round === best.round && ballot.node > best.node)
    ) {
      best = ballot;
      leaderId = m.id;
    }
  }
  if (leaderId === null) {
    const named = trustBalancer ? (model.balancer?.leaderId ?? null) : (model.watch?.leaderId ?? null);
    if (named !== null && merged.some((m) => m.id === named && m.health !== 'down')) leaderId = named;
  }
  const leaderCommitted = merged.find((m) => m.id === leaderId)?.report?.committed ?? null;
  const reference =
    leaderCommitted ??
    (merged.some((m) => m.report) ? Math.max(...merged.map((m) => m.report?.committed ?? 0)) : null);

  return merged.map((m) => ({
    id: m.id,
    role: m.report?.role ?? 'unknown',
    health: m.health,
    isLeader: m.id === leaderId,
    ballot: m.report?.ballot ?? { round: 0, node: 0 },
    committed: m.report?.committed ?? 0,
    applied: m.report?.applied ?? 0,
    snapshot: m.report?.snapshot ?? 0,
    lag: reference === null || m.report === null ? null : Math.max(0, reference - m.report.committed),
    clients: m.clients,
    peersUp: m.report?.peersUp ?? [],
    url: m.url,
    lastSeenMs: m.lastSeenMs,
    knownLeader: m.report?.leaderId ?? null,
    recovery: m.report?.role === 'recovering' ? (m.report.recovery ?? null) : null,
  }));
}

/** How bad a lag is, for colour: none, a little (catching up), a lot. */
export function lagLevel(lag: number | null): 'none' | 'small' | 'large' {
  if (lag === null || lag === 0) return 'none';
  return lag < 10 ? 'small' : 'large';
}
