import type { FastifyHelmetOptions } from '@fastify/helmet';

/**
 * The security headers of the web page (issue 12, finding 10), set with @fastify/helmet.
 *
 * The page is a static bundle: its own script and stylesheet, a data: favicon, no inline code.
 * It talks to this balancer (same origin) and to the chat servers this balancer hands out, over
 * WebSockets (`ws://host:port/ws`) and, for fault injection, plain HTTP to the same host:port.
 * So the Content-Security-Policy allows exactly that:
 *
 * - `script-src 'self'`, `style-src 'self'` (React sets the one dynamic style through the CSSOM,
 *   which CSP does not govern), `img-src 'self' data:`, `object-src 'none'`;
 * - `connect-src 'self'` plus every server that has registered with this balancer, computed for
 *   each response: a server's ws(s) origin and its http(s) origin. A server that registers
 *   after a page was loaded is reachable by that page after a reload; meanwhile the page uses
 *   the others (the client library moves on from a server it cannot open).
 * - `frame-ancestors 'none'` and `X-Frame-Options: DENY`: nothing embeds the page (the fault
 *   buttons are worth clickjacking).
 *
 * Strict-Transport-Security is left to whatever terminates TLS in front of the balancer, which
 * itself speaks plain HTTP (the header is ignored over HTTP, and a wrong one is hard to take back).
 */

/** CSP sources for the servers at `urls`: `ws://h:p http://h:p` (or `wss://h:p https://h:p`). */
export function serverSources(urls: readonly string[]): string[] {
  const sources = new Set<string>();
  for (const text of urls) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      continue;
    }
    // A registered URL is authenticated, but a header value is no place to be trusting.
    if (!/^[A-Za-z0-9.:[\]-]+$/.test(url.host)) continue;
    if (url.protocol === 'ws:' || url.protocol === 'http:') {
      sources.add(`ws://${url.host}`).add(`http://${url.host}`);
    } else if (url.protocol === 'wss:' || url.protocol === 'https:') {
      sources.add(`wss://${url.host}`).add(`https://${url.host}`);
    }
  }
  return [...sources];
}

/** Helmet's options for the page; `serverUrls` is read for every response. */
export function pageHeaderOptions(serverUrls: () => readonly string[]): FastifyHelmetOptions {
  return {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        scriptSrcAttr: ["'none'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: [() => ["'self'", ...serverSources(serverUrls())].join(' ')],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    xFrameOptions: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: false,
  };
}
