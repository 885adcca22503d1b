import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AssignResponse, AssignUnavailable, ClusterStatus } from '@quorum/protocol';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { createBalancer } from '../src/app.js';
import { registrationMac } from '../src/auth.js';
import { CLOSE_POLICY_VIOLATION } from '../src/cluster-socket.js';
import { WEB_NOT_BUILT_TEXT } from '../src/web.js';
import { heartbeatFrame } from './helpers/fake-server.js';
import { assertMatches } from './helpers/schema.js';
import { waitFor } from './helpers/wait.js';

/** In-process tests of the HTTP surface (app.inject) and of the socket handler (app.injectWS). */

const SECRET = 'in-process-secret';
let app: FastifyInstance | undefined;
let webDir: string | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
  if (webDir !== undefined) rmSync(webDir, { recursive: true, force: true });
  webDir = undefined;
});

function build(extra: Partial<Parameters<typeof createBalancer>[0]> = {}): FastifyInstance {
  app = createBalancer({
    servers: [1, 2, 3],
    clusterSecret: SECRET,
    balancerId: 'b-test',
    webDir: null,
    ...extra,
  });
  return app;
}

async function openSocket(a: FastifyInstance): Promise<WebSocket> {
  await a.ready(); // injectWS exists once the plugins have loaded
  return a.injectWS('/cluster/ws');
}

/** Registers `id` over an injected WebSocket and returns the socket once `registered` arrives. */
async function register(a: FastifyInstance, id: number): Promise<WebSocket> {
  const socket = await openSocket(a);
  const replies: unknown[] = [];
  socket.on('message', (data) => replies.push(JSON.parse(String(data))));
  const base = {
    id,
    url: `ws://127.0.0.1:${7000 + id}/ws`,
    ts: Date.now(),
    nonce: `nonce-${id}-${Math.random()}`.replace('.', ''),
  };
  socket.send(JSON.stringify({ type: 'register', ...base, mac: registrationMac(SECRET, base) }));
  const reply = await waitFor('registered', () => replies[0]);
  expect(reply).toEqual({ type: 'registered', heartbeatMs: 200, balancerId: 'b-test' });
  return socket;
}

describe('GET /health and CORS', () => {
  it('answers ok with an open CORS header', async () => {
    const response = await build().inject('/health');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ ok: true });
    expect(response.headers['access-control-allow-origin']).toBe('*');
  });
});

describe('GET /assign', () => {
  it('is 503 no_quorum before a majority registered, with CORS and retry-after', async () => {
    const response = await build().inject('/assign');
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ code: 'no_quorum' });
    assertMatches(AssignUnavailable, response.json());
    expect(response.headers['access-control-allow-origin']).toBe('*');
    expect(response.headers['retry-after']).toBe('1');
  });

  it('assigns the least-loaded server once a majority registered', async () => {
    const a = build();
    const s1 = await register(a, 1);
    const s2 = await register(a, 2);
    s1.send(JSON.stringify(heartbeatFrame(1, 9)));
    s2.send(JSON.stringify(heartbeatFrame(2, 4)));
    await waitFor('loads reported', async () => {
      const status = (await a.inject('/cluster')).json() as ClusterStatus;
      return status.servers[0]?.load === 9 && status.servers[1]?.load === 4;
    });
    const response = await a.inject('/assign');
    expect(response.statusCode).toBe(200);
    assertMatches(AssignResponse, response.json());
    expect(response.json()).toEqual({
      serverId: 2,
      url: 'ws://127.0.0.1:7002/ws',
      servers: [
        { id: 2, url: 'ws://127.0.0.1:7002/ws' },
        { id: 1, url: 'ws://127.0.0.1:7001/ws' },
      ],
    });
    expect((await a.inject('/assign?exclude=2')).json()).toMatchObject({ serverId: 1 });
    s1.terminate();
    s2.terminate();
  });

  it.each([
    ['/assign?exclude=', 'pattern'],
    ['/assign?exclude=a,b', 'pattern'],
    ['/assign?exclude=1,,2', 'pattern'],
    ['/assign?exclude=1&exclude=2', 'string'],
    ['/assign?other=1', 'additional'],
  ])('rejects %s with 400 invalid_query', async (url, hint) => {
    const response = await build().inject(url);
    expect(response.statusCode).toBe(400);
    const body = response.json() as { code: string; message: string };
    expect(body.code).toBe('invalid_query');
    expect(body.message).toContain(hint);
    expect(body.message).toContain('exclude=1,3');
  });
});

describe('GET /cluster', () => {
  it('lists every configured server and matches ClusterStatus', async () => {
    const response = await build().inject('/cluster');
    expect(response.statusCode).toBe(200);
    expect(response.headers['access-control-allow-origin']).toBe('*');
    const status = response.json() as ClusterStatus;
    assertMatches(ClusterStatus, status);
    expect(status).toMatchObject({ balancerId: 'b-test', ready: false, size: 3, leaderId: null });
    expect(status.servers.map((s) => [s.id, s.healthy, s.lastSeenMs])).toEqual([
      [1, false, null],
      [2, false, null],
      [3, false, null],
    ]);
  });
});

describe('the web page', () => {
  it('explains itself at / when the web client is not built', async () => {
    const response = await build({ webDir: join(tmpdir(), 'quorum-no-such-dir') }).inject('/');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    expect(response.body).toBe(WEB_NOT_BUILT_TEXT);
    expect(response.body).toMatch(/not built/);
    expect(response.body).toMatch(/terminal client/);
  });

  it('serves the built files when the directory exists', async () => {
    webDir = mkdtempSync(join(tmpdir(), 'quorum-web-'));
    writeFileSync(join(webDir, 'index.html'), '<!doctype html><title>Quorum</title>');
    writeFileSync(join(webDir, 'app.js'), 'console.log(1)');
    const a = build({ webDir });
    const index = await a.inject('/');
    expect(index.statusCode).toBe(200);
    expect(index.headers['content-type']).toMatch(/^text\/html/);
    expect(index.body).toContain('<title>Quorum</title>');
    expect((await a.inject('/app.js')).body).toBe('console.log(1)');
    expect((await a.inject('/assign')).statusCode).toBe(503); // the API still wins over static files
  });
});

describe('cluster socket (in process)', () => {
  it('closes a connection that never registers', async () => {
    const a = build({ registerTimeoutMs: 50 });
    const socket = await openSocket(a);
    const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
    expect(await closed).toBe(CLOSE_POLICY_VIOLATION);
  });

  it('refuses a registration stamped outside the clock window of an injected clock', async () => {
    const a = build({ clock: { wallNow: () => 1_000_000_000_000 } });
    const socket = await openSocket(a);
    const replies: unknown[] = [];
    socket.on('message', (data) => replies.push(JSON.parse(String(data))));
    const base = { id: 1, url: 'ws://127.0.0.1:7001/ws', ts: 1_000_000_031_000, nonce: 'nonce-stale-000000' };
    socket.send(JSON.stringify({ type: 'register', ...base, mac: registrationMac(SECRET, base) }));
    expect(await waitFor('an answer', () => replies[0])).toMatchObject({
      type: 'error',
      code: 'stale_registration',
    });
  });
});
