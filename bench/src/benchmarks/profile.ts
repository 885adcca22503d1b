import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchToken, leaderOf, startCluster } from '../cluster.js';
import { type Benchmark, type Context, type Outcome, sleep } from '../context.js';
import { type CpuProfile, summarizeProfile } from '../cpuprofile.js';
import type { ClientSpec } from '../load/clients.js';
import { LoadPool } from '../load/pool.js';
import { type Cell, fmt, ms } from '../report.js';
import { deltas, sampleServers } from '../servers.js';

const HOOK = new URL('../server-hook.js', import.meta.url).pathname;

export const profile: Benchmark = {
  name: 'profile',
  title: 'CPU profile of the leader under load',
  async run(ctx: Context): Promise<Outcome> {
    const durationMs = ctx.quick ? 5_000 : 10_000;
    const clients = 64;
    const dir = mkdtempSync(join(tmpdir(), 'quorum-bench-prof-'));
    // Node 20 refuses --cpu-prof in NODE_OPTIONS, but accepts --import: the hook starts and stops
    // the inspector's profiler on SIGUSR2 (see server-hook.ts).
    const cluster = await startCluster(ctx, {
      serverEnv: { NODE_OPTIONS: `--import=${HOOK}`, BENCH_CPU_PROFILE_DIR: dir },
    });
    const pool = LoadPool.start(ctx.workers);
    try {
      const token = await benchToken(cluster);
      const specs: ClientSpec[] = Array.from({ length: clients }, (_, i) => ({
        index: i,
        room: `prof-${i}`,
        balancers: [cluster.balancerUrl],
      }));
      await pool.connect(token, specs);
      await pool.closedLoop({ durationMs: 1_000 });
      const leader = await leaderOf(cluster);
      const pids = cluster.servers.map((s) => s.pid!);
      ctx.log(
        `profiling all servers (leader ${leader.id}) for ${durationMs / 1000} s under ${clients} clients`,
      );
      for (const pid of pids) process.kill(pid, 'SIGUSR2');
      await sleep(100);
      const before = await sampleServers(cluster);
      const run = await pool.closedLoop({ durationMs });
      const after = await sampleServers(cluster);
      for (const pid of pids) process.kill(pid, 'SIGUSR2');
      const files = pids.map((pid) => join(dir, `server-${pid}.cpuprofile`));
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline && !files.every((f) => existsSync(f))) await sleep(100);
      await pool.disconnect();
      const d = deltas(before, after);
      const tables = [];
      const data: Record<string, unknown> = {
        leader: leader.id,
        throughput: run.ackedInWindow / (run.windowMs / 1000),
        latencyUs: run.latency.summary(),
        servers: d,
      };
      const notes: string[] = [];
      for (const server of cluster.servers) {
        const file = join(dir, `server-${server.pid}.cpuprofile`);
        if (!existsSync(file)) {
          notes.push(`no profile from server ${server.id}`);
          continue;
        }
        const kept = join(
          ctx.resultsDir,
          `${ctx.stamp}-server-${server.id}${server.id === leader.id ? '-leader' : ''}.cpuprofile`,
        );
        copyFileSync(file, kept);
        const summary = summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, 25);
        data[`server${server.id}`] = { file: kept, ...summary };
        if (server.id !== leader.id) {
          notes.push(
            `follower ${server.id}: busy ${summary.busyMs} ms of ${summary.wallMs} ms; top modules ${summary.modules
              .slice(0, 5)
              .map((m) => `${m.name} ${m.percent}%`)
              .join(', ')}; profile ${kept}`,
          );
          continue;
        }
        notes.unshift(
          `Leader ${server.id}: busy ${summary.busyMs} ms of ${summary.wallMs} ms sampled (${fmt((100 * summary.busyMs) / Math.max(1, summary.wallMs), 0)}% of one core) while the cluster committed ${fmt(data.throughput as number, 0)} msgs/s (p50 ${ms(run.latency.summary().p50)} ms, p99 ${ms(run.latency.summary().p99)} ms). Open ${kept} in Chrome DevTools (Performance > Load profile) for the call tree.`,
        );
        tables.push({
          title: `Leader (server ${server.id}): self time by module (% of busy time)`,
          columns: ['module', 'self ms', '%'],
          rows: summary.modules
            .slice(0, 12)
            .map((m): Cell[] => [m.name, fmt(m.selfMs, 0), fmt(m.percent, 1)]),
        });
        tables.push({
          title: `Leader (server ${server.id}): top functions by self time`,
          columns: ['function', 'self ms', '%'],
          rows: summary.functions
            .slice(0, 25)
            .map((f): Cell[] => [f.name, fmt(f.selfMs, 0), fmt(f.percent, 1)]),
        });
      }
      notes.push(
        `${clients} closed-loop clients for ${durationMs / 1000} s; every server process preloads bench/dist/server-hook.js (NODE_OPTIONS=--import, Node 20 refuses --cpu-prof there) and runs the V8 sampling profiler (500 µs interval) only during the window, started and stopped by SIGUSR2. Self time excludes idle; "(program)" is native work V8 cannot attribute (libuv, syscalls such as writes to sockets, lmdb's native side).`,
      );
      return { options: { durationMs, clients, workers: ctx.workers }, tables, notes, data };
    } finally {
      await pool.close();
      await cluster.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
