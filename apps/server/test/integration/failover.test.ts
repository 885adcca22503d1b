import { RawClient, RequestFailed, TestCluster, waitFor } from '@quorum/testkit';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * The seed test plans, against real processes on loopback. Each test ends by checking that every
 * live replica applied the same log (same digest at the same slot).
 */
let cluster: TestCluster | null = null;
afterEach(async () => {
  await cluster?.close();
  cluster = null;
});

async function chatter(url: string, user: string, room = 'general'): Promise<RawClient> {
  const client = await RawClient.connect(url);
  await client.register(user);
  await client.join(room);
  return client;
}

/**
 * A client that does what the protocol asks of one (§4.1, §5.2): when its server sends it away
 * (4003 on a loaded machine whose election took more than 2 s) or answers a retryable error, it
 * reconnects, logs in again and resends the same (clientId, seq).
 */
class PersistentChatter {
  private client: RawClient | null = null;
  constructor(
    private readonly url: string,
    private readonly user: string,
    private readonly room = 'general',
  ) {}

  private async connected(): Promise<RawClient> {
    if (this.client !== null && this.client.closedWith === null) return this.client;
    this.client?.close();
    const client = await RawClient.connect(this.url);
    await client.login(this.user);
    await client.join(this.room);
    this.client = client;
    return client;
  }

  /** Registers `user` (or, if an earlier attempt did, logs in). */
  static async register(url: string, user: string, room = 'general'): Promise<PersistentChatter> {
    const persistent = new PersistentChatter(url, user, room);
    let registered = false;
    await waitFor(
      `${user} registered`,
      async () => {
        if (registered) return persistent.connected();
        const client = await RawClient.connect(url);
        try {
          await client.register(user);
        } catch (error) {
          client.close();
          // An attempt whose answer was lost may have registered: log in from now on.
          if (error instanceof RequestFailed && error.reply.code === 'user_exists') registered = true;
          throw error;
        }
        registered = true;
        await client.join(room);
        persistent.client = client;
        return client;
      },
      { timeoutMs: 30_000 },
    );
    return persistent;
  }

  send(text: string, clientId: string, seq: number) {
    return waitFor(
      `ack of ${clientId}#${seq}`,
      async () => (await this.connected()).send(this.room, text, clientId, seq),
      {
        timeoutMs: 30_000,
      },
    );
  }

  fullHistory() {
    return waitFor('the history', async () => (await this.connected()).fullHistory(this.room), {
      timeoutMs: 30_000,
    });
  }

  close(): void {
    this.client?.close();
  }
}

