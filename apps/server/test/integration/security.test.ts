import { RawClient, RequestFailed, TestCluster, waitFor } from '@quorum/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

/** Doors that must stay shut: each test fails if its protection is removed. */
let cluster: TestCluster;

beforeAll(async () => {
  cluster = await TestCluster.start({
    extraServerArgs: ['--allowed-origins', 'http://good.example', '--max-connections-per-address', '24'],
  });
});

afterAll(async () => {
  await cluster?.close();
});

async function errorCode(promise: Promise<unknown>): Promise<string | null> {
  return promise.then(
    () => null,
    (e: unknown) => (e instanceof RequestFailed ? e.reply.code : String(e)),
  );
}

describe('sessions', () => {
  it('a session token works on every server, and logout revokes it on every server', async () => {
    const first = await RawClient.connect(cluster.server(1).wsUrl);
    const { token } = await first.register('revoker');
    for (const server of cluster.servers) {
      const other = await RawClient.connect(server.wsUrl);
      expect((await other.request<'auth_ok'>({ type: 'resume_session', token })).user).toBe('revoker');
      other.close();
    }
    await first.request<'ok'>({ type: 'logout' });
    for (const server of cluster.servers) {
      const other = await RawClient.connect(server.wsUrl);
      expect(await errorCode(other.request({ type: 'resume_session', token }))).toBe('session_invalid');
      other.close();
    }
    // A forged token of the right shape is refused too.
    const forger = await RawClient.connect(cluster.server(2).wsUrl);
    expect(await errorCode(forger.request({ type: 'resume_session', token: 'A'.repeat(43) }))).toBe(
      'session_invalid',
    );
    first.close();
    forger.close();
  });

  it('wrong passwords are rate-limited per account (per server)', async () => {
    const owner = await RawClient.connect(cluster.server(1).wsUrl);
    await owner.register('target');
    owner.close();
    const codes: (string | null)[] = [];
    for (let i = 0; i < 14; i++) {
      const guesser = await RawClient.connect(cluster.server(1).wsUrl);
      codes.push(await errorCode(guesser.login('target', `guess-${i}-wrong`)));
      guesser.close();
    }
    // Registering used one of the account's 5 tries; then 4 guesses, then refusals.
    expect(codes.slice(0, 4)).toEqual(Array(4).fill('auth_failed'));
    expect(codes.slice(5)).toEqual(Array(codes.length - 5).fill('rate_limited'));
  });
});

