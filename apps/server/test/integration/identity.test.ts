import { MAX_COMMANDS_IN_FLIGHT } from '@quorum/protocol';
import { RawClient, RequestFailed, TestCluster, waitFor } from '@quorum/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * A command's identity is (user, clientId, seq): another user who sends the same (clientId, seq)
 * sends a command of their own, on any server, at any moment. And a retry of any seq a client
 * may have in flight gets that seq's first outcome. Each test fails when commands are keyed by
 * (clientId, seq) alone at any layer (pending commands, the leader's in-flight dedup, the state
 * machine) or when only the newest seq is remembered.
 */
let cluster: TestCluster;

beforeAll(async () => {
  // A high send rate so that the flood below fits in seconds; every other limit as shipped.
  cluster = await TestCluster.start({ extraServerArgs: ['--sends-per-second', '100000'] });
});

afterAll(async () => {
  await cluster?.close();
});

async function user(server: number, name: string, room: string): Promise<RawClient> {
  const client = await RawClient.connect(cluster.server(server).wsUrl);
  await client.register(name);
  await client.join(room);
  return client;
}

/** The message at each position of the room, as the server's history has it. */
async function byPosition(
  reader: RawClient,
  room: string,
): Promise<Map<number, { author: string; text: string }>> {
  const history = await reader.fullHistory(room);
  return new Map(history.map((m) => [m.position, { author: m.author, text: m.text }]));
}

async function race(attacker: RawClient, victim: RawClient, room: string, trials: number) {
  const victimAcks: { position: number; text: string }[] = [];
  const clientId = 'victim-client-1';
  for (let seq = 1; seq <= trials; seq++) {
    const text = `victim ${seq}`;
    // The attacker's frame with the victim's (clientId, seq) goes out at the same moment.
    const [ack] = await Promise.all([
      victim.send(room, text, clientId, seq),
      attacker.send(room, `attacker ${seq}`, clientId, seq),
    ]);
    victimAcks.push({ position: ack.position, text });
  }
  return victimAcks;
}

describe("nobody can touch another user's messages through a borrowed (clientId, seq)", () => {
  it('same server, same moment: every ack names the sender’s own message, posted once', async () => {
    const victim = await user(1, 'victim-a', 'same-server');
    const attacker = await user(1, 'attacker-a', 'same-server');
    const acks = await race(attacker, victim, 'same-server', 20);
    const messages = await byPosition(victim, 'same-server');
    for (const ack of acks)
      expect(messages.get(ack.position)).toEqual({ author: 'victim-a', text: ack.text });
    const victims = [...messages.values()].filter((m) => m.author === 'victim-a').map((m) => m.text);
    expect(victims.sort()).toEqual(acks.map((a) => a.text).sort());
    expect(messages.size).toBe(40); // the attacker's 20 were posted too, as the attacker's
    victim.close();
    attacker.close();
  });

  it('another server: the same holds when the colliding commands meet at the leader', async () => {
    const leader = await cluster.waitForLeader();
    const followers = cluster.servers.map((s) => s.id).filter((id) => id !== leader);
    const victim = await user(followers[0]!, 'victim-b', 'cross-server');
    const attacker = await user(followers[1]!, 'attacker-b', 'cross-server');
    const acks = await race(attacker, victim, 'cross-server', 30);
    const messages = await byPosition(victim, 'cross-server');
    for (const ack of acks)
      expect(messages.get(ack.position)).toEqual({ author: 'victim-b', text: ack.text });
    expect([...messages.values()].filter((m) => m.author === 'victim-b')).toHaveLength(30);
    victim.close();
    attacker.close();
  });

  it("other users' client ids and seqs never reach a client", async () => {
    const author = await user(2, 'author-c', 'private-ids');
    const reader = await user(3, 'reader-c', 'private-ids');
    const raw: string[] = [];
    reader.socket.on('message', (data: Buffer) => raw.push(data.toString('utf8')));
    await author.send('private-ids', 'look at my ids', 'author-secret-client', 7);
    await reader.waitForEvent('message', (e) => e.message.text === 'look at my ids');
    raw.push(JSON.stringify(await reader.fullHistory('private-ids')));
    raw.push(JSON.stringify(await reader.request({ type: 'resume', room: 'private-ids', after: 0 })));
    expect(raw.join('\n')).not.toContain('author-secret-client');
    expect(raw.join('\n')).not.toMatch(/"clientId"|"seq"/);
    author.close();
    reader.close();
  });
});

