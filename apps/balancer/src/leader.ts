import type { Ballot, Role } from '@quorum/protocol';

/** What one healthy server last said about leadership. */
export interface LeaderReport {
  readonly id: number;
  readonly role: Role;
  readonly leaderId: number | null;
  readonly ballot: Ballot;
}

export function compareBallots(a: Ballot, b: Ballot): number {
  return a.round !== b.round ? a.round - b.round : a.node - b.node;
}

/**
 * The cluster's leader as the balancer sees it: the leader most healthy servers report (a
 * strict plurality); if nobody reports one, or the reports tie, the server that calls itself
 * leader with the highest ballot; otherwise none.
 */
export function pickLeader(reports: readonly LeaderReport[]): number | null {
  const votes = new Map<number, number>();
  for (const report of reports) {
    if (report.leaderId !== null) votes.set(report.leaderId, (votes.get(report.leaderId) ?? 0) + 1);
  }
  let best: number | null = null;
  let bestVotes = 0;
  let tied = false;
  for (const [id, count] of votes) {
    if (count > bestVotes) {
      best = id;
      bestVotes = count;
      tied = false;
    } else if (count === bestVotes) {
      tied = true;
    }
  }
  if (best !== null && !tied) return best;

  let claimant: LeaderReport | null = null;
  for (const report of reports) {
    if (report.role !== 'leader') continue;
    if (claimant === null || compareBallots(report.ballot, claimant.ballot) > 0) claimant = report;
  }
  return claimant?.id ?? null;
}
