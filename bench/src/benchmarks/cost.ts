import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { TestCluster } from '@quorum/testkit';
import { benchToken, metricsOf, startCluster } from '../cluster.js';
import { type Benchmark, type Context, type Outcome, sleep } from '../context.js';
import type { ClientSpec } from '../load/clients.js';
import { LoadPool } from '../load/pool.js';
import { directoryBytes, memory } from '../machine.js';
import { type Cell, fmt, mib, ms } from '../report.js';
import { deltas, sampleServers } from '../servers.js';
import { slope } from '../stats.js';

interface SoakSample {
  readonly seconds: number;
  readonly committed: number;
  readonly rss: readonly (number | null)[];
  readonly anon: readonly (number | null)[];
  readonly file: readonly (number | null)[];
  readonly dataBytes: readonly number[];
  readonly snapshotSlot: number;
}

const HOOK = new URL('../server-hook.js', import.meta.url).pathname;

interface HeapSample {
  readonly seconds: number;
  readonly committed: number;
  /** Per server (cluster order): process.memoryUsage() right after a full GC, or null. */
  readonly servers: readonly ({
    heapUsed: number;
    rss: number;
    external: number;
    arrayBuffers: number;
    gcMs: number;
  } | null)[];
}

/**
 * Asks every server (through bench/dist/server-hook.js) for a full GC and its memory usage, and
 * waits for the answers (one JSON line appended per request).
 */
async function heapSample(cluster: TestCluster, dir: string): Promise<HeapSample['servers']> {
  const files = cluster.servers.map((s) => join(dir, `mem-${s.pid}.jsonl`));
  const lines = (f: string) =>
    existsSync(f) ? readFileSync(f, 'utf8').trim().split('\n').filter(Boolean) : [];
  const before = files.map((f) => lines(f).length);
  for (const s of cluster.servers) if (s.pid !== undefined && s.running) process.kill(s.pid, 'SIGUSR2');
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline && files.some((f, i) => lines(f).length <= before[i]!)) await sleep(50);
  return files.map((f, i) => {
    const all = lines(f);
    return all.length > before[i]! ? JSON.parse(all.at(-1)!) : null;
  });
}

/** Commands committed so far: every server applies every command, so the most any has applied (null if none answered). */
async function committedCommands(cluster: TestCluster): Promise<number | null> {
  const m = await Promise.all(cluster.servers.map((s) => metricsOf(s).catch(() => null)));
  const applied = m.flatMap((x) => {
    const v = x?.get('quorum_applied_commands');
    return v === undefined ? [] : [v];
  });
  return applied.length === 0 ? null : Math.max(...applied);
}

