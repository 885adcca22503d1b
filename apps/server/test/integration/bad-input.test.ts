import { MAX_CLIENT_FRAME_BYTES, PEER_AUTH_HEADERS } from '@quorum/protocol';
import { RawClient, RequestFailed, TestCluster, waitFor } from '@quorum/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CLUSTER_ID_HEADER, peerMac } from '../../src/peer-auth.js';

/** Bad input gets a clear, typed error, changes nothing, and never takes a server down. */
let cluster: TestCluster;
let alice: RawClient;

beforeAll(async () => {
  // A low send rate (20/s, burst 40) so the flood test overruns it however slow the machine is.
  cluster = await TestCluster.start({
    adminToken: 'admin-token-for-tests',
    extraServerArgs: ['--sends-per-second', '20'],
  });
  alice = await RawClient.connect(cluster.server(1).wsUrl);
  await alice.register('alice');
  await alice.join('general');
  await alice.send('general', 'baseline', 'alice-client-1', 1);
  await cluster.waitForConvergence();
});

afterAll(async () => {
  alice?.close();
  await cluster?.close();
});

async function expectError(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RequestFailed);
  expect((error as RequestFailed).reply.code).toBe(code);
}

describe('client port', () => {
  it('answers malformed, unknown, wrongly typed and out-of-order frames with typed errors and changes nothing', async () => {
    const before = await cluster.waitForConvergence();
    const probe = await RawClient.connect(cluster.server(2).wsUrl);
    probe.socket.send('{not json');
    probe.socket.send(Buffer.from([0xff, 0xfe, 0xfd]), { binary: true });
    probe.sendRaw({ type: 'launch_missiles', rid: 1 });
    probe.sendRaw({ type: 'send', rid: 2, room: 'general', clientId: 'x', seq: -1, text: 42 } as Record<
      string,
      unknown
    >);
    probe.sendRaw({
      type: 'send',
      rid: 3,
      room: 'general',
      clientId: 'probe-client',
      seq: 1,
      text: 'no login',
    });
    const codes = await waitFor('five errors', () => {
      const errors = probe.events.filter((e) => e.type === 'error');
      return errors.length >= 5 ? errors.map((e) => (e.type === 'error' ? e.code : '')) : null;
    });
    expect(codes).toEqual([
      'malformed_frame',
      'malformed_frame',
      'unknown_type',
      'invalid_message',
      'not_authenticated',
    ]);
    await expectError(probe.login('alice', 'wrong password!'), 'auth_failed');
    await expectError(probe.login('nobody-here', 'whatever123'), 'auth_failed');
    await probe.register('mallory');
    await expectError(probe.send('nowhere', 'hi', 'mallory-client', 1), 'unknown_room');
    await expectError(probe.send('general', 'hi', 'mallory-client', 1), 'not_member');
    await expectError(probe.request({ type: 'history', room: 'nowhere', limit: 10 }), 'unknown_room');
    await expectError(probe.register('someone-else'), 'already_authenticated');
    probe.close();
    // Only mallory's registration and session changed the replicated state.
    const after = await cluster.waitForConvergence();
    expect(after.lastAppliedSlot).toBeGreaterThan(before.lastAppliedSlot);
    expect(await alice.fullHistory('general')).toHaveLength(1);
  });

  it('requires hello first and refuses another protocol version', async () => {
    const socket = new WebSocket(cluster.server(1).wsUrl);
    await new Promise((resolve) => socket.once('open', resolve));
    const frames: string[] = [];
    socket.on('message', (data) => frames.push(data.toString()));
    socket.send(JSON.stringify({ type: 'ping', rid: 1 }));
    socket.send(JSON.stringify({ type: 'hello', version: 999 }));
    const closed = await new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    expect(frames.map((f) => JSON.parse(f).code)).toEqual(['hello_required', 'unsupported_version']);
    expect(closed).toBe(4002);
  });

  it('closes a connection that sends a frame over the size limit, and keeps serving others', async () => {
    const big = await RawClient.connect(cluster.server(3).wsUrl);
    big.socket.send('x'.repeat(MAX_CLIENT_FRAME_BYTES + 1));
    await waitFor('the oversized connection to close', () => big.closedWith);
    expect(big.closedWith?.code).toBe(1009);
    await alice.send('general', 'still serving', 'alice-client-1', 2);
  });

  it('rejects text over the limit and rate-limits a flood of sends per connection', async () => {
    await expectError(alice.send('general', 'y'.repeat(5000), 'alice-client-1', 3), 'invalid_message');
    const flood = await RawClient.connect(cluster.server(1).wsUrl);
    await flood.register('flooder');
    await flood.join('general');
    const results = await Promise.allSettled(
      Array.from({ length: 200 }, (_, i) => flood.send('general', `f${i}`, 'flooder-client', i + 1)),
    );
    const limited = results.filter(
      (r) => r.status === 'rejected' && (r.reason as RequestFailed).reply?.code === 'rate_limited',
    );
    expect(limited.length).toBeGreaterThan(0);
    flood.close();
  });
});

