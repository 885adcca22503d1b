/**
 * Which web pages may open a client WebSocket. A browser sends `Origin` with every WebSocket
 * upgrade, and any site a user visits can try to open one (cross-site WebSocket hijacking), so
 * the client endpoint admits only listed origins: by default the origin of each configured
 * balancer, which serves the web page, plus any configured with `--allowed-origins`. A request
 * without `Origin` is not from a browser page and is admitted (the TUI, scripts, other servers).
 */

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

/** The origin of a URL as a browser writes it in `Origin` (scheme://host[:port], no path). */
function originOf(raw: string, what: string): string {
  let url: URL;
  try {
    url = new URL(raw.replace(/^ws(s?):/i, 'http$1:'));
  } catch {
    throw new Error(`${what} "${raw}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`${what} "${raw}" must be an http:// or https:// URL`);
  }
  return url.origin;
}

/**
 * The allow-list: every balancer's origin, and for a balancer on a loopback address the same
 * port under the other loopback names too (a page opened as http://localhost:7100/ sends that,
 * not 127.0.0.1), then the configured origins.
 */
export function allowedOrigins(balancers: readonly string[], configured: readonly string[]): string[] {
  const origins = new Set<string>();
  for (const balancer of balancers) {
    const origin = originOf(balancer, '--balancer');
    origins.add(origin);
    const url = new URL(origin);
    if (LOOPBACK_NAMES.includes(url.hostname)) {
      for (const name of LOOPBACK_NAMES)
        origins.add(originOf(`${url.protocol}//${name}:${url.port}`, '--balancer'));
    }
  }
  for (const origin of configured) origins.add(originOf(origin, '--allowed-origins entry'));
  return [...origins];
}
