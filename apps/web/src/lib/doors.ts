import type { WebSocketFactory } from '@quorum/client';

/**
 * The page's only ways out to the network (issue 12, finding 4). What the page sends carries
 * secrets — the saved session token and the password (chat WebSocket), the admin token (a
 * server's `/admin/faults`) — so it may reach two kinds of places and no others:
 *
 * - its own origin: the balancer that served the page (`/assign`, `/cluster`);
 * - the servers that balancer names in those answers.
 *
 * Everything the page does goes through these three functions (main.tsx hands them to the
 * client library and the cluster view), so a stray address — from a crafted link, a bug, a
 * future option — is refused here instead of trusted. The balancer's Content-Security-Policy
 * (connect-src) says the same to the browser, as a second lock.
 */

export type PageFetch = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

export interface Doors {
  /** The balancer's API: same origin only. Learns the servers named in `/assign` and `/cluster`. */
  readonly balancerFetch: PageFetch;
  /** A chat WebSocket: only to a server the balancer named (throws otherwise). */
  readonly openSocket: WebSocketFactory;
  /** A server's HTTP endpoint (fault injection, with the admin token): only a server the balancer named. */
  readonly serverFetch: PageFetch;
}

export function createDoors(origin: string, fetchFn: PageFetch, openSocket: WebSocketFactory): Doors {
  /** Servers the balancer named, as WebSocket origins (`ws://host:port`). */
  const servers = new Set<string>();
  const learn = (body: unknown) => {
    for (const url of namedServers(body)) {
      const server = socketOrigin(url);
      if (server !== null) servers.add(server);
    }
  };
  const isServer = (url: string) => {
    const server = socketOrigin(url);
    return server !== null && servers.has(server);
  };

  return {
    async balancerFetch(input, init) {
      const url = resolve(input, origin);
      if (url === null || url.origin !== origin) {
        throw new TypeError(
          `refused: ${url?.origin ?? String(input)} is not the balancer that served this page`,
        );
      }
      const response = await fetchFn(url.href, init);
      if (response.ok && /\/(assign|cluster)$/.test(url.pathname)) {
        try {
          learn(await response.clone().json());
        } catch {
          // Not JSON: the caller reports it; nothing to learn.
        }
      }
      return response;
    },
    openSocket(url) {
      if (!isServer(url)) throw new Error(`refused: ${url} is not a server of this page's balancer`);
      return openSocket(url);
    },
    async serverFetch(input, init) {
      const url = resolve(input, origin);
      if (url === null || !isServer(url.href)) {
        throw new TypeError(
          `refused: ${url?.origin ?? String(input)} is not a server of this page's balancer`,
        );
      }
      return fetchFn(url.href, init);
    },
  };
}

function resolve(input: RequestInfo | URL, base: string): URL | null {
  const href = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  try {
    return new URL(href, base);
  } catch {
    return null;
  }
}

/** Server URLs in an `/assign` (`url`, `servers[].url`) or `/cluster` (`servers[].url`) answer. */
function namedServers(body: unknown): string[] {
  if (typeof body !== 'object' || body === null) return [];
  const { url, servers } = body as { url?: unknown; servers?: unknown };
  const urls = typeof url === 'string' ? [url] : [];
  if (Array.isArray(servers)) {
    for (const server of servers as unknown[]) {
      const named = typeof server === 'object' && server !== null ? (server as { url?: unknown }).url : null;
      if (typeof named === 'string') urls.push(named);
    }
  }
  return urls;
}

/** `ws://host:port` for a server's ws/http URL, `wss://host:port` for wss/https; null otherwise. */
export function socketOrigin(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  const scheme =
    parsed.protocol === 'ws:' || parsed.protocol === 'http:'
      ? 'ws:'
      : parsed.protocol === 'wss:' || parsed.protocol === 'https:'
        ? 'wss:'
        : null;
  return scheme === null ? null : `${scheme}//${parsed.host}`;
}
