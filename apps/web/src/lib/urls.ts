/**
 * Where the page finds the cluster: the balancer that served it, i.e. the page's own origin.
 * A `?balancer=` in the address is ignored unless it names that same origin: obeying a link
 * that names another host would send it the saved session token, the password and the admin
 * token (issue 12, finding 4). For the Vite dev server, point its proxy at a balancer instead
 * (`QUORUM_BALANCER`, see vite.config.ts): the page still talks to its own origin.
 */
export function balancerUrlFrom(location: { readonly origin: string; readonly search: string }): string {
  return location.origin;
}

/** The `?balancer=` of the address when it names another origin (and is ignored), else null. */
export function ignoredBalancer(location: {
  readonly origin: string;
  readonly search: string;
}): string | null {
  const named = new URLSearchParams(location.search).get('balancer');
  if (named === null) return null;
  try {
    return new URL(named).origin === location.origin ? null : named;
  } catch {
    return named;
  }
}

/**
 * A server's HTTP base URL (for `/admin/faults`) from its WebSocket URL: `ws://h:p/ws` becomes
 * `http://h:p`, `wss://` becomes `https://`. Null for anything else.
 */
export function serverHttpBase(wsUrl: string | null | undefined): string | null {
  if (wsUrl === null || wsUrl === undefined) return null;
  let url: URL;
  try {
    url = new URL(wsUrl);
  } catch {
    return null;
  }
  const protocol =
    url.protocol === 'ws:' || url.protocol === 'http:'
      ? 'http:'
      : url.protocol === 'wss:' || url.protocol === 'https:'
        ? 'https:'
        : null;
  if (protocol === null) return null;
  const path = url.pathname.replace(/\/ws\/?$/, '').replace(/\/+$/, '');
  return `${protocol}//${url.host}${path}`;
}