describe('peer port', () => {
  /** Tries a peer link upgrade with these headers; 101 when it is accepted. */
  function peerUpgrade(headers: Record<string, string>): Promise<{ status: number; reason: string }> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(cluster.server(1).wsUrl.replace('/ws', '/peer'), { headers });
      socket.once('open', () => {
        socket.terminate();
        resolve({ status: 101, reason: '' });
      });
      socket.once('unexpected-response', (_request, response) => {
        resolve({
          status: response.statusCode ?? 0,
          reason: String(response.headers['x-quorum-reason'] ?? ''),
        });
        socket.terminate();
      });
      socket.once('error', (error) => reject(error));
    });
  }

  it('refuses a peer without the cluster secret, with an unknown id, or with a replayed handshake, at the upgrade', async () => {
    const ts = String(Date.now());
    const nonce = 'nonce-0123456789abcdef';
    const forged = {
      [PEER_AUTH_HEADERS.from]: '2',
      [PEER_AUTH_HEADERS.to]: '1',
      [PEER_AUTH_HEADERS.ts]: ts,
      [PEER_AUTH_HEADERS.nonce]: nonce,
      [PEER_AUTH_HEADERS.mac]: peerMac('not-the-secret', 2, 1, Number(ts), nonce, ''),
    };
    expect(await peerUpgrade(forged)).toEqual({ status: 401, reason: 'bad cluster secret' });
    expect(await peerUpgrade({})).toEqual({ status: 401, reason: 'missing or malformed peer handshake' });
    const stranger = {
      ...forged,
      [PEER_AUTH_HEADERS.from]: '9',
      [PEER_AUTH_HEADERS.mac]: peerMac(cluster.secret, 9, 1, Number(ts), nonce, ''),
    };
    expect(await peerUpgrade(stranger)).toEqual({ status: 401, reason: 'unknown peer id' });
    // The cluster id is covered by the MAC: presenting another one than was signed fails it.
    const relabelled = {
      ...forged,
      [PEER_AUTH_HEADERS.nonce]: 'nonce-aaaabbbbccccdddd',
      [PEER_AUTH_HEADERS.mac]: peerMac(cluster.secret, 2, 1, Number(ts), 'nonce-aaaabbbbccccdddd', ''),
      [CLUSTER_ID_HEADER]: cluster.clusterId,
    };
    expect(await peerUpgrade(relabelled)).toEqual({ status: 401, reason: 'bad cluster secret' });
    const otherCluster = {
      ...forged,
      [PEER_AUTH_HEADERS.nonce]: 'nonce-0000111122223333',
      [PEER_AUTH_HEADERS.mac]: peerMac(cluster.secret, 2, 1, Number(ts), 'nonce-0000111122223333', 'another'),
      [CLUSTER_ID_HEADER]: 'another',
    };
    expect(await peerUpgrade(otherCluster)).toEqual({
      status: 403,
      reason: `cluster id mismatch: this server belongs to cluster ${cluster.clusterId}, the peer to cluster another`,
    });
    const genuine = {
      ...forged,
      [PEER_AUTH_HEADERS.nonce]: 'nonce-fedcba9876543210',
      [PEER_AUTH_HEADERS.mac]: peerMac(
        cluster.secret,
        2,
        1,
        Number(ts),
        'nonce-fedcba9876543210',
        cluster.clusterId,
      ),
      [CLUSTER_ID_HEADER]: cluster.clusterId,
    };
    expect(await peerUpgrade(genuine)).toEqual({ status: 101, reason: '' });
    expect(await peerUpgrade(genuine)).toEqual({ status: 401, reason: 'replayed handshake' });
  });
});

describe('operations', () => {
  it('serves /health, /metrics and /digest, and guards /admin/faults with the admin token', async () => {
    const server = cluster.server(2);
    expect(await server.health()).toMatchObject({ ok: true, id: 2 });
    const metrics = await (await fetch(`${server.httpUrl}/metrics`)).text();
    expect(metrics).toContain('quorum_commit_watermark');
    expect(metrics).toContain('quorum_commands_applied_total');
    expect(await server.digest()).toMatchObject({ hash: expect.stringMatching(/^[0-9a-f]{16}$/) });
    const denied = await fetch(`${server.httpUrl}/admin/faults`, {
      method: 'POST',
      body: JSON.stringify({ spec: 'd:0' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(denied.status).toBe(401);
    const allowed = await fetch(`${server.httpUrl}/admin/faults`, {
      method: 'POST',
      body: JSON.stringify({ spec: 'jitter:5' }),
      headers: { 'content-type': 'application/json', authorization: 'Bearer admin-token-for-tests' },
    });
    expect(allowed.status).toBe(200);
    const bad = await fetch(`${server.httpUrl}/admin/faults`, {
      method: 'POST',
      body: JSON.stringify({ spec: 'explode:1' }),
      headers: { 'content-type': 'application/json', authorization: 'Bearer admin-token-for-tests' },
    });
    expect(bad.status).toBe(400);
    await fetch(`${server.httpUrl}/admin/faults`, {
      method: 'POST',
      body: JSON.stringify({ spec: 'none' }),
      headers: { 'content-type': 'application/json', authorization: 'Bearer admin-token-for-tests' },
    });
  });

  it('shuts down gracefully on SIGTERM and a full restart of every server keeps the history', async () => {
    for (const server of cluster.servers) await server.stop();
    expect(cluster.servers.every((s) => s.child?.exitCode === 0)).toBe(true);
    await Promise.all(cluster.servers.map((s) => s.start()));
    await cluster.waitForLeader();
    const reader = await RawClient.connect(cluster.server(3).wsUrl);
    await reader.login('alice');
    await reader.join('general');
    const history = await reader.fullHistory('general');
    expect(history.filter((m) => m.author === 'alice').map((m) => m.text)).toEqual([
      'baseline',
      'still serving',
    ]);
    expect(history.map((m) => m.position)).toEqual(history.map((_, i) => i + 1));
    reader.close();
    alice.close();
  });
});
