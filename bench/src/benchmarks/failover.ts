import { performance } from 'node:perf_hooks';
import type { ServerProcess, TestCluster } from '@quorum/testkit';
import { benchToken, leaderOf, startCluster } from '../cluster.js';
import { type Benchmark, type Context, type Outcome, sleep } from '../context.js';
import { Histogram } from '../histogram.js';
import { type BenchClient, connectAll, createClient } from '../load/clients.js';
import { type Cell, ms } from '../report.js';

interface Ack {
  /** When the send was issued and acknowledged (performance.now()). */
  readonly sentAt: number;
  readonly ackedAt: number;
  readonly serverId: number | null;
}

/** A client sending closed loop (one in flight) and remembering every ack. */
class Chatter {
  readonly acks: Ack[] = [];
  /** Every connection state change, with its time (performance.now()). */
  readonly states: { at: number; state: string; serverId: number | null; detail: string }[] = [];
  private running = true;
  private readonly done: Promise<void>;

  constructor(readonly bench: BenchClient) {
    bench.client.on('state', (s) =>
      this.states.push({
        at: performance.now(),
        state: s.state,
        serverId: s.serverId,
        detail: [s.url, s.reason, s.retryInMs === undefined ? '' : `retry in ${s.retryInMs} ms`]
          .filter(Boolean)
          .join(' '),
      }),
    );
    this.done = this.loop();
  }

  /** When the client was next `connected` after `t`. */
  connectedAfter(t: number): number | undefined {
    return this.states.find((s) => s.at > t && s.state === 'connected')?.at;
  }

  private async loop(): Promise<void> {
    const { client, spec } = this.bench;
    while (this.running) {
      const sentAt = performance.now();
      let entry: Awaited<ReturnType<typeof client.send>['settled']>;
      try {
        entry = await client.send(spec.room, `failover ${sentAt.toFixed(3)}`).settled;
      } catch {
        await sleep(5);
        continue;
      }
      if (entry.state === 'delivered')
        this.acks.push({ sentAt, ackedAt: performance.now(), serverId: client.serverId });
    }
  }

  /** The first ack after `t` (optionally only of a send issued at or after `t`). */
  firstAckAfter(t: number, issuedAfter = false): Ack | undefined {
    return this.acks.find((a) => a.ackedAt > t && (!issuedAfter || a.sentAt >= t));
  }

  async stop(): Promise<void> {
    this.running = false;
    this.bench.client.close(); // a send still pending never settles after close: don't wait on it
    await Promise.race([this.done, sleep(100)]);
  }
}

function serverInfo(s: ServerProcess) {
  return { id: s.id, url: s.wsUrl };
}

/** Time from `t` until some survivor reports itself leader (polled every 10 ms). */
async function watchElection(
  among: readonly ServerProcess[],
  t: number,
  timeoutMs: number,
): Promise<number | null> {
  const deadline = t + timeoutMs;
  while (performance.now() < deadline) {
    const healths = await Promise.all(among.map((s) => s.health().catch(() => null)));
    if (healths.some((h) => h?.role === 'leader')) return performance.now() - t;
    await sleep(10);
  }
  return null;
}

interface Trial {
  readonly trial: number;
  readonly killed: number;
  readonly viaFollower: number;
  readonly electedMs: number | null;
  /** Client on a surviving follower: first ack of a send issued after the kill / any ack after it. */
  readonly followerClientMs: number | null;
  readonly followerClientAnyAckMs: number | null;
  /** Client on the killed leader: first ack after the kill (necessarily through another server). */
  readonly movedClientMs: number | null;
  readonly movedClientServer: number | null;
  /** When the moved client was connected (handshake, session resumed, rooms rejoined) elsewhere. */
  readonly movedClientConnectedMs: number | null;
  readonly movedClientStates: readonly {
    ms: number;
    state: string;
    serverId: number | null;
    detail: string;
  }[];
}

