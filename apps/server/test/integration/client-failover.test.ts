import { nodeWebSocketFactory, QuorumClient } from '@quorum/client/node';
import type { ChatMessage } from '@quorum/protocol';
import { TestCluster, waitFor } from '@quorum/testkit';
import { afterEach, describe, expect, it } from 'vitest';

/** The client library against a real cluster: failover mid-send, exactly once, same order everywhere. */
let cluster: TestCluster | null = null;
const clients: QuorumClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await cluster?.close();
  cluster = null;
});

function chatClient(c: TestCluster, user: string): { client: QuorumClient; seen: ChatMessage[] } {
  const client = new QuorumClient({
    balancers: [c.balancerUrl],
    credentials: { user, password: 'correct horse battery' },
    register: true,
    rooms: ['general'],
    webSocketFactory: nodeWebSocketFactory,
    requestTimeoutMs: 4000,
    pingIntervalMs: 500,
    pongTimeoutMs: 1000,
  });
  const seen: ChatMessage[] = [];
  client.on('message', ({ room, message }) => {
    if (room === 'general') seen.push(message);
  });
  clients.push(client);
  return { client, seen };
}

function keys(messages: readonly ChatMessage[]): string[] {
  return messages.map((m) => `${m.position}:${m.author}:${m.text}`);
}

describe('client library on a real cluster', () => {
  it('delivers every message exactly once and in the same order on every client across failovers mid-send', async () => {
    cluster = await TestCluster.start();
    const alice = chatClient(cluster, 'alice');
    const bob = chatClient(cluster, 'bob');
    await Promise.all([alice.client.connect(), bob.client.connect()]);
    const settled: Promise<unknown>[] = [];
    const perClient = 40;
    let killed = 0;
    for (let i = 0; i < perClient; i++) {
      settled.push(alice.client.send('general', `alice ${i}`).settled);
      settled.push(bob.client.send('general', `bob ${i}`).settled);
      if (i === 10 || i === 25) {
        // Kill the server alice is on (mid-send: her outbox has unacknowledged messages), then restart it.
        const victim = alice.client.serverId;
        if (victim !== null) {
          await cluster.server(victim).kill();
          killed++;
          await cluster.server(victim).start();
        }
      }
    }
    const results = (await Promise.all(settled)) as { state: string; position?: number }[];
    expect(killed).toBe(2);
    expect(results.every((r) => r.state === 'delivered')).toBe(true);
    await waitFor(
      'both clients to see all messages',
      () => alice.seen.length >= 2 * perClient && bob.seen.length >= 2 * perClient,
      {
        timeoutMs: 20_000,
      },
    );
    expect(keys(alice.seen)).toEqual(keys(bob.seen));
    expect(alice.seen.map((m) => m.position)).toEqual(alice.seen.map((_, i) => i + 1));
    const texts = alice.seen.map((m) => m.text);
    expect(new Set(texts).size).toBe(2 * perClient);
    // Each sender's own messages keep their send order.
    for (const who of ['alice', 'bob']) {
      const own = texts.filter((t) => t.startsWith(who)).map((t) => Number(t.split(' ')[1]));
      expect(own).toEqual(Array.from({ length: perClient }, (_, i) => i));
    }
    await cluster.waitForConvergence();
  });

  it('survives repeated kill -9 of a server in its write path under load: nothing acknowledged is lost', async () => {
    cluster = await TestCluster.start();
    const writer = chatClient(cluster, 'writer');
    await writer.client.connect();
    const acked = new Map<string, number>();
    let stop = false;
    const load = (async () => {
      for (let i = 0; !stop && i < 5000; i++) {
        const result = (await writer.client.send('general', `w${i}`).settled) as {
          state: string;
          position?: number;
        };
        if (result.state === 'delivered' && result.position !== undefined)
          acked.set(`w${i}`, result.position);
      }
    })();
    const cycles = 6;
    for (let cycle = 0; cycle < cycles; cycle++) {
      const before = acked.size;
      await waitFor('progress before the kill', () => acked.size >= before + 5, { timeoutMs: 15_000 });
      // Alternate between the leader (its durable write is on every commit's path) and a follower.
      const leader = await cluster.waitForLeader();
      const victim = cycle % 2 === 0 ? leader : cluster.servers.find((s) => s.id !== leader)!.id;
      await cluster.server(victim).kill();
      await cluster.server(victim).start();
    }
    stop = true;
    await load;
    await cluster.waitForConvergence(20_000);
    const history = await writer.client.history('general', { limit: 200 });
    const all: ChatMessage[] = [...history.messages];
    let before = all[0]?.position;
    while (before !== undefined && before > 1) {
      const page = await writer.client.history('general', { before, limit: 200 });
      all.unshift(...page.messages);
      before = page.messages[0]?.position;
      if (page.messages.length === 0) break;
    }
    const byText = new Map(all.map((m) => [m.text, m.position]));
    for (const [text, position] of acked) expect(byText.get(text)).toBe(position);
    expect(all.map((m) => m.position)).toEqual(all.map((_, i) => i + 1));
    console.log(
      `crash cycles: ${cycles} kill -9 + restart cycles survived, ${acked.size} acknowledged, 0 lost`,
    );
    // Six kill and restart cycles: about 35 s on a quiet 2-core machine, over 60 s beside two CPU hogs.
  }, 180_000);

  it('a client whose server is cut off from the majority moves to a server that can commit', async () => {
    cluster = await TestCluster.start({ adminToken: 'cut-off-token', productionCutOff: true });
    const leader = await cluster.waitForLeader();
    const isolated = cluster.servers.find((s) => s.id !== leader)!;
    const client = new QuorumClient({
      servers: [{ id: isolated.id, url: isolated.wsUrl }],
      balancers: [cluster.balancerUrl],
      credentials: { user: 'islander', password: 'correct horse battery' },
      register: true,
      rooms: ['general'],
      webSocketFactory: nodeWebSocketFactory,
    });
    clients.push(client);
    await client.connect();
    // Make sure the client sits on the server about to be cut off.
    await waitFor(
      'the client on the chosen server',
      async () => {
        if (client.serverId === isolated.id) return true;
        const current = client.serverId;
        if (current !== null)
          await cluster!
            .server(current)
            .kill()
            .then(() => cluster!.server(current).start());
        return false;
      },
      { timeoutMs: 30_000 },
    );
    expect((await client.send('general', 'before').settled).state).toBe('delivered');
    const fault = async (server: number, spec: string) => {
      const response = await fetch(`${cluster!.server(server).httpUrl}/admin/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer cut-off-token' },
        body: JSON.stringify({ spec }),
      });
      expect(response.status).toBe(200);
    };
    // Cut the server off both ways: it drops everything it sends, the others drop what they send it.
    await fault(isolated.id, 'd:0');
    for (const other of cluster.servers)
      if (other.id !== isolated.id) await fault(other.id, `d:0::to:${isolated.id}`);
    const started = Date.now();
    const result = await client.send('general', 'during the cut').settled;
    expect(result.state).toBe('delivered');
    expect(client.serverId).not.toBe(isolated.id);
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
