import { performance } from 'node:perf_hooks';
import type { ServerProcess } from '@quorum/testkit';
import { benchToken, leaderOf, metricsOf, startCluster } from '../cluster.js';
import { type Benchmark, type Context, type Outcome, sleep } from '../context.js';
import type { ClientSpec } from '../load/clients.js';
import { LoadPool } from '../load/pool.js';
import { type Cell, fmt } from '../report.js';

interface Case {
  readonly label: string;
  readonly messages: number;
  readonly snapshotEvery: number | null;
  /** Keep sending (a few clients, so ~1 command per slot) until the gap is this many slots. */
  readonly minGapSlots?: number;
  readonly clients: number;
}

interface CaseResult {
  readonly label: string;
  readonly snapshotEvery: number | null;
  readonly messages: number;
  readonly sendSeconds: number;
  readonly sendRate: number;
  readonly victim: number;
  readonly victimAppliedBefore: number;
  readonly target: number;
  readonly gapSlots: number;
  readonly startMs: number;
  readonly catchUpMs: number | null;
  readonly totalMs: number | null;
  readonly slotsPerSecond: number | null;
  readonly leaderSnapshotSlot: number;
  readonly victimSnapshotSlot: number;
  readonly snapshotInstalled: boolean;
  readonly firstJump: number;
}

async function digestSlot(server: ServerProcess): Promise<number> {
  return (await server.digest())?.lastAppliedSlot ?? 0;
}

/**
 * Whether the restarted replica installed a snapshot (no server metric counts installs): a
 * replica records a digest for every slot it applies itself (the last 4096 of them), never for
 * slots it skipped by installing a snapshot. The catch-up loop looks for a digest of the first
 * slot after the gap while it runs; if the replica never applied it and its snapshot slot moved
 * past the gap's start, it installed a snapshot.
 */
async function appliedItself(victim: ServerProcess, slot: number): Promise<boolean> {
  return (await victim.digest(slot).catch(() => null)) !== null;
}

async function runCase(c: Case, ctx: Context): Promise<CaseResult> {
  const extra = c.snapshotEvery === null ? [] : ['--snapshot-every', String(c.snapshotEvery)];
  const cluster = await startCluster(ctx, { extraServerArgs: extra });
  const pool = LoadPool.start(ctx.workers);
  try {
    const token = await benchToken(cluster);
    const leader = await leaderOf(cluster);
    const victim = cluster.running().find((s) => s.id !== leader.id)!;
    const survivors = cluster.running().filter((s) => s !== victim);
    await sleep(300);
    const victimAppliedBefore = await digestSlot(victim);
    await victim.kill();
    ctx.log(
      `${c.label}: killed follower ${victim.id} at slot ${victimAppliedBefore}; sending ${c.messages} messages`,
    );
    // Clients know only the survivors (rotated, so they spread): none lands on the dead server.
    const specs: ClientSpec[] = Array.from({ length: c.clients }, (_, i) => ({
      index: i,
      room: `catchup-${i}`,
      servers: [survivors[i % 2]!, survivors[(i + 1) % 2]!].map((s) => ({ id: s.id, url: s.wsUrl })),
    }));
    await pool.connect(token, specs);
    const t0 = performance.now();
    let sent = 0;
    const sendBudgetMs = ctx.quick ? 120_000 : 300_000;
    const r = await pool.closedLoop({ durationMs: sendBudgetMs, maxCount: c.messages });
    sent += r.acked;
    if (c.minGapSlots !== undefined) {
      // Stretch the gap past the leader's retention (in slots, not messages).
      while (
        (await digestSlot(leader)) - victimAppliedBefore < c.minGapSlots &&
        performance.now() - t0 < sendBudgetMs
      ) {
        sent += (await pool.closedLoop({ durationMs: 5_000 })).acked;
      }
    }
    const sendSeconds = (performance.now() - t0) / 1000;
    await pool.disconnect();
    await cluster.waitForConvergence(60_000, survivors);
    const target = await digestSlot(leader);
    const leaderSnapshotSlot = (await metricsOf(leader)).get('quorum_snapshot_slot') ?? 0;
    ctx.log(
      `${c.label}: ${sent} messages in ${sendSeconds.toFixed(1)} s; gap ${target - victimAppliedBefore} slots; restarting`,
    );
    const startAt = performance.now();
    await victim.start();
    const listening = performance.now();
    let firstJump = 0;
    let caughtAt: number | null = null;
    const deadline = listening + (ctx.quick ? 120_000 : 300_000);
    let first = true;
    let replayed = false;
    while (performance.now() < deadline) {
      const applied = await digestSlot(victim).catch(() => 0);
      if (first) {
        first = false;
        firstJump = applied;
      }
      if (!replayed && applied > victimAppliedBefore)
        replayed = await appliedItself(victim, victimAppliedBefore + 1);
      if (applied >= target) {
        caughtAt = performance.now();
        break;
      }
      await sleep(20);
    }
    const snapshotSlot = (await metricsOf(victim)).get('quorum_snapshot_slot') ?? 0;
    const installed = !replayed && snapshotSlot > victimAppliedBefore;
    if (caughtAt !== null) await cluster.waitForConvergence(30_000);
    const catchUpMs = caughtAt === null ? null : caughtAt - listening;
    const result: CaseResult = {
      label: c.label,
      snapshotEvery: c.snapshotEvery,
      messages: sent,
      sendSeconds,
      sendRate: sent / sendSeconds,
      victim: victim.id,
      victimAppliedBefore,
      target,
      gapSlots: target - victimAppliedBefore,
      startMs: listening - startAt,
      catchUpMs,
      totalMs: caughtAt === null ? null : caughtAt - startAt,
      slotsPerSecond: catchUpMs === null ? null : (target - victimAppliedBefore) / (catchUpMs / 1000),
      leaderSnapshotSlot,
      victimSnapshotSlot: snapshotSlot,
      snapshotInstalled: installed,
      firstJump,
    };
    ctx.log(
      `${c.label}: process start ${result.startMs.toFixed(0)} ms, caught up ${catchUpMs?.toFixed(0)} ms after listening; snapshot installed: ${installed}`,
    );
    return result;
  } finally {
    await pool.close();
    await cluster.close();
  }
}

