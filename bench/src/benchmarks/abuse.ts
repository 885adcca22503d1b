import { type ChildProcess, fork } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { TestCluster } from '@quorum/testkit';
import { benchToken, leaderOf, metricsOf, startCluster } from '../cluster.js';
import { type Benchmark, type Context, type Outcome, sleep } from '../context.js';
import { type CpuProfile, summarizeProfile } from '../cpuprofile.js';
import { Histogram } from '../histogram.js';
import type {
  AbuseCommand,
  AbuseReply,
  FloodKind,
  FloodMix,
  FloodResult,
  KindCounts,
  PhaseResult,
} from '../load/abuse-messages.js';
import { cpuSeconds } from '../machine.js';
import { type Cell, fmt, ms, type Table } from '../report.js';
import { deltas, type ServerDelta, sampleServers } from '../servers.js';

type Body<T> = T extends unknown ? Omit<T, 'id'> : never;

/** One forked abuse process (bystander or attacker): commands in, one reply each. */
class AbuseProcess {
  private nextId = 1;
  private readonly waiting = new Map<number, (reply: AbuseReply) => void>();
  private exited = false;

  private constructor(
    readonly role: string,
    readonly child: ChildProcess,
  ) {
    child.on('message', (reply: AbuseReply) => {
      const waiter = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      waiter?.(reply);
    });
    child.on('exit', (code, signal) => {
      this.exited = true;
      for (const waiter of this.waiting.values())
        waiter({ id: 0, ok: false, error: `${role} process exited (${code ?? signal})` });
      this.waiting.clear();
    });
  }

