import { MAX_REPLICAS } from '@quorum/protocol';
import type { Timers } from './timers.js';

/**
 * The balancer side of the connect flow: `GET /assign?exclude=1,3` (see the protocol's
 * `AssignResponse` and `AssignUnavailable`).
 */

export interface KnownServerInfo {
  readonly id: number;
  readonly url: string;
}

export interface Assignment {
  readonly serverId: number;
  readonly url: string;
  readonly servers: readonly KnownServerInfo[];
}

export type AssignOutcome =
  | { readonly ok: true; readonly assignment: Assignment }
  | { readonly ok: false; readonly reason: string; readonly status: number | null };

export type FetchLike = (
  url: string,
  init: { signal: AbortSignal; headers: Record<string, string> },
) => Promise<{ readonly ok: boolean; readonly status: number; json(): Promise<unknown> }>;

const URL_PATTERN = /^(ws|wss|http|https):\/\//;

function isReplicaId(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535;
}

function isServerUrl(value: unknown): value is string {
  return typeof value === 'string' && value.length >= 1 && value.length <= 512 && URL_PATTERN.test(value);
}

/**
 * Checks a `/assign` body against the `AssignResponse` schema (by hand: the client takes no
 * dependency beyond `@quorum/protocol`). Returns null when it does not match.
 */
export function parseAssignResponse(body: unknown): Assignment | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  const b = body as { serverId?: unknown; url?: unknown; servers?: unknown };
  if (!isReplicaId(b.serverId) || !isServerUrl(b.url)) return null;
  if (!Array.isArray(b.servers) || b.servers.length > MAX_REPLICAS) return null;
  const servers: KnownServerInfo[] = [];
  for (const s of b.servers as unknown[]) {
    if (typeof s !== 'object' || s === null) return null;
    const { id, url } = s as { id?: unknown; url?: unknown };
    if (!isReplicaId(id) || !isServerUrl(url)) return null;
    servers.push({ id, url });
  }
  return { serverId: b.serverId, url: b.url, servers };
}

/** `<balancer>/assign?exclude=1,3`, keeping any path prefix of the balancer URL. */
export function assignUrl(balancer: string, exclude: readonly number[]): string {
  const base = new URL(balancer.endsWith('/') ? balancer : `${balancer}/`);
  const url = new URL('assign', base);
  const ids = [...new Set(exclude.filter(isReplicaId))].sort((a, b) => a - b);
  if (ids.length > 0) url.searchParams.set('exclude', ids.join(','));
  return url.toString();
}

/** Ask one balancer for a server. Never throws. */
export async function requestAssignment(
  balancer: string,
  exclude: readonly number[],
  fetchFn: FetchLike,
  timers: Timers,
  timeoutMs: number,
): Promise<AssignOutcome> {
  let url: string;
  try {
    url = assignUrl(balancer, exclude);
  } catch {
    return { ok: false, reason: `invalid balancer URL ${balancer}`, status: null };
  }
  const controller = new AbortController();
  const timer = timers.setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await fetchFn(url, {
      signal: controller.signal,
      headers: { accept: 'application/json' },
    });
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      body = undefined;
    }
    if (!response.ok) {
      const message =
        typeof body === 'object' &&
        body !== null &&
        typeof (body as { message?: unknown }).message === 'string'
          ? (body as { message: string }).message.slice(0, 200)
          : `HTTP ${response.status}`;
      return { ok: false, reason: `${balancer}: ${message}`, status: response.status };
    }
    const assignment = parseAssignResponse(body);
    if (assignment === null)
      return { ok: false, reason: `${balancer}: invalid assign response`, status: response.status };
    return { ok: true, assignment };
  } catch (error) {
    const reason = controller.signal.aborted
      ? 'timed out'
      : error instanceof Error
        ? error.message
        : String(error);
    return { ok: false, reason: `${balancer}: ${reason}`, status: null };
  } finally {
    timers.clearTimeout(timer);
  }
}
