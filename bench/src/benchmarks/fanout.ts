import { benchToken, startCluster } from '../cluster.js';
import type { Benchmark, Context, Outcome } from '../context.js';
import type { ClientSpec } from '../load/clients.js';
import { LoadPool } from '../load/pool.js';
import { type Cell, fmt, ms } from '../report.js';
import { deltas, sampleServers } from '../servers.js';

export const fanout: Benchmark = {
  name: 'fanout',
  title: 'Fan-out: rooms with many members, one sender per room',
  async run(ctx: Context): Promise<Outcome> {
    const durationMs = ctx.quick ? 3_000 : 10_000;
    const shapes: { rooms: number; members: number }[] = ctx.quick
      ? [{ rooms: 10, members: 10 }]
      : [
          { rooms: 10, members: 10 },
          { rooms: 2, members: 50 },
        ];
    const cluster = await startCluster(ctx);
    const pool = LoadPool.start(ctx.workers);
    const rows: Cell[][] = [];
    const data: unknown[] = [];
    try {
      const token = await benchToken(cluster);
      for (const { rooms, members } of shapes) {
        // Members are assigned by the balancer (least loaded), so each room spans every server.
        const clients: ClientSpec[] = [];
        for (let r = 0; r < rooms; r++)
          for (let m = 0; m < members; m++)
            clients.push({
              index: r * members + m,
              room: `fan${rooms}x${members}-${r}`,
              balancers: [cluster.balancerUrl],
            });
        const senders = Array.from({ length: rooms }, (_, r) => r * members);
        ctx.log(`R=${rooms} M=${members}: connecting ${clients.length} clients`);
        const failed = await pool.connect(token, clients, { listen: true });
        await pool.closedLoop({ durationMs: 500, senders });
        ctx.log(`R=${rooms} M=${members}: ${durationMs / 1000} s`);
        const before = await sampleServers(cluster);
        const result = await pool.closedLoop({ durationMs, senders });
        const after = await sampleServers(cluster);
        await pool.disconnect();
        const d = deltas(before, after);
        const seconds = result.windowMs / 1000;
        const ack = result.latency.summary();
        const delivery = result.deliveryLatency.summary();
        const expected = result.acked * (members - 1);
        data.push({
          rooms,
          members,
          connectFailed: failed,
          messagesPerSecond: result.ackedInWindow / seconds,
          deliveriesPerSecond: result.deliveriesInWindow / seconds,
          deliveries: result.deliveries,
          expectedDeliveries: expected,
          ackLatencyUs: ack,
          deliveryLatencyUs: delivery,
          loadGenCores: result.loadGenCores,
          loadGenLoopDelayP99Ms: result.loadGenLoopDelayP99Ms,
          servers: d,
        });
        rows.push([
          rooms,
          members,
          fmt(result.ackedInWindow / seconds, 0),
          fmt(result.deliveriesInWindow / seconds, 0),
          `${fmt((100 * result.deliveries) / Math.max(1, expected), 1)}%`,
          ms(delivery.p50),
          ms(delivery.p99),
          ms(delivery.max),
          ms(ack.p50),
          ms(ack.p99),
          fmt(
            d.reduce((s, x) => s + x.cores, 0),
            2,
          ),
          fmt(result.loadGenCores, 2),
        ]);
        ctx.log(
          `  ${fmt(result.deliveriesInWindow / seconds, 0)} deliveries/s, p50 ${ms(delivery.p50)} ms, p99 ${ms(delivery.p99)} ms`,
        );
      }
    } finally {
      await pool.close();
      await cluster.close();
    }
    return {
      options: { durationMs, shapes, workers: ctx.workers },
      tables: [
        {
          title: 'Fan-out: deliveries to the other members, and send -> delivered latency (ms)',
          columns: [
            'rooms',
            'members',
            'msgs/s',
            'deliveries/s',
            'delivered',
            'deliv p50',
            'deliv p99',
            'deliv max',
            'ack p50',
            'ack p99',
            'server cores',
            'load gen cores',
          ],
          rows,
        },
      ],
      notes: [
        `One sender per room sends closed loop (one in flight) for ${durationMs / 1000} s; every member is a QuorumClient assigned by the balancer, so a room's members sit on all three servers. A delivery is a live \`message\` event at another member; its latency runs from the sender's send() to that event (clocks: performance.timeOrigin + now(), shared by the processes of this machine). "delivered" = deliveries / (acks x (members - 1)); a little above 100% when deliveries of sends still in flight at the end arrive.`,
      ],
      data,
    };
  },
};