describe('dedup is bounded per user: one user cannot evict another’s entries', () => {
  it('after one user floods 110,000 fresh client ids, another user’s retry is still applied once', async () => {
    const victim = await user(1, 'victim-d', 'flood');
    const flooder = await user(1, 'flooder-d', 'flood-own');
    const first = await victim.send('flood', 'only once', 'victim-d-client', 1);
    const target = await flooder.send('flood-own', 'to react to', 'flooder-d-client', 1);
    // The flood: reactions, each from a fresh client id, pipelined 512 at a time — more than the
    // 100,000 entries a table shared by everyone could hold. The same reaction each time, in the
    // flooder's own room: only the first changes anything, so no event fans out and the flood
    // costs the cluster little besides the dedup entries it is about.
    const total = 110_000;
    const window = 512;
    let next = 0;
    const worker = async () => {
      while (next < total) {
        const i = next++;
        await flooder.request<'ok'>(
          {
            type: 'react',
            room: 'flood-own',
            clientId: `flood-${i}-xxxx`,
            seq: 1,
            position: target.position,
            emoji: '👍',
            on: true,
          },
          60_000,
        );
      }
    };
    await Promise.all(Array.from({ length: window }, worker));
    const retry = await victim.send('flood', 'only once', 'victim-d-client', 1);
    expect(retry.position).toBe(first.position);
    const copies = (await victim.fullHistory('flood')).filter((m) => m.text === 'only once');
    expect(copies).toHaveLength(1);
    victim.close();
    flooder.close();
  }, 120_000);
});

describe(`the retry contract: up to MAX_COMMANDS_IN_FLIGHT (${MAX_COMMANDS_IN_FLIGHT}) in flight`, () => {
  it('retries of earlier seqs, in and out of order, get their first outcome, on another server', async () => {
    const client = await user(1, 'retrier-e', 'retries');
    const sends = Array.from({ length: 5 }, (_, i) => ({ seq: i + 1, text: `in flight ${i + 1}` }));
    const acks = await Promise.all(sends.map((s) => client.send('retries', s.text, 'retrier-client', s.seq)));
    const other = await RawClient.connect(cluster.server(2).wsUrl);
    await other.login('retrier-e');
    await other.join('retries');
    for (const index of [2, 0, 4, 1, 3]) {
      const retry = await other.send('retries', sends[index]!.text, 'retrier-client', sends[index]!.seq);
      expect(retry.position).toBe(acks[index]!.position);
    }
    expect(await other.fullHistory('retries')).toHaveLength(5);
    client.close();
    other.close();
  });

  it('sends in flight when their server dies are resent elsewhere, out of order, and posted once each', async () => {
    const leader = await cluster.waitForLeader();
    const victimServer = cluster.servers.map((s) => s.id).find((id) => id !== leader)!;
    const client = await user(victimServer, 'failover-f', 'failover');
    const texts = Array.from({ length: MAX_COMMANDS_IN_FLIGHT }, (_, i) => `pending ${i + 1}`);
    // Sent without waiting, then the server is killed: some may have committed, some not.
    const inFlight = texts.map((text, i) =>
      client.send('failover', text, 'failover-client', i + 1).catch(() => null),
    );
    await cluster.server(victimServer).kill();
    await Promise.all(inFlight);
    const survivor = cluster.servers.find((s) => s.running)!.id;
    const other = await RawClient.connect(cluster.server(survivor).wsUrl);
    await other.login('failover-f');
    await other.join('failover');
    const order = [7, 3, 0, 5, 1, 6, 2, 4];
    const positions = new Map<number, number>();
    for (const index of order) {
      const ack = await waitFor(`ack of resend ${index + 1}`, () =>
        other.send('failover', texts[index]!, 'failover-client', index + 1).catch((e: unknown) => {
          if (e instanceof RequestFailed && e.reply.retryable) return undefined;
          throw e;
        }),
      );
      positions.set(index, ack.position);
    }
    const history = await other.fullHistory('failover');
    expect(history.map((m) => m.text).sort()).toEqual([...texts].sort());
    for (const [index, position] of positions)
      expect(history.find((m) => m.position === position)?.text).toBe(texts[index]);
    other.close();
    client.close();
    await cluster.server(victimServer).start();
  }, 60_000);
});