  static start(role: string): AbuseProcess {
    const env = { ...process.env };
    delete env.NODE_OPTIONS; // never profile the load generators
    const child = fork(new URL('../load/abuse-worker.js', import.meta.url), [], {
      env,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return new AbuseProcess(role, child);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  call(command: Body<AbuseCommand>, timeoutMs: number): Promise<Extract<AbuseReply, { ok: true }>> {
    if (this.exited) return Promise.reject(new Error(`${this.role} process is gone`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`${this.role} did not answer ${command.type} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, (reply) => {
        clearTimeout(timer);
        if (reply.ok) resolve(reply);
        else reject(new Error(`${this.role} failed ${command.type}: ${reply.error}`));
      });
      this.child.send({ ...command, id } as AbuseCommand);
    });
  }

  /** Asks the process to exit, then SIGKILLs it (by its own PID) if it has not. */
  async close(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    await this.call({ type: 'exit' }, 3_000).catch(() => {});
    await Promise.race([gone, sleep(1_000)]);
    if (!this.exited) {
      this.child.kill('SIGKILL');
      await Promise.race([gone, sleep(2_000)]);
    }
  }
}

interface PhaseFigures {
  readonly name: string;
  /** The scenario whose flood ran during this phase (null: no flood). */
  readonly scenario: string | null;
  readonly phase: PhaseResult;
  readonly servers: readonly ServerDelta[];
  readonly bystanderCores: number;
  readonly attackerCores: number;
}

/** One poll of a server's /metrics during a flood: how long it took to answer, and its queue. */
interface Probe {
  /** ms from the flood's start. */
  readonly t: number;
  readonly server: number;
  readonly answerMs: number | null;
  readonly pending: number | null;
  readonly applied: number | null;
}

/** Polls every running server's /metrics every `intervalMs` until `stop.done` (at most `maxPolls` each). */
async function watchServers(
  cluster: TestCluster,
  startedAt: number,
  stop: { done: boolean },
  intervalMs = 250,
  maxPolls = 200,
): Promise<Probe[]> {
  const probes: Probe[] = [];
  await Promise.all(
    cluster.running().map(async (server) => {
      for (let i = 0; i < maxPolls && !stop.done; i++) {
        const t0 = performance.now();
        const m = await metricsOf(server).catch(() => null);
        const t1 = performance.now();
        probes.push({
          t: Math.round(t0 - startedAt),
          server: server.id,
          answerMs: m ? Math.round((t1 - t0) * 10) / 10 : null,
          pending: m?.get('quorum_pending_commands') ?? null,
          applied: m?.get('quorum_applied_slot') ?? null,
        });
        await sleep(Math.max(0, intervalMs - (t1 - t0)));
      }
    }),
  );
  return probes.sort((a, b) => a.t - b.t);
}

/** "p50 / max" of the servers' /metrics answer times during a flood: how long a request waits for an event loop. */
function metricsAnswer(probes: readonly Probe[]): string {
  const t = probes.flatMap((p) => (p.answerMs === null ? [] : [p.answerMs])).sort((a, b) => a - b);
  if (t.length === 0) return '-';
  return `${fmt(t[Math.floor(t.length / 2)], 0)} / ${fmt(t[t.length - 1], 0)}`;
}

/** p50 and max (ms) of the latencies of the sends issued in [from, to). */
function step(timeline: readonly (readonly [number, number])[], from: number, to: number): Cell[] {
  const l = timeline
    .filter(([t]) => t >= from && t < to)
    .map(([, v]) => v)
    .sort((a, b) => a - b);
  if (l.length === 0) return [0, '-', '-'];
  return [l.length, ms(l[Math.floor(l.length / 2)]! * 1000), ms(l[l.length - 1]! * 1000)];
}

/** The first flood, in half-second steps: the bystanders' acks by send time, and each server's queue. */
function timelineTable(phase: PhaseResult, probes: readonly Probe[], servers: readonly number[]): Table {
  const stepMs = 500;
  const end = Math.max(...phase.timeline.map(([t]) => t), ...probes.map((p) => p.t), 0);
  const rows: Cell[][] = [];
  for (let from = 0; from <= end; from += stepMs) {
    const row: Cell[] = [
      fmt(from / 1000, 1),
      ...step(phase.timeline, from, from + stepMs),
      ...step(phase.raw.timeline, from, from + stepMs),
    ];
    for (const id of servers) {
      const ps = probes.filter((p) => p.server === id && p.t >= from && p.t < from + stepMs);
      const answered = ps.flatMap((p) => (p.answerMs === null ? [] : [p.answerMs]));
      row.push(
        answered.length > 0 ? fmt(Math.max(...answered), 0) : ps.length > 0 ? 'timeout' : '-',
        ps.length > 0 ? fmt(Math.max(...ps.map((p) => p.pending ?? 0)), 0) : '-',
      );
    }
    rows.push(row);
  }
  return {
    title:
      "The first flood in half-second steps: the bystanders' sends issued in the step (send -> ack ms), and per server the slowest /metrics answer (ms) and the most commands pending",
    columns: [
      't s',
      'client sends',
      'client p50',
      'client max',
      'raw sends',
      'raw p50',
      'raw max',
      ...servers.flatMap((id) => [`s${id} /metrics ms`, `s${id} pending`]),
    ],
    rows,
  };
}

interface Scenario {
  readonly name: string;
  readonly mix: FloodMix;
}

const EVENT_TYPES = ['typing', 'display_name', 'presence', 'membership', 'message'] as const;
const KINDS: readonly FloodKind[] = ['send', 'join', 'set_display_name'];
const HOOK = new URL('../server-hook.js', import.meta.url).pathname;

/** The issue's abuse first (the headline figure); the others take it apart (full run only). */
const SCENARIOS: readonly Scenario[] = [
  {
    name: 'flood',
    mix: {
      requests: 'mixed',
      joinEvery: 16,
      displayNameEvery: 16,
      typingPerRequest: 1,
      textBytes: 64,
      ratePerConnection: null,
    },
  },
  {
    // Nearly every request refused (0.5 display-name changes a second): the cost of saying no.
    name: 'refused only',
    mix: {
      requests: 'display_name',
      joinEvery: 16,
      displayNameEvery: 16,
      typingPerRequest: 0,
      textBytes: 64,
      ratePerConnection: null,
    },
  },
  {
    name: 'typing only',
    mix: {
      requests: 'none',
      joinEvery: 16,
      displayNameEvery: 16,
      typingPerRequest: 0,
      textBytes: 64,
      ratePerConnection: null,
    },
  },
  {
    // What the budgets let through, and no more: 58 x 9/s = 522 sends/s, 174/s per server (< 200).
    name: 'within budget',
    mix: {
      requests: 'send',
      joinEvery: 16,
      displayNameEvery: 16,
      typingPerRequest: 0,
      textBytes: 64,
      ratePerConnection: 9,
    },
  },
];

function describeMix(mix: FloodMix): string {
  const pace =
    mix.ratePerConnection === null
      ? 'as fast as the servers answer'
      : `paced at ${mix.ratePerConnection} a second per connection`;
  switch (mix.requests) {
    case 'mixed':
      return `requests ${pace}: 1 in ${mix.joinEvery} a join of a new room, 1 in ${mix.displayNameEvery} a set_display_name, the rest sends to the shared room; ${mix.typingPerRequest} typing frame(s) after each`;
    case 'send':
      return `sends to the shared room ${pace}`;
    case 'display_name':
      return `set_display_name requests ${pace}`;
    case 'none':
      return 'typing frames only, as fast as the sockets take them';
  }
}

export const abuse: Benchmark = {
  name: 'abuse',
  title: "Abuse: a bystander's send->ack while one user floods (default budgets)",
  async run(ctx: Context): Promise<Outcome> {
    const idleMs = 5_000;
    const abuseMs = 5_000;
    const afterMs = ctx.quick ? 2_000 : 3_000;
    // A person chatting fast: 5 messages a second, within the default budget (30 a second per
    // user for the cluster, 10 per server), so the bystanders themselves are never refused.
    const intervalMs = 200;
    const connections = 58;
    const window = 32;
    const scenarios = ctx.quick ? SCENARIOS.slice(0, 1) : SCENARIOS;
    const profiled = !ctx.quick;
    const room = 'abuse-room';
    const attackerUser = 'mallory';
    // Two source addresses: the attacker's 58 sockets all come from one, as from one machine.
    const attackerAddress = '127.66.0.1';
    const bystanderAddress = '127.67.0.1';
    const rawBystanderAddress = '127.67.0.2';

    const profileDir = profiled ? mkdtempSync(join(tmpdir(), 'quorum-bench-abuse-')) : null;
    const cluster = await startCluster(ctx, {
      defaultLimits: true,
      // The hook is inert until SIGUSR2: only the last, extra flood is profiled.
      ...(profileDir && {
        serverEnv: { NODE_OPTIONS: `--import=${HOOK}`, BENCH_CPU_PROFILE_DIR: profileDir },
      }),
    });
    const bystander = AbuseProcess.start('bystander');
    const attacker = AbuseProcess.start('attacker');
    const figures: PhaseFigures[] = [];
    const floods: { scenario: string; profiled: boolean; result: FloodResult; probes: Probe[] }[] = [];
    const notes: string[] = [];
    const tables: Table[] = [];
    const profiles: Record<string, unknown> = {};
    let announcedRates: readonly number[] = [];
    let connectFailed = 0;
    let bystanderServer: number | null = null;
    let rawBystanderServer: number | null = null;
    let leader: number | null = null;
    try {
      const bystanderToken = await benchToken(cluster, 'bystander');
      const rawToken = await benchToken(cluster, 'bystander-raw');
      const attackerToken = await benchToken(cluster, attackerUser);
      leader = (await leaderOf(cluster)).id;
      ctx.log('bystander: connecting');
      const joined = await bystander.call(
        {
          type: 'bystander_connect',
          token: bystanderToken,
          room,
          balancerUrl: cluster.balancerUrl,
          localAddress: bystanderAddress,
          rawUser: 'bystander-raw',
          rawToken,
          rawLocalAddress: rawBystanderAddress,
          servers: cluster.running().map((s) => ({ id: s.id, url: s.wsUrl })),
          timeoutMs: 20_000,
        },
        30_000,
      );
      bystanderServer = joined.serverId ?? null;
      rawBystanderServer = joined.rawServerId ?? null;
      ctx.log(`attacker: ${connections} connections over ${cluster.running().length} servers`);
      const connected = await attacker.call(
        {
          type: 'attacker_connect',
          token: attackerToken,
          user: attackerUser,
          room,
          servers: cluster.running().map((s) => s.wsUrl),
          connections,
          localAddress: attackerAddress,
          timeoutMs: 30_000,
        },
        40_000,
      );
      connectFailed = connected.connectFailed ?? 0;
      announcedRates = connected.sendsPerSecond ?? [];
      if (connectFailed > 0) notes.push(`${connectFailed} attacker connections failed to set up in time`);

      const phase = async (durationMs: number): Promise<PhaseResult> => {
        const reply = await bystander.call(
          { type: 'bystander_phase', durationMs, intervalMs, textBytes: 64, drainMs: 10_000 },
          durationMs + 20_000,
        );
        if (!reply.phase) throw new Error('bystander sent no phase result');
        return reply.phase;
      };
      const cpuOf = (p: AbuseProcess) => cpuSeconds(p.pid) ?? 0;
      /** Runs `body` (which lasts `durationMs`, then drains) between two samplings of every process. */
      const measured = async (
        name: string,
        scenario: string | null,
        durationMs: number,
        body: () => Promise<PhaseResult>,
      ) => {
        const before = await sampleServers(cluster);
        const load0 = { b: cpuOf(bystander), a: cpuOf(attacker), t: performance.now() };
        // Sampled when the window ends, not after the drain.
        const end = sleep(durationMs).then(async () => ({
          servers: await sampleServers(cluster),
          b: cpuOf(bystander),
          a: cpuOf(attacker),
          t: performance.now(),
        }));
        const result = await body();
        const after = await end;
        const seconds = (after.t - load0.t) / 1000;
        figures.push({
          name,
          scenario,
          phase: result,
          servers: deltas(before, after.servers),
          bystanderCores: (after.b - load0.b) / seconds,
          attackerCores: (after.a - load0.a) / seconds,
        });
        const s = Histogram.from(result.latency).summary();
        ctx.log(`  ${name}: p50 ${ms(s.p50)} ms, p99 ${ms(s.p99)} ms, max ${ms(s.max)} ms`);
      };
      const abusePhase = async (scenario: Scenario, profile: boolean) => {
        const label = profile ? `${scenario.name} (profiled)` : scenario.name;
        ctx.log(`abuse "${label}": ${abuseMs / 1000} s`);
        const pids = cluster.running().map((s) => s.pid!);
        if (profile) {
          for (const pid of pids) process.kill(pid, 'SIGUSR2');
          await sleep(100);
        }
        await measured(`abuse: ${label}`, label, abuseMs, async () => {
          const stop = { done: false };
          const watching = watchServers(cluster, performance.now(), stop);
          const [f, p] = await Promise.all([
            attacker.call(
              {
                type: 'flood',
                durationMs: abuseMs,
                window,
                maxBufferedBytes: 256 * 1024,
                maxFrames: 20_000_000,
                mix: scenario.mix,
                drainMs: 5_000,
              },
              abuseMs + 30_000,
            ),
            phase(abuseMs),
          ]).finally(() => {
            stop.done = true;
          });
          const probes = await watching;
          if (f.flood) floods.push({ scenario: label, profiled: profile, result: f.flood, probes });
          return p;
        });
        if (profile && profileDir) {
          for (const pid of pids) process.kill(pid, 'SIGUSR2');
          Object.assign(
            profiles,
            await readProfiles(ctx, cluster, profileDir, leader, bystanderServer, tables, notes),
          );
        }
        ctx.log(`after "${label}": ${afterMs / 1000} s`);
        await measured(`after: ${label}`, null, afterMs, () => phase(afterMs));
      };

      ctx.log('warm-up: 1 s');
      await phase(1_000);
      ctx.log(`idle: ${idleMs / 1000} s`);
      await measured('idle', null, idleMs, () => phase(idleMs));
      for (const scenario of scenarios) await abusePhase(scenario, false);
      if (profiled) await abusePhase(SCENARIOS[0]!, true);
    } finally {
      await Promise.all([bystander.close(), attacker.close()]);
      await cluster.close();
      if (profileDir) rmSync(profileDir, { recursive: true, force: true });
    }

    const summaries = figures.map((f) => Histogram.from(f.phase.latency).summary());
    const rawSummaries = figures.map((f) => Histogram.from(f.phase.raw.latency).summary());
    const idle = summaries[0];
    const abused = summaries[1];
    const ratio = idle && abused ? abused.p99 / idle.p99 : Number.NaN;
    const rawIdle = rawSummaries[0];
    const rawAbused = rawSummaries[1];
    const rawRatio = rawIdle && rawAbused ? rawAbused.p99 / rawIdle.p99 : Number.NaN;
    const latencyRows: Cell[][] = figures.map((f, i) => {
      const s = summaries[i]!;
      const r = rawSummaries[i]!;
      const rawFailed = Object.values(f.phase.raw.errors).reduce((a, b) => a + b, 0) + f.phase.raw.unsettled;
      return [
        f.name,
        f.phase.acked,
        ms(s.p50),
        ms(s.p99),
        ms(s.max),
        idle ? `${fmt(s.p99 / idle.p99, 1)}x` : '-',
        f.phase.raw.acked,
        ms(r.p50),
        ms(r.p99),
        ms(r.max),
        rawIdle ? `${fmt(r.p99 / rawIdle.p99, 1)}x` : '-',
        f.phase.failed + f.phase.unsettled + rawFailed,
      ];
    });
    const loadRows: Cell[][] = figures.map((f) => [
      f.name,
      metricsAnswer(floods.find((x) => x.scenario === f.scenario)?.probes ?? []),
      fmt(
        f.servers.reduce((sum, d) => sum + d.cores, 0),
        2,
      ),
      `${fmt(100 * Math.max(0, ...f.servers.map((d) => d.runQueueShare)), 0)}%`,
      fmt(f.attackerCores, 2),
      fmt(f.bystanderCores, 2),
      fmt(f.phase.loopDelayP99Ms, 1),
      ...EVENT_TYPES.map((t) => f.phase.events[t] ?? 0),
    ]);
    const floodRows: Cell[][] = [];
    for (const { scenario, result: f } of floods) {
      const seconds = f.windowMs / 1000;
      const add = (request: string, sent: number, k?: KindCounts) =>
        floodRows.push([
          scenario,
          request,
          sent,
          fmt(sent / seconds, 0),
          k ? k.accepted : '-',
          k ? fmt(k.accepted / seconds, 0) : '-',
          k ? k.rateLimited : '-',
          k
            ? Object.entries(k.errors)
                .map(([code, n]) => `${code} ${n}`)
                .join(', ') || '-'
            : '-',
          k ? k.unanswered : '-',
        ]);
      for (const kind of KINDS) if (f.kinds[kind].sent > 0) add(kind, f.kinds[kind].sent, f.kinds[kind]);
      if (f.typingFramesSent > 0) add('typing (no reply)', f.typingFramesSent);
      const closed = Object.entries(f.closed);
      notes.push(
        `Attacker, "${scenario}": ${f.connections} connections, ${fmt(f.framesSent / seconds, 0)} frames/s (${fmt(f.bytesSent / seconds / 1e6, 2)} MB/s) for ${fmt(seconds, 1)} s; its sockets received ${Object.entries(
          f.received,
        )
          .sort((a, b) => b[1] - a[1])
          .map(([type, n]) => `${n} ${type}`)
          .join(', ')}` +
          (closed.length > 0
            ? `; sockets closed by the servers: ${closed.map(([c, n]) => `${n} with ${c}`).join(', ')}`
            : '') +
          '.',
      );
    }
    const head = (figures[1]?.phase.events ?? {}) as Record<string, number>;
    notes.unshift(
      `**Bystander p99 under abuse / idle: ${fmt(ratio, 1)}x with the reference client** (${ms(abused?.p99)} ms vs ${ms(idle?.p99)} ms), **${fmt(rawRatio, 1)}x per request** (raw socket: ${ms(rawAbused?.p99)} ms vs ${ms(rawIdle?.p99)} ms); target < 3x: ${ratio < 3 && rawRatio < 3 ? 'met' : ratio < 3 || rawRatio < 3 ? 'met by one measure only' : 'NOT met'}. During the flood the bystander received ${head.typing ?? 0} typing, ${head.display_name ?? 0} display_name and ${head.presence ?? 0} presence events, and ${head.message ?? 0} of the attacker's posts.`,
      `Servers run with their default budgets (welcome.limits.sendsPerSecond = ${announcedRates.join('/') || '?'}; no --sends-per-second), only --max-connections-per-address raised. Leader: server ${leader ?? '?'}. Two bystanders in the attacker's room, in one process of their own, each sending a 64-byte message every ${intervalMs} ms (paced open loops, half an interval apart): "client" = a QuorumClient on server ${bystanderServer ?? '?'} (assigned by the balancer), one send in flight as the client library does, so a send waits in its outbox behind a slow one and that wait counts (send() -> ack); "raw" = a raw WebSocket of another user on server ${rawBystanderServer ?? '?'}, every send timed on its own (pipelined), i.e. the per-request round trip.`,
      `Abuse: one user ("${attackerUser}") on ${connections} raw WebSockets from one address, dealt round robin over the 3 servers, driven by another process; every socket is joined to the bystander's room, pipelines up to ${window} unanswered requests and ignores rate_limited. Scenarios: ${scenarios
        .map((s) => `"${s.name}" = ${describeMix(s.mix)}`)
        .join(
          '; ',
        )}. Each flood lasts ${abuseMs / 1000} s and is followed by ${afterMs / 1000} s without it ("after"). Budgets are per user per server, so the cluster accepts up to 3x one server's budget.`,
      "Event columns: what the client bystander received during the phase (message = the attacker's live posts). /metrics = how long the servers took to answer GET /metrics, polled every 250 ms during each flood (an HTTP request waits for the event loop like any frame); server cores / runq wait as in the throughput benchmark; attacker / bystander cores = CPU of those processes per second of the phase; bystander loop p99 = the bystanders' process's event-loop delay (a high value would mean the measurement itself lagged).",
    );
    tables.unshift(
      {
        title: "Bystanders' send->ack (ms) by phase",
        columns: [
          'phase',
          'client acked',
          'client p50',
          'client p99',
          'client max',
          'client p99 / idle',
          'raw acked',
          'raw p50',
          'raw p99',
          'raw max',
          'raw p99 / idle',
          'failed',
        ],
        rows: latencyRows,
      },
      {
        title: 'Load by phase, and what reached the client bystander',
        columns: [
          'phase',
          '/metrics p50 / max ms',
          'server cores',
          'server runq wait',
          'attacker cores',
          'bystander cores',
          'bystander loop p99 ms',
          ...EVENT_TYPES,
        ],
        rows: loadRows,
      },
      ...(figures[1] && floods[0]
        ? [
            timelineTable(
              figures[1].phase,
              floods[0].probes,
              [...new Set(floods[0].probes.map((p) => p.server))].sort(),
            ),
          ]
        : []),
      {
        title: 'Attacker requests during each flood',
        columns: [
          'flood',
          'request',
          'sent',
          'sent/s',
          'accepted',
          'accepted/s',
          'rate_limited',
          'other answers',
          'unanswered',
        ],
        rows: floodRows,
      },
    );
    return {
      options: { idleMs, abuseMs, afterMs, intervalMs, connections, window, room, scenarios },
      tables,
      notes,
      data: {
        p99Ratio: ratio,
        rawP99Ratio: rawRatio,
        targetMet: ratio < 3 && rawRatio < 3,
        leader,
        bystanderServer,
        announcedSendsPerSecond: announcedRates,
        attackerConnectFailed: connectFailed,
        phases: figures.map((fig, i) => ({
          ...fig,
          latencyUs: summaries[i],
          rawLatencyUs: rawSummaries[i],
          scheduledLatencyUs: Histogram.from(fig.phase.scheduledLatency).summary(),
        })),
        floods,
        profiles,
      },
    };
  },
};

/** Reads the servers' profiles of the profiled flood: tables for the bystander's server, notes for the rest. */
async function readProfiles(
  ctx: Context,
  cluster: TestCluster,
  dir: string,
  leader: number | null,
  bystanderServer: number | null,
  tables: Table[],
  notes: string[],
): Promise<Record<string, unknown>> {
  const servers = cluster.running();
  const file = (pid: number | undefined) => join(dir, `server-${pid}.cpuprofile`);
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && !servers.every((s) => existsSync(file(s.pid)))) await sleep(100);
  const out: Record<string, unknown> = {};
  for (const server of servers) {
    const path = file(server.pid);
    const role = server.id === leader ? 'leader' : 'follower';
    if (!existsSync(path)) {
      notes.push(`no profile from server ${server.id}`);
      continue;
    }
    const kept = join(ctx.resultsDir, `${ctx.stamp}-abuse-server-${server.id}-${role}.cpuprofile`);
    copyFileSync(path, kept);
    const summary = summarizeProfile(JSON.parse(readFileSync(path, 'utf8')) as CpuProfile, 25);
    rmSync(path, { force: true });
    out[`server${server.id}`] = { role, file: kept, ...summary };
    const busy = `busy ${summary.busyMs} ms of ${summary.wallMs} ms`;
    if (server.id === bystanderServer) {
      tables.push({
        title: `Flood (profiled): the bystander's server ${server.id} (${role}), top functions by self time (% of busy time)`,
        columns: ['function', 'self ms', '%'],
        rows: summary.functions
          .slice(0, 20)
          .map((f): Cell[] => [f.name, fmt(f.selfMs, 0), fmt(f.percent, 1)]),
      });
    }
    notes.push(
      `Profile of server ${server.id} (${role}${server.id === bystanderServer ? ", the bystander's" : ''}) during the profiled flood: ${busy}; top modules ${summary.modules
        .slice(0, 6)
        .map((m) => `${m.name} ${m.percent}%`)
        .join(', ')}; ${kept}`,
    );
  }
  return out;
}
