import type { ClusterStatus, ServerStatus } from '@quorum/protocol';

/**
 * The balancer's `GET /cluster`. Checked field by field (not with the strict schema) so that a
 * newer balancer with an extra field still shows.
 */
const isUint = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
const isIdOrNull = (value: unknown) => value === null || isUint(value);

function isServerStatus(value: unknown): value is ServerStatus {
  if (typeof value !== 'object' || value === null) return false;
  const s = value as Record<string, unknown>;
  const ballot = s.ballot as Record<string, unknown> | null | undefined;
  return (
    isUint(s.id) &&
    (s.url === null || typeof s.url === 'string') &&
    typeof s.healthy === 'boolean' &&
    isUint(s.load) &&
    typeof s.role === 'string' &&
    isIdOrNull(s.leaderId) &&
    typeof ballot === 'object' &&
    ballot !== null &&
    isUint(ballot.round) &&
    isUint(ballot.node) &&
    isUint(s.committed) &&
    isUint(s.applied) &&
    isUint(s.snapshot) &&
    Array.isArray(s.peersUp) &&
    s.peersUp.every(isUint) &&
    (s.lastSeenMs === null || isUint(s.lastSeenMs))
  );
}

export function isClusterStatus(value: unknown): value is ClusterStatus {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Record<string, unknown>;
  return (
    typeof c.ready === 'boolean' &&
    isUint(c.size) &&
    isIdOrNull(c.leaderId) &&
    Array.isArray(c.servers) &&
    c.servers.every(isServerStatus)
  );
}

export async function fetchClusterStatus(
  balancerUrl: string,
  signal: AbortSignal,
  fetchFn: typeof fetch = fetch,
): Promise<ClusterStatus> {
  const response = await fetchFn(`${balancerUrl}/cluster`, { signal, cache: 'no-store' });
  if (!response.ok) throw new Error(`balancer answered HTTP ${response.status}`);
  const body: unknown = await response.json();
  if (!isClusterStatus(body)) throw new Error('balancer sent an unexpected /cluster answer');
  return body;
}
