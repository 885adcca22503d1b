import { AssignResponse, AssignUnavailable, ClusterStatus } from '@quorum/protocol';
import { afterEach, describe, expect, it, onTestFailed } from 'vitest';
import { type BalancerProcess, startBalancer } from './helpers/balancer-process.js';
import { FakeServer, heartbeatFrame, registerFrame } from './helpers/fake-server.js';
import { assertMatches } from './helpers/schema.js';
import { waitFor } from './helpers/wait.js';

/**
 * The real balancer process (`node dist/main.js --port 0`) with fake servers speaking the
 * protocol over real WebSockets on loopback. Every test gets a fresh process and kills it by PID.
 */

const SECRET = 'integration-secret-4f1c9a';
const DEAD_AFTER_MS = 1_000;

let balancer: BalancerProcess | undefined;
const servers: FakeServer[] = [];

afterEach(() => {
  for (const server of servers.splice(0)) server.terminate();
  balancer?.kill();
  balancer = undefined;
});

async function start(extraArgs: string[] = []): Promise<BalancerProcess> {
  balancer = await startBalancer(
    ['--cluster-size', '3', '--dead-after-ms', String(DEAD_AFTER_MS), '--id', 'b-int', ...extraArgs],
    { QUORUM_CLUSTER_SECRET: SECRET },
  );
  showOutputOnFailure(balancer);
  return balancer;
}

function showOutputOnFailure(b: BalancerProcess): void {
  onTestFailed(() => {
    console.error(`balancer output (pid ${b.pid}):\n${b.output()}`);
  });
}

async function get(path: string): Promise<{ status: number; body: unknown; headers: Headers }> {
  if (balancer === undefined) throw new Error('no balancer');
  const response = await fetch(`${balancer.url}${path}`);
  return { status: response.status, body: await response.json(), headers: response.headers };
}

async function cluster(): Promise<ClusterStatus> {
  const { status, body } = await get('/cluster');
  expect(status).toBe(200);
  assertMatches(ClusterStatus, body);
  return body as ClusterStatus;
}

async function assign(exclude?: string): Promise<AssignResponse> {
  const { status, body } = await get(exclude === undefined ? '/assign' : `/assign?exclude=${exclude}`);
  if (status !== 200) throw new Error(`/assign answered ${status}: ${JSON.stringify(body)}`);
  assertMatches(AssignResponse, body);
  return body as AssignResponse;
}

/** Registers a fake server and keeps it heartbeating with `load`. */
async function serverUp(b: BalancerProcess, id: number, load: number, extra: Record<string, unknown> = {}) {
  const server = await FakeServer.registered(b.wsUrl, id, SECRET);
  servers.push(server);
  server.startHeartbeats(id, () => load, 100, extra);
  return server;
}

async function waitForLoads(loads: Record<number, number>): Promise<void> {
  await waitFor(`loads ${JSON.stringify(loads)} in /cluster`, async () => {
    const status = await cluster();
    return Object.entries(loads).every(([id, load]) =>
      status.servers.some((s) => s.id === Number(id) && s.healthy && s.load === load),
    );
  });
}

/** /cluster without the ever-changing ages, for "nothing changed" comparisons. */
async function clusterShape(): Promise<unknown> {
  const status = await cluster();
  return { ...status, servers: status.servers.map(({ lastSeenMs: _, ...rest }) => rest) };
}