describe('more limits', () => {
  it('refuses joining more rooms than the per-connection limit', async () => {
    const { MAX_ROOMS_PER_CONNECTION } = await import('@quorum/protocol');
    const client = await RawClient.connect(cluster.server(2).wsUrl);
    await client.register('roomhog');
    for (let i = 0; i < MAX_ROOMS_PER_CONNECTION; i++) await client.join(`hog-${i}`);
    expect(await errorCode(client.join('one-too-many'))).toBe('too_many_rooms');
    client.close();
  });

  it('rate-limits login attempts per address, whatever the account', async () => {
    const codes: (string | null)[] = [];
    const started = Date.now();
    for (let i = 0; i < 30; i++) {
      const guesser = await RawClient.connect(cluster.server(3).wsUrl);
      codes.push(await errorCode(guesser.login(`nobody${i}`, `guess-${i}-wrong`)));
      guesser.close();
    }
    // 20 at once per address (earlier tests in this file spent at most a couple of them on
    // server 3), then one every 2 s.
    const refilled = Math.ceil((Date.now() - started) / 2000);
    const failed = codes.filter((c) => c === 'auth_failed').length;
    expect(codes.slice(0, 15).every((c) => c === 'auth_failed')).toBe(true);
    expect(failed).toBeLessThanOrEqual(20 + refilled);
    expect(codes.filter((c) => c === 'rate_limited')).toHaveLength(30 - failed);
    // Once refused, an address gets through again only as its budget refills.
    const firstRefused = codes.indexOf('rate_limited');
    expect(firstRefused).toBeGreaterThanOrEqual(15);
    expect(codes.slice(firstRefused).filter((c) => c === 'auth_failed').length).toBeLessThanOrEqual(refilled);
  });

  it('has no admin endpoint unless an admin token is configured', async () => {
    const response = await fetch(`${cluster.server(1).httpUrl}/admin/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer guess' },
      body: JSON.stringify({ spec: 'd:0' }),
    });
    expect(response.status).toBe(404);
  });
});

describe('identity of commands', () => {
  it("refuses client ids in the servers' namespace", async () => {
    const client = await RawClient.connect(cluster.server(1).wsUrl);
    await client.register('borrower');
    await client.join('general');
    expect(await errorCode(client.send('general', 'hi', 'srv.1.abcdef', 1))).toBe('invalid_message');
    client.close();
  });
});

describe('client port limits', () => {
  it('refuses a browser whose Origin is not on the allow-list, and admits one that is', async () => {
    await expect(
      RawClient.connect(cluster.server(1).wsUrl, { origin: 'http://evil.example' }),
    ).rejects.toThrow(/403/);
    const good = await RawClient.connect(cluster.server(1).wsUrl, { origin: 'http://good.example' });
    good.close();
  });

  it('refuses connections beyond the per-address limit', async () => {
    const sockets: WebSocket[] = [];
    let refused = 0;
    for (let i = 0; i < 30; i++) {
      const socket = new WebSocket(cluster.server(3).wsUrl);
      sockets.push(socket);
      const outcome = await new Promise<string>((resolve) => {
        socket.once('open', () => resolve('open'));
        socket.once('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
        socket.once('error', () => resolve('error'));
      });
      if (outcome === '429') refused++;
    }
    expect(refused).toBeGreaterThanOrEqual(6);
    for (const socket of sockets) socket.terminate();
  });

  it('cuts off a slow consumer after a bounded buffer instead of growing memory', async () => {
    const slow = await RawClient.connect(cluster.server(2).wsUrl);
    await slow.register('sloth');
    await slow.join('general');
    const poster = await RawClient.connect(cluster.server(2).wsUrl);
    await poster.register('poster');
    await poster.join('general');
    // Paced by the user's send budget: a refused send is sent again once it refills.
    for (let seq = 1; seq <= 150; seq++)
      await waitFor(`send ${seq}`, () =>
        poster.send('general', `${'x'.repeat(3500)} ${seq}`, 'poster-client', seq).catch((e: unknown) => {
          if (e instanceof RequestFailed && e.reply.code === 'rate_limited') return undefined;
          throw e;
        }),
      );
    // Stop reading: the server's writes pile up in its socket buffer.
    (slow.socket as unknown as { _socket: { pause(): void } })._socket.pause();
    // 300 requests: past the user's read budget, so the connection is also throttled (not read
    // for a moment) when the server cuts it off; the close must still complete.
    for (let i = 0; i < 300 && slow.closedWith === null; i++) {
      slow.sendRaw({ type: 'history', rid: 10_000 + i, room: 'general', limit: 200 });
      if (i % 20 === 19) await new Promise((resolve) => setImmediate(resolve));
    }
    (slow.socket as unknown as { _socket: { resume(): void } })._socket.resume();
    await waitFor('the slow consumer to be cut off', () => slow.closedWith, { timeoutMs: 20_000 });
    expect(slow.closedWith?.code).toBe(4001);
    expect(slow.closedWith?.reason).toBe('slow_consumer');
    await poster.send('general', 'still fine', 'poster-client', 151);
    poster.close();
  });
});

describe('durable state', () => {
  it('a server whose data file was corrupted refuses to start instead of serving wrong data', async () => {
    const { readFileSync, writeFileSync, statSync } = await import('node:fs');
    const { join } = await import('node:path');
    const victim = cluster.server(3);
    await victim.stop();
    const file = join(victim.dataDir, 'data.mdb');
    expect(statSync(file).size).toBeGreaterThan(8192);
    writeFileSync(file, readFileSync(file).subarray(0, 8192)); // truncated: only the meta pages survive
    const failure = await victim.start().then(
      () => null,
      (e: unknown) => String(e),
    );
    expect(failure).toMatch(/corrupt|truncated|damaged/i);
    expect(failure).toContain('never replaced silently'); // and it says what to do instead
    expect(victim.running).toBe(false);
    // The other two still form a majority and keep serving.
    const client = await RawClient.connect(cluster.server(1).wsUrl);
    await client.register('after-corruption');
    client.close();
    // The documented way back (docs/security.md): move the damaged store away, start again.
    // The server makes a new store and recovers from the other two before it votes.
    const { existsSync, renameSync } = await import('node:fs');
    renameSync(victim.dataDir, `${victim.dataDir}.damaged`);
    await victim.start();
    await waitFor(
      'server 3 to rejoin through recovery',
      async () => {
        const health = await victim.health();
        return health.ok && health.role !== 'recovering' && health.clusterId === cluster.clusterId;
      },
      { timeoutMs: 30_000 },
    );
    expect(victim.fullLog).toContain('recovering from its peers before it votes');
    expect(existsSync(join(`${victim.dataDir}.damaged`, 'data.mdb'))).toBe(true); // kept for diagnosis
    await cluster.waitForConvergence(30_000);
  });
});