export const catchup: Benchmark = {
  name: 'catchup',
  title: 'Catch-up of a restarted follower',
  async run(ctx: Context): Promise<Outcome> {
    const sizes = ctx.quick ? [10_000] : [10_000, 100_000];
    const cases: Case[] = [];
    for (const n of sizes)
      cases.push({
        label: `${n / 1000}k, default compaction`,
        messages: n,
        snapshotEvery: null,
        clients: 64,
      });
    for (const n of sizes)
      cases.push({
        label: `${n / 1000}k, --snapshot-every 1000`,
        messages: n,
        snapshotEvery: 1000,
        clients: 64,
      });
    if (!ctx.quick) {
      // The leader keeps a trailing window of 10k slots, and up to 4 windows for a peer that is
      // behind (Done/Min): only a gap beyond 40k SLOTS forces a snapshot. 32 clients stay within the leader's
      // window of 64 slots, so each command gets its own slot.
      cases.push({
        label: 'gap > 40k slots, --snapshot-every 1000',
        messages: 41_000,
        snapshotEvery: 1000,
        minGapSlots: 41_000,
        clients: 32,
      });
    }
    const results: CaseResult[] = [];
    for (const c of cases) results.push(await runCase(c, ctx));
    const rows: Cell[][] = results.map((r) => [
      r.label,
      r.messages,
      fmt(r.sendRate, 0),
      r.gapSlots,
      Math.round(r.startMs),
      r.catchUpMs === null ? 'not in time' : Math.round(r.catchUpMs),
      r.slotsPerSecond === null ? null : fmt(r.slotsPerSecond, 0),
      r.snapshotInstalled ? 'yes' : 'no',
      r.victimSnapshotSlot,
      r.leaderSnapshotSlot,
    ]);
    return {
      options: { cases },
      tables: [
        {
          title: 'Catch-up: follower SIGKILLed, N messages committed, follower restarted',
          columns: [
            'case',
            'messages',
            'sent/s',
            'gap slots',
            'start ms',
            'catch-up ms',
            'slots/s',
            'snapshot installed',
            'its snapshot slot',
            'leader snapshot slot',
          ],
          rows,
        },
      ],
      notes: [
        '"start ms" = spawn until the server prints its listening line (includes loading its LMDB state); "catch-up ms" = from then until its /digest applied slot reaches the leader\'s (then all three digests are checked equal).',
        'Messages are sent by closed-loop clients (64; 32 in the last case) connected to the two survivors only. A slot holds every command the leader received in one event-loop turn, so the gap in slots is the number of messages divided by the batch size at that load.',
        '"snapshot installed" is inferred (no server metric counts installs): while it catches up, the restarted replica is asked for its digest of the first slot after the gap (a replica keeps a digest for each of the last 4096 slots it applied itself, none for slots covered by an installed snapshot); "yes" = it never had one and its snapshot slot moved past the gap\'s start.',
        'Compaction: the leader snapshots every --snapshot-every applied slots but keeps a trailing window of 10,000 slots, extended for a peer that is behind up to 4 windows (40,000 slots): a shorter outage is replayed from the log even with a small --snapshot-every.',
      ],
      data: results,
    };
  },
};
