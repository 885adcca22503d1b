import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { createBalancer } from '../src/app.js';
import { registrationMac } from '../src/auth.js';
import { serverSources } from '../src/page-headers.js';
import { waitFor } from './helpers/wait.js';

/** The web page's security headers and what it refuses to serve (issue 12, finding 10). */

const SECRET = 'page-headers-secret';
let app: FastifyInstance | undefined;
const dirs: string[] = [];
const sockets: WebSocket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.terminate();
  await app?.close();
  app = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A built page with a bundle and the source map a debug build would leave next to it. */
function builtPage(): string {
  const dir = mkdtempSync(join(tmpdir(), 'quorum-web-'));
  dirs.push(dir);
  writeFileSync(
    join(dir, 'index.html'),
    '<!doctype html><title>Quorum</title><script type="module" src="./app.js"></script>',
  );
  writeFileSync(join(dir, 'app.js'), 'console.log(1)\n//# sourceMappingURL=app.js.map');
  writeFileSync(join(dir, 'app.js.map'), '{"version":3,"sources":["secret-source.ts"]}');
  return dir;
}

async function register(a: FastifyInstance, id: number, url: string): Promise<void> {
  await a.ready();
  const socket = await a.injectWS('/cluster/ws');
  sockets.push(socket);
  const replies: unknown[] = [];
  socket.on('message', (data) => replies.push(JSON.parse(String(data))));
  const base = { id, url, ts: Date.now(), nonce: `nonce-page-${id}-000000` };
  socket.send(JSON.stringify({ type: 'register', ...base, mac: registrationMac(SECRET, base) }));
  await waitFor('registered', () => replies[0]);
}

function build(webDir: string | null): FastifyInstance {
  app = createBalancer({ servers: [1, 2, 3], clusterSecret: SECRET, balancerId: 'b-page', webDir });
  return app;
}

/** The CSP as directive -> sources. */
function csp(header: string | string[] | number | undefined): Map<string, string[]> {
  const directives = new Map<string, string[]>();
  for (const part of String(header ?? '').split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) directives.set(name, values);
  }
  return directives;
}

describe("the web page's headers", () => {
  it('has a strict CSP whose connect-src names every server the balancer hands out', async () => {
    const a = build(builtPage());
    await register(a, 1, 'ws://127.0.0.1:7101/ws');
    await register(a, 2, 'wss://chat.example.com:7443/quorum/ws');
    const page = await a.inject('/');
    expect(page.statusCode).toBe(200);
    const policy = csp(page.headers['content-security-policy']);
    expect(policy.get('default-src')).toEqual(["'self'"]);
    expect(policy.get('script-src')).toEqual(["'self'"]);
    expect(policy.get('script-src-attr')).toEqual(["'none'"]);
    expect(policy.get('style-src')).toEqual(["'self'"]);
    expect(policy.get('img-src')).toEqual(["'self'", 'data:']);
    expect(policy.get('object-src')).toEqual(["'none'"]);
    expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
    expect(policy.get('base-uri')).toEqual(["'self'"]);
    expect(policy.get('form-action')).toEqual(["'self'"]);
    expect(policy.has('upgrade-insecure-requests')).toBe(false);
    expect(policy.get('connect-src')?.sort()).toEqual(
      [
        "'self'",
        'ws://127.0.0.1:7101',
        'http://127.0.0.1:7101',
        'wss://chat.example.com:7443',
        'https://chat.example.com:7443',
      ].sort(),
    );
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(page.headers['cross-origin-resource-policy']).toBe('same-origin');
    expect(page.headers['strict-transport-security']).toBeUndefined();
    // The bundle has them too; a server registering later is in the next response's policy.
    await register(a, 3, 'ws://127.0.0.1:7103/ws');
    const bundle = await a.inject('/app.js');
    expect(bundle.statusCode).toBe(200);
    expect(csp(bundle.headers['content-security-policy']).get('connect-src')).toContain(
      'ws://127.0.0.1:7103',
    );
  });

  it('never serves a source map, even one lying next to the bundle', async () => {
    const a = build(builtPage());
    for (const path of ['/app.js.map', '/APP.JS.MAP', '/app.js.map?x=1', '/./app.js.map']) {
      const response = await a.inject(path);
      expect(response.statusCode, path).toBe(404);
      expect(response.body).not.toContain('secret-source');
    }
    expect((await a.inject('/app.js')).statusCode).toBe(200);
  });

  it('sets the headers on the "not built" page too, and leaves the JSON API to its own', async () => {
    const a = build(join(tmpdir(), 'quorum-no-such-dir'));
    const page = await a.inject('/');
    expect(csp(page.headers['content-security-policy']).get('default-src')).toEqual(["'self'"]);
    const api = await a.inject('/cluster');
    expect(api.headers['content-security-policy']).toBeUndefined();
    expect(api.headers['access-control-allow-origin']).toBe('*');
  });

  it('turns server URLs into sources, and drops anything that could smuggle a directive', () => {
    expect(
      serverSources(['ws://127.0.0.1:7101/ws', 'http://127.0.0.1:7101', 'https://[::1]:8443/ws']),
    ).toEqual(['ws://127.0.0.1:7101', 'http://127.0.0.1:7101', 'wss://[::1]:8443', 'https://[::1]:8443']);
    expect(
      serverSources(['not a url', 'ftp://x.example/', "ws://x.example;script-src 'unsafe-inline'/"]),
    ).toEqual([]);
  });
});
