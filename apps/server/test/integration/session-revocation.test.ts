import { RawClient, RequestFailed, TestCluster, waitFor } from '@quorum/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * A revoked session ends every connection bound to it, on every server, with close code 4004
 * `session_ended`: a thief who resumed a token before its owner logged out keeps nothing.
 */
let cluster: TestCluster;

beforeAll(async () => {
  cluster = await TestCluster.start();
});

afterAll(async () => {
  await cluster?.close();
});

describe('logout ends the live connections of the session everywhere', () => {
  it("a thief's connections on every server are closed with 4004 once the owner logs out", async () => {
    const owner = await RawClient.connect(cluster.server(1).wsUrl);
    const { token } = await owner.register('owner-g');
    await owner.join('secrets');
    const thieves: RawClient[] = [];
    for (const server of cluster.servers) {
      const thief = await RawClient.connect(server.wsUrl);
      await thief.request<'auth_ok'>({ type: 'resume_session', token });
      await thief.join('secrets');
      thieves.push(thief);
    }
    // A second device of the owner with its own session is not affected.
    const otherDevice = await RawClient.connect(cluster.server(2).wsUrl);
    await otherDevice.login('owner-g');
    await otherDevice.join('secrets');

    await owner.request<'ok'>({ type: 'logout' });
    for (const thief of thieves) {
      const closed = await waitFor('the thief to be cut off', () => thief.closedWith);
      expect(closed).toEqual({ code: 4004, reason: 'session_ended' });
    }
    // The connection that logged out stays open, logged out.
    expect(owner.closedWith).toBeNull();
    const refused = await owner
      .request({ type: 'history', room: 'secrets', limit: 10 })
      .catch((e: unknown) => e);
    expect(refused instanceof RequestFailed && refused.reply.code).toBe('not_authenticated');
    // The other session still works, and nothing the thief could still send got in.
    await otherDevice.send('secrets', 'still here', 'owner-g-phone', 1);
    expect((await otherDevice.fullHistory('secrets')).map((m) => m.text)).toEqual(['still here']);
    expect(otherDevice.closedWith).toBeNull();
    owner.close();
    otherDevice.close();
  });
});

describe('an expired session ends its connections when they are next used', () => {
  let lone: TestCluster;
  beforeAll(async () => {
    lone = await TestCluster.start({ size: 1, extraServerArgs: ['--session-ttl-ms', '1500'] });
  });
  afterAll(async () => {
    await lone?.close();
  });

  it('a connection whose session expired is closed with 4004 at its next request', async () => {
    const client = await RawClient.connect(lone.server(1).wsUrl);
    const { expiresAt } = await client.register('brief-m');
    await client.join('lobby');
    await client.send('lobby', 'while it lasts', 'brief-client', 1);
    // Keep using the connection until the server ends it (a deadline, not a sleep).
    const closed = await waitFor(
      'the expired session to end the connection',
      () => {
        if (client.closedWith === null) client.sendRaw({ type: 'rooms', rid: 1_000 });
        return client.closedWith;
      },
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    expect(closed).toEqual({ code: 4004, reason: 'session_ended' });
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt);
  });
});
