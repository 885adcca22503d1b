/**
 * Where the page finds the cluster. The balancer serves the page, so by default it is the page's
 * own origin; `?balancer=http://host:port` overrides it (for the Vite dev server).
 */
export function balancerUrlFrom(location: { readonly origin: string; readonly search: string }): string {
  const override = new URLSearchParams(location.search).get('balancer');
  if (override !== null) {
    const parsed = parseHttpUrl(override);
    if (parsed !== null) return parsed.origin;
  }
  return location.origin;
}

function parseHttpUrl(text: string): URL | null {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : null;
  } catch {
    return null;
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