export const cost: Benchmark = {
  name: 'cost',
  title: 'Cost per command, and memory under a soak',
  async run(ctx: Context): Promise<Outcome> {
    const steadyMs = ctx.quick ? 5_000 : 10_000;
    const soakMessages = ctx.quick ? 50_000 : 1_000_000;
    const soakBudgetMs = ctx.quick ? 120_000 : 420_000;
    const sampleEveryMs = ctx.quick ? 2_000 : 5_000;
    const clients = 64;
    const gcEveryMs = ctx.quick ? 10_000 : 30_000;
    const memDir = mkdtempSync(join(tmpdir(), 'quorum-bench-mem-'));
    const cluster = await startCluster(ctx, {
      serverEnv: { NODE_OPTIONS: `--import=${HOOK}`, BENCH_MEM_DIR: memDir },
    });
    const pool = LoadPool.start(ctx.workers);
    const tables = [];
    const notes: string[] = [];
    let data: Record<string, unknown> = {};
    try {
      const token = await benchToken(cluster);
      const specs: ClientSpec[] = Array.from({ length: clients }, (_, i) => ({
        index: i,
        room: `cost-${i}`,
        balancers: [cluster.balancerUrl],
      }));
      await pool.connect(token, specs);
      await pool.closedLoop({ durationMs: 1_000 });

      // ---- steady state ----
      ctx.log(`steady closed loop, ${clients} clients, ${steadyMs / 1000} s`);
      const before = await sampleServers(cluster);
      const steady = await pool.closedLoop({ durationMs: steadyMs });
      const after = await sampleServers(cluster);
      const d = deltas(before, after);
      const commands = Math.max(...d.map((x) => x.appliedCommands));
      const peer = d.reduce((s, x) => s + x.peerSent, 0);
      const writes = d.reduce((s, x) => s + x.durableWrites, 0);
      const cpu = d.reduce((s, x) => s + x.cpuSeconds, 0);
      const lat = steady.latency.summary();
      tables.push({
        title: `Steady state: ${clients} closed-loop clients, ${steadyMs / 1000} s (${fmt(steady.ackedInWindow / (steady.windowMs / 1000), 0)} msgs/s, p50 ${ms(lat.p50)} ms, p99 ${ms(lat.p99)} ms)`,
        columns: [
          'server',
          'role',
          'CPU s',
          'cores',
          'runq wait',
          'CPU µs/cmd',
          'peer msgs sent',
          'peer msgs/cmd',
          'durable writes',
          'writes/cmd',
          'cmds/write',
          'RSS MiB',
          'peak RSS MiB',
        ],
        rows: [
          ...d.map((x): Cell[] => [
            x.id,
            x.role,
            fmt(x.cpuSeconds, 2),
            fmt(x.cores, 2),
            `${fmt(100 * x.runQueueShare, 0)}%`,
            fmt((x.cpuSeconds * 1e6) / Math.max(1, commands), 0),
            x.peerSent,
            fmt(x.peerSent / Math.max(1, commands), 2),
            x.durableWrites,
            fmt(x.durableWrites / Math.max(1, commands), 3),
            fmt(commands / Math.max(1, x.durableWrites), 1),
            mib(x.rssBytes),
            mib(x.peakRssBytes),
          ]),
          [
            'all',
            '',
            fmt(cpu, 2),
            fmt(
              d.reduce((s, x) => s + x.cores, 0),
              2,
            ),
            '',
            fmt((cpu * 1e6) / Math.max(1, commands), 0),
            peer,
            fmt(peer / Math.max(1, commands), 2),
            writes,
            fmt(writes / Math.max(1, commands), 3),
            fmt(commands / Math.max(1, writes), 1),
            '',
            '',
          ],
        ],
      });

      // ---- soak ----
      ctx.log(
        `soak: ${soakMessages} messages (at most ${soakBudgetMs / 1000} s), RSS every ${sampleEveryMs / 1000} s`,
      );
      const samples: SoakSample[] = [];
      const soakStart = performance.now();
      const committed0 = (await committedCommands(cluster)) ?? 0;
      const sample = async () => {
        const servers = cluster.servers;
        const m = await Promise.all(servers.map((s) => metricsOf(s).catch(() => new Map<string, number>())));
        if (m.every((x) => !x.has('quorum_applied_commands'))) return; // nobody answered in time
        samples.push({
          seconds: (performance.now() - soakStart) / 1000,
          committed: Math.max(...m.map((x) => x.get('quorum_applied_commands') ?? 0)) - committed0,
          rss: servers.map((s) => memory(s.pid)?.rssBytes ?? null),
          anon: servers.map((s) => memory(s.pid)?.anonBytes ?? null),
          file: servers.map((s) => memory(s.pid)?.fileBytes ?? null),
          dataBytes: servers.map((s) => directoryBytes(s.dataDir)),
          snapshotSlot: Math.max(...m.map((x) => x.get('quorum_snapshot_slot') ?? 0)),
        });
        const last = samples.at(-1)!;
        ctx.log(
          `  ${last.seconds.toFixed(0)} s: ${last.committed} committed, RSS ${last.rss.map((r) => mib(r)).join('/')} MiB`,
        );
      };
      const heaps: HeapSample[] = [];
      const heap = async () => {
        try {
          const committed = await committedCommands(cluster);
          if (committed === null) return;
          const seconds = (performance.now() - soakStart) / 1000;
          heaps.push({
            seconds,
            committed: committed - committed0,
            servers: await heapSample(cluster, memDir),
          });
          const last = heaps.at(-1)!;
          ctx.log(
            `  ${seconds.toFixed(0)} s: after a full GC, heap used ${last.servers.map((m) => mib(m?.heapUsed)).join('/')} MiB`,
          );
        } catch (error) {
          ctx.log(`  heap sample failed: ${String(error)}`);
        }
      };
      await heap();
      const timer = setInterval(() => void sample(), sampleEveryMs);
      const gcTimer = setInterval(() => void heap(), gcEveryMs);
      let soak: Awaited<ReturnType<typeof pool.closedLoop>>;
      try {
        soak = await pool.closedLoop({ durationMs: soakBudgetMs, maxCount: soakMessages });
      } finally {
        clearInterval(timer);
        clearInterval(gcTimer);
      }
      await sample();
      await heap();
      const peaks = cluster.servers.map((s) => memory(s.pid)?.peakRssBytes ?? null);
      const last = samples.at(-1)!;
      // Growth per message over the second half (after warm-up and the first snapshots).
      const half = samples.filter((s) => s.committed >= last.committed / 2);
      const halfSlope = (pick: (s: SoakSample) => number | null | undefined) =>
        slope(
          half.flatMap((s) => {
            const value = pick(s);
            return value === null || value === undefined ? [] : [[s.committed, value] as const];
          }),
        );
      const perServerSlope = cluster.servers.map((_, i) => halfSlope((s) => s.rss[i]));
      const anonSlope = cluster.servers.map((_, i) => halfSlope((s) => s.anon[i]));
      const growth = cluster.servers.map((_, i) => {
        const first = samples.find((s) => s.rss[i] !== null)?.rss[i] ?? null;
        const end = last.rss[i] ?? null;
        return first === null || end === null ? null : end - first;
      });
      const soakSeconds = soak.windowMs / 1000;
      const everyN = Math.max(1, Math.floor(samples.length / 12));
      tables.push({
        title: `Soak: ${last.committed} messages in ${fmt(soakSeconds, 0)} s (${fmt(last.committed / soakSeconds, 0)} msgs/s) — RSS per server (MiB) over time, as own memory (RssAnon) + mapped data file (RssFile)`,
        columns: [
          's',
          'committed',
          ...cluster.servers.map((s) => `RSS s${s.id}`),
          'data dir MiB (max)',
          'snapshot slot',
        ],
        rows: samples
          .filter((_, i) => i % everyN === 0 || i === samples.length - 1)
          .map((s): Cell[] => [
            fmt(s.seconds, 0),
            s.committed,
            ...s.rss.map((r, i) => `${mib(r)} = ${mib(s.anon[i] ?? null)} + ${mib(s.file[i] ?? null)}`),
            mib(Math.max(...s.dataBytes)),
            s.snapshotSlot,
          ]),
      });
      const heapHalf = heaps.filter((h) => h.committed >= last.committed / 2);
      const heapHalfSlope = cluster.servers.map((_, i) =>
        slope(
          heapHalf.flatMap((h) => {
            const m = h.servers[i];
            return m ? [[h.committed, m.heapUsed] as const] : [];
          }),
        ),
      );
      tables.push({
        title: 'Soak summary per server',
        columns: [
          'server',
          'RSS start MiB',
          'RSS end MiB',
          'growth MiB',
          'peak RSS MiB',
          'RSS bytes/msg (2nd half slope)',
          'own memory (RssAnon) bytes/msg (2nd half slope)',
          'live heap bytes/msg (2nd half)',
        ],
        rows: cluster.servers.map((s, i): Cell[] => [
          s.id,
          mib(samples[0]?.rss[i] ?? null),
          mib(last.rss[i] ?? null),
          mib(growth[i] ?? null),
          mib(peaks[i] ?? null),
          fmt(perServerSlope[i] ?? Number.NaN, 0),
          fmt(anonSlope[i] ?? Number.NaN, 0),
          fmt(heapHalfSlope[i] ?? Number.NaN, 0),
        ]),
      });
      const firstHeap = heaps[0];
      const lastHeap = heaps.at(-1);
      const heapPerMessage = cluster.servers.map((_, i) => {
        const a = firstHeap?.servers[i];
        const b = lastHeap?.servers[i];
        const n = (lastHeap?.committed ?? 0) - (firstHeap?.committed ?? 0);
        return a && b && n > 0 ? (b.heapUsed - a.heapUsed) / n : Number.NaN;
      });
      tables.push({
        title: 'Soak: live heap after a full GC (MiB), per server',
        columns: [
          's',
          'committed',
          ...cluster.servers.map((s) => `heap s${s.id}`),
          ...cluster.servers.map((s) => `RSS s${s.id}`),
          'GC ms (max)',
        ],
        rows: heaps.map((h): Cell[] => [
          fmt(h.seconds, 0),
          h.committed,
          ...h.servers.map((m) => mib(m?.heapUsed)),
          ...h.servers.map((m) => mib(m?.rss)),
          fmt(Math.max(...h.servers.map((m) => m?.gcMs ?? 0)), 0),
        ]),
      });
      const avgHeap = heapPerMessage.filter(Number.isFinite).reduce((a, b) => a + b, 0) / 3;
      notes.push(
        `Live heap (after a forced full GC) grows by ~${fmt(avgHeap, 0)} bytes per committed message (first to last GC sample, mean of the servers): that is what the state really retains per message; RSS also carries garbage not yet collected and V8's heap reserve.`,
      );
      const mean = (values: readonly number[]) => {
        const finite = values.filter(Number.isFinite);
        return finite.length === 0 ? Number.NaN : finite.reduce((a, b) => a + b, 0) / finite.length;
      };
      const avgSlope = mean(perServerSlope);
      const avgAnon = mean(anonSlope);
      const avgHeapHalf = mean(heapHalfSlope);
      const flat =
        Number.isFinite(avgHeapHalf) && avgHeapHalf < 20 && Number.isFinite(avgAnon) && avgAnon < 50;
      notes.unshift(
        `Memory ${flat ? 'stays flat' : 'grows'} under the soak (second half of the run, mean of the servers): live heap ~${fmt(avgHeapHalf, 0)} bytes per committed message, own memory (RssAnon) ~${fmt(avgAnon, 0)} bytes per message. VmRSS grows by ~${fmt(avgSlope, 0)} bytes per message, but that growth is RssFile: the pages of LMDB's memory-mapped data file (which holds the archive) that the kernel keeps resident — clean page cache it reclaims under memory pressure, and it follows the data dir size. Each server keeps only the newest --retain-per-room messages of each room in memory (default 1000; ${clients} rooms here, so at most ${clients * 1000} messages) and archives the rest on disk; compaction bounds the Paxos log and keeps snapshots small.`,
        `${soak.acked} of ${soakMessages} messages acknowledged${soak.acked < soakMessages ? ` (stopped by the ${soakBudgetMs / 1000} s budget)` : ''}; soak latency p50 ${ms(soak.latency.summary().p50)} ms, p99 ${ms(soak.latency.summary().p99)} ms, max ${ms(soak.latency.summary().max)} ms.`,
        "Peer messages and durable writes come from each server's /metrics (quorum_peer_messages_sent, quorum_durable_writes) and are divided by the commands the leader applied in the window; CPU from /proc/<pid>/stat (utime+stime), RSS and peak RSS (VmRSS, VmHWM) from /proc/<pid>/status.",
      );
      data = {
        steady: { commands, servers: d, latencyUs: lat, loadGenCores: steady.loadGenCores },
        soak: {
          heapSamples: heaps,
          heapBytesPerMessage: heapPerMessage,
          messages: soakMessages,
          acked: soak.acked,
          seconds: soakSeconds,
          samples,
          peakRss: peaks,
          bytesPerMessage: perServerSlope,
          latencyUs: soak.latency.summary(),
        },
      };
      await pool.disconnect();
    } finally {
      await pool.close();
      await cluster.close();
      rmSync(memDir, { recursive: true, force: true });
    }
    return {
      options: { steadyMs, soakMessages, soakBudgetMs, clients, workers: ctx.workers },
      tables,
      notes,
      data,
    };
  },
};