async function trial(cluster: TestCluster, token: string, n: number, ctx: Context): Promise<Trial> {
  const leader = await leaderOf(cluster);
  const followers = cluster.running().filter((s) => s.id !== leader.id);
  const follower = followers[0]!;
  // A: only knows a surviving follower, so it stays there. B: knows the leader first (connects
  // there) and the others as fallbacks, as a client that lost its balancer would.
  const a = createClient({ index: n * 2, room: 'failover-a', servers: [serverInfo(follower)] }, token, 99);
  const b = createClient(
    { index: n * 2 + 1, room: 'failover-b', servers: [leader, ...followers].map(serverInfo) },
    token,
    99,
  );
  const failed = await connectAll([a, b], 15_000);
  if (failed > 0) throw new Error('failover clients could not connect');
  if (a.client.serverId !== follower.id || b.client.serverId !== leader.id)
    throw new Error(
      `clients landed on ${a.client.serverId}/${b.client.serverId}, wanted ${follower.id}/${leader.id}`,
    );
  const chatA = new Chatter(a);
  const chatB = new Chatter(b);
  await sleep(1_000);
  const killAt = performance.now();
  const election = watchElection(followers, killAt, 15_000);
  await leader.kill();
  const limit = killAt + 15_000;
  while (
    performance.now() < limit &&
    (chatA.firstAckAfter(killAt, true) === undefined || chatB.firstAckAfter(killAt) === undefined)
  ) {
    await sleep(5);
  }
  const electedMs = await election;
  await chatA.stop();
  await chatB.stop();
  const fa = chatA.firstAckAfter(killAt, true);
  const faAny = chatA.firstAckAfter(killAt);
  const fb = chatB.firstAckAfter(killAt);
  const result: Trial = {
    trial: n,
    killed: leader.id,
    viaFollower: follower.id,
    electedMs,
    followerClientMs: fa ? fa.ackedAt - killAt : null,
    followerClientAnyAckMs: faAny ? faAny.ackedAt - killAt : null,
    movedClientMs: fb ? fb.ackedAt - killAt : null,
    movedClientServer: fb?.serverId ?? null,
    movedClientConnectedMs: ((c) => (c === undefined ? null : c - killAt))(chatB.connectedAfter(killAt)),
    movedClientStates: chatB.states
      .filter((s) => s.at >= killAt)
      .map((s) => ({
        ms: Math.round(s.at - killAt),
        state: s.state,
        serverId: s.serverId,
        detail: s.detail,
      })),
  };
  ctx.log(
    `trial ${n}: killed leader ${leader.id}; elected after ${electedMs?.toFixed(0)} ms; client on ${follower.id}: ${result.followerClientMs?.toFixed(0)} ms; client on the leader: ${result.movedClientMs?.toFixed(0)} ms (now on ${result.movedClientServer})`,
  );
  await leader.start();
  await cluster.waitForConvergence(30_000);
  await cluster.waitForLeader(10_000);
  return result;
}

export const failover: Benchmark = {
  name: 'failover',
  title: 'Failover: SIGKILL the leader while clients send',
  async run(ctx: Context): Promise<Outcome> {
    const trials = ctx.quick ? 3 : 5;
    const cluster = await startCluster(ctx);
    const results: Trial[] = [];
    try {
      const token = await benchToken(cluster);
      for (let n = 1; n <= trials; n++) results.push(await trial(cluster, token, n, ctx));
    } finally {
      await cluster.close();
    }
    const rows: Cell[][] = [];
    const stat = (label: string, pick: (t: Trial) => number | null) => {
      const h = new Histogram();
      let missing = 0;
      for (const t of results) {
        const v = pick(t);
        if (v === null) missing++;
        else h.record(v * 1000);
      }
      const s = h.summary();
      rows.push([label, ms(s.min), ms(s.p50), ms(s.max), missing]);
    };
    stat('a new leader reports itself (polled every 10 ms)', (t) => t.electedMs);
    stat('client on a follower: first ack of a send issued after the kill', (t) => t.followerClientMs);
    stat('client on a follower: first ack of any send after the kill', (t) => t.followerClientAnyAckMs);
    stat('client on the killed leader: connected to another server', (t) => t.movedClientConnectedMs);
    stat('client on the killed leader: first ack after the kill (other server)', (t) => t.movedClientMs);
    return {
      options: { trials },
      tables: [
        {
          title: `Failover over ${trials} trials: ms from SIGKILL of the leader`,
          columns: ['measure', 'min', 'p50', 'max', 'missing'],
          rows,
        },
        {
          title: 'Per trial (ms)',
          columns: [
            'trial',
            'killed',
            'elected',
            'follower client',
            'moved: connected',
            'moved: first ack',
            'moved to',
          ],
          rows: results.map((t) => [
            t.trial,
            t.killed,
            t.electedMs === null ? null : Math.round(t.electedMs),
            t.followerClientMs === null ? null : Math.round(t.followerClientMs),
            t.movedClientConnectedMs === null ? null : Math.round(t.movedClientConnectedMs),
            t.movedClientMs === null ? null : Math.round(t.movedClientMs),
            t.movedClientServer,
          ]),
        },
      ],
      notes: [
        'Each trial: two QuorumClients send closed loop (one in flight) — one connected to a follower that survives, one connected to the leader (it also knows the other servers, as after a balancer outage). After 1 s the leader gets SIGKILL; the clock starts just before the signal. Then the killed server restarts and the bench waits for all three digests to match before the next trial.',
        '"first ack of a send issued after the kill" is the strict measure (no ack of a command the old leader had already committed can count); "missing" = no ack within 15 s.',
        'The election timeout is randomized over electionTicks (20) x tick-ms (10); the client side adds its reconnect backoff (first attempt after 50..250 ms) for the moved client.',
      ],
      data: results,
    };
  },
};
