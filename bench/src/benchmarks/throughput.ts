import { benchToken, startCluster } from '../cluster.js';
import type { Benchmark, Context, Outcome } from '../context.js';
import type { ClientSpec } from '../load/clients.js';
import { LoadPool, type MergedResult } from '../load/pool.js';
import { type Cell, fmt, ms } from '../report.js';
import { deltas, type ServerDelta, sampleServers } from '../servers.js';

function specs(count: number, balancerUrl: string, prefix: string): ClientSpec[] {
  // One room per client: this measures the log, not fan-out (see the fanout benchmark).
  return Array.from({ length: count }, (_, i) => ({
    index: i,
    room: `${prefix}${i}`,
    balancers: [balancerUrl],
  }));
}

function serverCores(d: readonly ServerDelta[]): { total: number; leader: number; waiting: number } {
  return {
    total: d.reduce((s, x) => s + x.cores, 0),
    leader: d.find((x) => x.role === 'leader')?.cores ?? Number.NaN,
    waiting: Math.max(...d.map((x) => x.runQueueShare)),
  };
}

function summary(r: MergedResult) {
  const s = r.latency.summary();
  return {
    committedPerSecond: r.ackedInWindow / (r.windowMs / 1000),
    acked: r.acked,
    failed: r.failed,
    unsettled: r.unsettled,
    shed: r.shed,
    offered: r.offered,
    latencyUs: s,
    loadGen: {
      cpuSeconds: r.loadGenCpuSeconds,
      cores: r.loadGenCores,
      loopDelayP99Ms: r.loadGenLoopDelayP99Ms,
      loopDelayMaxMs: r.loadGenLoopDelayMaxMs,
    },
  };
}