describe('seed test plans (real processes)', () => {
  it("1. a client's server is killed: the client reroutes to the least-loaded live server and nothing acknowledged is lost or duplicated", async () => {
    cluster = await TestCluster.start();
    const first = await cluster.assign();
    const alice = await chatter(first.url, 'alice');
    const acked: number[] = [];
    for (let seq = 1; seq <= 10; seq++)
      acked.push((await alice.send('general', `before ${seq}`, 'alice-client-1', seq)).position);
    await cluster.server(first.serverId).kill();
    const second = await cluster.assign([first.serverId]);
    expect(second.serverId).not.toBe(first.serverId);
    const again = await RawClient.connect(second.url);
    await again.login('alice');
    await again.join('general');
    // The outbox resends the last message (its ack might have been lost) with the same (clientId, seq).
    const retried = await again.send('general', 'before 10', 'alice-client-1', 10);
    expect(retried.position).toBe(acked[9]);
    for (let seq = 11; seq <= 20; seq++)
      acked.push((await again.send('general', `after ${seq}`, 'alice-client-1', seq)).position);
    const history = await again.fullHistory('general');
    expect(history.map((m) => m.text)).toEqual(
      Array.from({ length: 20 }, (_, i) => (i < 10 ? `before ${i + 1}` : `after ${i + 1}`)),
    );
    expect(history.map((m) => m.position)).toEqual(acked);
    again.close();
    alice.close();
    await cluster.waitForConvergence();
  });

  it('2. a server with no clients is killed: chat goes on', async () => {
    cluster = await TestCluster.start();
    const leader = await cluster.waitForLeader();
    const idle = cluster.servers.find((s) => s.id !== leader)!;
    const busy = cluster.servers.find((s) => s.id !== leader && s.id !== idle.id)!;
    const bob = await chatter(busy.wsUrl, 'bob');
    await bob.send('general', 'one', 'bob-client-01', 1);
    await idle.kill();
    await bob.send('general', 'two', 'bob-client-01', 2);
    expect((await bob.fullHistory('general')).map((m) => m.text)).toEqual(['one', 'two']);
    bob.close();
    await cluster.waitForConvergence();
  });

  it('3. a killed server restarts, catches up by itself, and a new client on it sees the whole history', async () => {
    cluster = await TestCluster.start();
    const leader = await cluster.waitForLeader();
    const victim = cluster.servers.find((s) => s.id !== leader)!;
    const other = cluster.servers.find((s) => s.id !== leader && s.id !== victim.id)!;
    await victim.kill();
    const carol = await PersistentChatter.register(other.wsUrl, 'carol');
    for (let seq = 1; seq <= 30; seq++) await carol.send(`m${seq}`, 'carol-client', seq);
    await victim.start();
    await cluster.waitForConvergence();
    const dave = await PersistentChatter.register(victim.wsUrl, 'dave');
    const history = await dave.fullHistory();
    expect(history.map((m) => m.text)).toEqual(Array.from({ length: 30 }, (_, i) => `m${i + 1}`));
    dave.close();
    carol.close();
    await cluster.waitForConvergence();
  });

  it('4. the leader is killed, then the next leader too (f = 2, five servers): chat goes on each time', async () => {
    cluster = await TestCluster.start({ size: 5 });
    let seq = 0;
    const killed: number[] = [];
    for (let round = 0; round < 2; round++) {
      const leader = await cluster.waitForLeader();
      const survivor = cluster.running().find((s) => s.id !== leader)!;
      const client = await RawClient.connect(survivor.wsUrl);
      if (round === 0) await client.register('erin');
      else await client.login('erin');
      await client.join('general');
      await client.send('general', `before kill ${round}`, 'erin-client', ++seq);
      await cluster.server(leader).kill();
      killed.push(leader);
      const started = Date.now();
      await client.send('general', `after kill ${round}`, 'erin-client', ++seq);
      expect(Date.now() - started).toBeLessThan(8000);
      client.close();
    }
    const newLeader = await cluster.waitForLeader();
    expect(killed).not.toContain(newLeader);
    const reader = await RawClient.connect(cluster.running()[0]!.wsUrl);
    await reader.login('erin');
    await reader.join('general');
    expect((await reader.fullHistory('general')).map((m) => m.text)).toEqual([
      'before kill 0',
      'after kill 0',
      'before kill 1',
      'after kill 1',
    ]);
    reader.close();
    await cluster.waitForConvergence();
  });

  it('6. a logged-in user whose server dies stays logged in on the next server', async () => {
    cluster = await TestCluster.start();
    const first = await cluster.assign();
    const frank = await RawClient.connect(first.url);
    const auth = await frank.register('frank');
    await cluster.server(first.serverId).kill();
    const next = await cluster.assign([first.serverId]);
    const resumed = await RawClient.connect(next.url);
    const again = await resumed.request<'auth_ok'>({ type: 'resume_session', token: auth.token });
    expect(again.user).toBe('frank');
    await resumed.join('general');
    await resumed.send('general', 'still me', 'frank-client', 1);
    resumed.close();
    frank.close();
    await cluster.waitForConvergence();
  });

  it('7. with 5% peer message loss everywhere, everything still commits and nothing is duplicated', async () => {
    cluster = await TestCluster.start({ faults: { 1: 'drop:0.05', 2: 'drop:0.05', 3: 'drop:0.05' } });
    const clients = await Promise.all(cluster.servers.map((s, i) => chatter(s.wsUrl, `lossy${i}`)));
    await Promise.all(
      clients.map(async (client, i) => {
        for (let seq = 1; seq <= 20; seq++)
          await client.send('general', `c${i} m${seq}`, `lossy-client-${i}`, seq);
      }),
    );
    const history = await clients[0]!.fullHistory('general');
    const keys = history.map((m) => m.text);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toHaveLength(60);
    expect(history.map((m) => m.position)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    for (const client of clients) client.close();
    await cluster.waitForConvergence(30_000);
  });
});

describe('delayed and dropped phases (the seed -mode)', () => {
  it("5a. a server whose accept/commit phases are delayed: its proposals commit only after the delay, others' at once", async () => {
    // Servers 2 and 3 start first and elect a leader; server 1 joins with its phases delayed.
    cluster = await TestCluster.start({ deferred: [1] });
    await cluster.server(1).start(['--faults', 'a:1::c:1']);
    await cluster.waitForLeader();
    const slow = await chatter(cluster.server(1).wsUrl, 'slowpoke');
    const fast = await chatter(cluster.server(2).wsUrl, 'speedy');
    let started = Date.now();
    await fast.send('general', 'quick', 'speedy-client', 1);
    expect(Date.now() - started).toBeLessThan(900);
    started = Date.now();
    await slow.send('general', 'delayed', 'slowpoke-client', 1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    slow.close();
    fast.close();
    await cluster.waitForConvergence();
  });

  it('5b. a server that drops all its outgoing peer messages (d:0): the others still commit', async () => {
    cluster = await TestCluster.start({ deferred: [1] });
    await cluster.server(1).start(['--faults', 'd:0']);
    const leader = await cluster.waitForLeader(10_000, [cluster.server(2), cluster.server(3)]);
    expect(leader).not.toBe(1);
    const client = await chatter(cluster.server(2).wsUrl, 'steady');
    for (let seq = 1; seq <= 5; seq++) await client.send('general', `m${seq}`, 'steady-client', seq);
    client.close();
    await cluster.waitForConvergence(15_000, [cluster.server(2), cluster.server(3)]);
    // Server 1 can neither vote nor ask for what it missed, so it never leads.
    expect((await cluster.server(1).health()).role).not.toBe('leader');
  });
});