// Generous per-test timeout: the conditions themselves have deadlines, and a loaded CI machine is slow.
describe('balancer process', { timeout: 30_000 }, () => {
  it('gates on a majority, then assigns the least-loaded server', async () => {
    const b = await start();
    const before = await get('/assign');
    expect(before.status).toBe(503);
    assertMatches(AssignUnavailable, before.body);
    expect(before.body).toMatchObject({ code: 'no_quorum' });
    expect(before.headers.get('access-control-allow-origin')).toBe('*');

    await serverUp(b, 1, 5);
    expect((await get('/assign')).body).toMatchObject({ code: 'no_quorum' });
    await serverUp(b, 2, 2);
    await serverUp(b, 3, 7);
    await waitForLoads({ 1: 5, 2: 2, 3: 7 });

    const assigned = await assign();
    expect(assigned.serverId).toBe(2);
    expect(assigned.url).toBe('ws://127.0.0.1:7002/ws');
    expect(assigned.servers.map((s) => s.id).sort()).toEqual([1, 2, 3]);
    const status = await cluster();
    expect(status).toMatchObject({ balancerId: 'b-int', ready: true, size: 3 });
  });

  it('honours exclude, and falls back when every healthy server is excluded', async () => {
    const b = await start();
    await serverUp(b, 1, 0);
    await serverUp(b, 2, 3);
    await serverUp(b, 3, 6);
    await waitForLoads({ 1: 0, 2: 3, 3: 6 });
    expect((await assign('1')).serverId).toBe(2);
    expect((await assign('1,2')).serverId).toBe(3);
    expect([1, 2, 3]).toContain((await assign('1,2,3')).serverId);
    const bad = await get('/assign?exclude=one');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'invalid_query' });
  });

  it('takes a server out of rotation as soon as its socket closes', async () => {
    const b = await start();
    await serverUp(b, 1, 0);
    const two = await serverUp(b, 2, 0);
    await serverUp(b, 3, 0);
    await waitForLoads({ 1: 0, 2: 0, 3: 0 });

    const closedAt = Date.now();
    two.close();
    await waitFor('server 2 unhealthy', async () => (await cluster()).servers[1]?.healthy === false, {
      timeoutMs: DEAD_AFTER_MS / 2, // well before a heartbeat timeout could explain it
    });
    expect(Date.now() - closedAt).toBeLessThan(DEAD_AFTER_MS);
    for (let i = 0; i < 5; i++) expect((await assign('1,3')).serverId).not.toBe(2);
    expect((await assign()).servers.map((s) => s.id).sort()).toEqual([1, 3]);
  });

  it('takes a silent server out of rotation within about a second, and back when it resumes', async () => {
    const b = await start();
    const one = await serverUp(b, 1, 0);
    await serverUp(b, 2, 10);
    await serverUp(b, 3, 10);
    await waitForLoads({ 1: 0, 2: 10, 3: 10 });
    expect((await assign()).serverId).toBe(1);

    one.stopHeartbeats(); // the socket stays open: only the heartbeats stop
    const silentAt = Date.now();
    await waitFor('server 1 out of rotation', async () => (await cluster()).servers[0]?.healthy === false, {
      timeoutMs: 3 * DEAD_AFTER_MS,
    });
    const elapsed = Date.now() - silentAt;
    // The last heartbeat went out at most 100 ms before silentAt: not dropped early, nor late.
    expect(elapsed).toBeGreaterThanOrEqual(DEAD_AFTER_MS - 200);
    expect(elapsed).toBeLessThan(DEAD_AFTER_MS + 750);
    expect(one.isOpen).toBe(true);
    expect((await assign()).serverId).not.toBe(1);
    expect((await cluster()).servers[0]).toMatchObject({ id: 1, healthy: false, role: 'unknown' });

    one.startHeartbeats(1, () => 0, 100);
    await waitForLoads({ 1: 0 });
    expect((await assign()).serverId).toBe(1);
  });

  it('replaces the old connection when a server id registers again', async () => {
    const b = await start();
    const old = await serverUp(b, 1, 0);
    await serverUp(b, 2, 5);
    const fresh = await FakeServer.registered(b.wsUrl, 1, SECRET, 'ws://127.0.0.1:7101/ws');
    servers.push(fresh);
    fresh.startHeartbeats(1, () => 1, 100);
    expect(await old.waitClosed()).toEqual({ code: 4000, reason: 'replaced by a newer registration' });
    await waitForLoads({ 1: 1 });
    expect((await cluster()).servers[0]).toMatchObject({ url: 'ws://127.0.0.1:7101/ws', healthy: true });
    expect((await assign()).url).toBe('ws://127.0.0.1:7101/ws');
  });

  describe('refused registrations', () => {
    async function refused(frame: unknown): Promise<{ error: Record<string, unknown>; close: unknown }> {
      if (balancer === undefined) throw new Error('no balancer');
      const server = await FakeServer.connect(balancer.wsUrl);
      servers.push(server);
      server.send(frame);
      const error = await server.next();
      const close = await server.waitClosed();
      return { error, close };
    }

    it('refuses a wrong secret, an unknown id, a replayed nonce and a stale timestamp; nothing changes', async () => {
      const b = await start(['--log-level', 'debug']);
      const first = registerFrame(1, SECRET);
      const one = await FakeServer.connect(b.wsUrl);
      servers.push(one);
      one.send(first);
      expect(await one.next()).toMatchObject({ type: 'registered' });
      one.startHeartbeats(1, () => 0, 100);
      await serverUp(b, 3, 4);
      await waitForLoads({ 1: 0, 3: 4 });
      const before = await clusterShape();

      const cases: [string, unknown][] = [
        ['bad_secret', registerFrame(2, 'not-the-secret')],
        ['unknown_server', registerFrame(9, SECRET)],
        ['replayed', first],
        ['stale_registration', registerFrame(2, SECRET, { ts: Date.now() - 60_000 })],
        ['stale_registration', registerFrame(2, SECRET, { ts: Date.now() + 60_000 })],
        ['bad_secret', { ...registerFrame(2, SECRET), url: 'ws://evil.example/ws' }],
      ];
      for (const [code, frame] of cases) {
        const { error, close } = await refused(frame);
        expect(error).toMatchObject({ type: 'error', code });
        expect(close).toEqual({ code: 1008, reason: code });
      }

      expect(await clusterShape()).toEqual(before);
      expect(one.isOpen).toBe(true);
      expect((await cluster()).servers[1]).toMatchObject({ id: 2, url: null, healthy: false });
      expect((await assign()).serverId).toBe(1);
      // Every refusal is logged (pino writes asynchronously: wait for the lines), never the secret.
      await waitFor(
        'a log line per refusal',
        () => b.output().split('server registration refused').length > cases.length,
      );
      expect(b.output()).not.toContain(SECRET);
    });
  });

  it('answers malformed frames with an error and keeps serving', async () => {
    const b = await start();
    const early = await FakeServer.connect(b.wsUrl);
    servers.push(early);
    early.send(heartbeatFrame(1, 0));
    expect(await early.next()).toMatchObject({ type: 'error', code: 'not_registered' });
    expect(early.isOpen).toBe(true);

    const one = await serverUp(b, 1, 0);
    await serverUp(b, 2, 0);
    one.stopHeartbeats();
    const junk: unknown[] = [
      'not json',
      '[]',
      '{"type":"bogus"}',
      '{"type":"heartbeat","id":1}',
      Buffer.from([0xff, 0xfe, 0x00]),
      { ...heartbeatFrame(1, 0), extra: true },
      heartbeatFrame(1, -1),
    ];
    for (const frame of junk) {
      one.send(frame);
      expect(await one.next()).toMatchObject({ type: 'error', code: 'invalid_message' });
    }
    one.send(heartbeatFrame(2, 0));
    expect(await one.next()).toMatchObject({ type: 'error', code: 'not_registered' });
    expect(one.isOpen).toBe(true);

    one.send(heartbeatFrame(1, 42));
    await waitForLoads({ 1: 42 });

    // A frame over the size limit closes that one socket (1009); nobody else notices.
    one.send('x'.repeat(70 * 1024));
    expect((await one.waitClosed()).code).toBe(1009);
    expect((await get('/health')).body).toEqual({ ok: true });
    expect((await assign()).serverId).toBe(2);
  });

  it('reports the leader most servers name, and the full status shape', async () => {
    const b = await start();
    const leaderView = {
      role: 'follower',
      leaderId: 3,
      ballot: { round: 4, node: 3 },
      committed: 10,
      applied: 9,
    };
    await serverUp(b, 1, 1, leaderView);
    await serverUp(b, 3, 2, { ...leaderView, role: 'leader', peersUp: [1] });
    await waitForLoads({ 1: 1, 3: 2 });
    const status = await cluster();
    expect(status.leaderId).toBe(3);
    expect(status.servers.map((s) => s.id)).toEqual([1, 2, 3]);
    expect(status.servers[1]).toMatchObject({
      id: 2,
      url: null,
      healthy: false,
      lastSeenMs: null,
      role: 'unknown',
    });
    expect(status.servers[2]).toMatchObject({
      id: 3,
      healthy: true,
      role: 'leader',
      committed: 10,
      applied: 9,
      peersUp: [1],
      ballot: { round: 4, node: 3 },
    });
    expect(status.servers[2]?.lastSeenMs).toBeLessThan(DEAD_AFTER_MS);
  });

  it('takes the secret from the flag too, and shuts down cleanly on SIGTERM', async () => {
    balancer = await startBalancer(['--servers', '4,5,6', '--cluster-secret', 'flag-secret']);
    const b = balancer;
    showOutputOnFailure(b);
    const server = await FakeServer.registered(b.wsUrl, 5, 'flag-secret');
    servers.push(server);
    // pino writes asynchronously, so the JSON line may trail the QUORUM_BALANCER_LISTENING line.
    const logLine = await waitFor('the JSON "balancer listening" log line', () =>
      b
        .output()
        .split('\n')
        .find((line) => line.includes('"msg":"balancer listening"')),
    );
    expect(JSON.parse(logLine)).toMatchObject({ url: b.url, servers: [4, 5, 6], level: 30 });
    process.kill(b.pid, 'SIGTERM');
    expect(await b.exited).toEqual({ code: 0, signal: null });
    expect((await server.waitClosed()).code).toBe(1001);
    expect(b.output()).not.toContain('flag-secret');
  });

  it('exits with a usage error when misconfigured', async () => {
    await expect(startBalancer(['--cluster-size', '3'])).rejects.toThrow(/code 2[\s\S]*secret is required/);
  });
});