export const throughput: Benchmark = {
  name: 'throughput',
  title: 'Throughput and latency (closed and open loop)',
  async run(ctx: Context): Promise<Outcome> {
    const durationMs = ctx.quick ? 3_000 : 10_000;
    const warmupMs = ctx.quick ? 500 : 1_000;
    const ks = [1, 16, 64, 256];
    const rates = [1_000, 5_000, 10_000];
    const openClients = 64;
    const cluster = await startCluster(ctx);
    const pool = LoadPool.start(ctx.workers);
    const closedRows: Cell[][] = [];
    const openRows: Cell[][] = [];
    const data: { closed: unknown[]; open: unknown[]; idleServerCores?: number } = { closed: [], open: [] };
    const notes: string[] = [];
    try {
      const token = await benchToken(cluster);
      {
        // Baseline: what the servers burn with no clients (ticks, heartbeats, gossip, balancer).
        const before = await sampleServers(cluster);
        await new Promise((resolve) => setTimeout(resolve, 3_000));
        const idle = serverCores(deltas(before, await sampleServers(cluster)));
        data.idleServerCores = idle.total;
        closedRows.push([
          0,
          '-',
          '-',
          '-',
          '-',
          '-',
          '-',
          fmt(idle.total, 2),
          fmt(idle.leader, 2),
          '-',
          `${fmt(100 * idle.waiting, 0)}%`,
          '-',
          '-',
        ]);
      }
      for (const k of ks) {
        ctx.log(`closed loop K=${k}: connecting`);
        const failed = await pool.connect(token, specs(k, cluster.balancerUrl, `k${k}-`));
        if (failed > 0) notes.push(`K=${k}: ${failed} clients failed to connect in time`);
        await pool.closedLoop({ durationMs: warmupMs });
        ctx.log(`closed loop K=${k}: ${durationMs / 1000} s`);
        const before = await sampleServers(cluster);
        const r = await pool.closedLoop({ durationMs });
        const after = await sampleServers(cluster);
        await pool.disconnect();
        const d = deltas(before, after);
        const cores = serverCores(d);
        const s = summary(r);
        data.closed.push({ k, ...s, servers: d });
        closedRows.push([
          k,
          fmt(s.committedPerSecond, 0),
          ms(s.latencyUs.p50),
          ms(s.latencyUs.p99),
          ms(s.latencyUs.p999),
          ms(s.latencyUs.max),
          r.failed,
          fmt(cores.total, 2),
          fmt(cores.leader, 2),
          fmt((cores.total * 1e6) / Math.max(1, s.committedPerSecond), 0),
          `${fmt(100 * cores.waiting, 0)}%`,
          fmt(r.loadGenCores, 2),
          fmt(r.loadGenLoopDelayP99Ms, 1),
        ]);
        ctx.log(
          `  ${fmt(s.committedPerSecond, 0)} msgs/s, p50 ${ms(s.latencyUs.p50)} ms, p99 ${ms(s.latencyUs.p99)} ms`,
        );
      }

      ctx.log(`open loop: connecting ${openClients} clients`);
      const failed = await pool.connect(token, specs(openClients, cluster.balancerUrl, 'open-'));
      if (failed > 0) notes.push(`open loop: ${failed} clients failed to connect in time`);
      await pool.closedLoop({ durationMs: warmupMs });
      for (const rate of rates) {
        ctx.log(`open loop ${rate}/s: ${durationMs / 1000} s`);
        const before = await sampleServers(cluster);
        const r = await pool.openLoop({ durationMs, ratePerSecond: rate });
        const after = await sampleServers(cluster);
        const d = deltas(before, after);
        const cores = serverCores(d);
        const s = summary(r);
        data.open.push({ offeredRate: rate, clients: openClients, ...s, servers: d });
        openRows.push([
          rate,
          fmt(s.committedPerSecond, 0),
          ms(s.latencyUs.p50),
          ms(s.latencyUs.p99),
          ms(s.latencyUs.p999),
          ms(s.latencyUs.max),
          r.shed,
          r.unsettled,
          fmt(cores.total, 2),
          `${fmt(100 * cores.waiting, 0)}%`,
          fmt(r.loadGenCores, 2),
        ]);
        ctx.log(
          `  achieved ${fmt(s.committedPerSecond, 0)}/s, p99 ${ms(s.latencyUs.p99)} ms, shed ${r.shed}`,
        );
        // Let a backlog from an overloaded step drain before the next one.
        await pool.closedLoop({ durationMs: 200, drainMs: 30_000 });
      }
      await pool.disconnect();
    } finally {
      await pool.close();
      await cluster.close();
    }
    notes.push(
      "K = 0 is the idle baseline (3 s, no clients): ticks, heartbeats, status gossip and balancer heartbeats. server CPU µs/msg = all three servers' CPU per committed message (the baseline included).",
      `Closed loop: K QuorumClients (one send in flight each, the client library's contract), one room per client, assigned by the balancer; ${durationMs / 1000} s per K after a ${warmupMs} ms warm-up; 64-byte texts; ${ctx.workers} load-generator process(es).`,
      `Open loop: ${openClients} clients, sends scheduled at a fixed total rate; latency from the SCHEDULED time (coordinated omission accounted for). A client with 500 sends queued sheds further ones ("shed"); "unsettled" were still pending 10 s after the window.`,
      'server cores = CPU seconds of the 3 server processes (from /proc/<pid>/stat) per second of wall time; load gen cores = the same for the load-generator processes; loop p99 = their event-loop delay p99 (a high value means the load generator itself was the bottleneck). server runq wait = the largest share of the window the event-loop thread of a server spent runnable but waiting for a CPU (/proc/<pid>/schedstat): high values mean the servers were starved by other processes (the load generator, other jobs on the machine). The machine has only the cores listed above for everything.',
    );
    return {
      options: { durationMs, warmupMs, ks, rates, openClients, workers: ctx.workers },
      tables: [
        {
          title: 'Closed loop: committed messages/s and send->ack latency (ms)',
          columns: [
            'K clients',
            'msgs/s',
            'p50',
            'p99',
            'p99.9',
            'max',
            'failed',
            'server cores',
            'leader cores',
            'server CPU µs/msg',
            'server runq wait',
            'load gen cores',
            'load gen loop p99 ms',
          ],
          rows: closedRows,
        },
        {
          title: `Open loop (${openClients} clients): achieved rate and scheduled->ack latency (ms)`,
          columns: [
            'offered/s',
            'achieved/s',
            'p50',
            'p99',
            'p99.9',
            'max',
            'shed',
            'unsettled',
            'server cores',
            'server runq wait',
            'load gen cores',
          ],
          rows: openRows,
        },
      ],
      notes,
      data,
    };
  },
};
