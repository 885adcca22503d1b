import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ChatMessage } from '@quorum/protocol';
import { type Digest, RawClient, RequestFailed, TestCluster, WaitAborted, waitFor } from '@quorum/testkit';
import { type CheckResult, checkHistory, measureAvailability } from './checker.js';
import { FaultInjector } from './injector.js';
import type { LoadClientConfig } from './load-client.js';
import { Prng } from './prng.js';
import type { ClientRecord, FaultEvent, FinalState, MessageRef, ReplicaFinal, Timeline } from './records.js';
import { refOf } from './records.js';
import { describeFault, planSchedule, type Schedule } from './schedule.js';

/** e2e/ (this file is e2e/src/nemesis/run.ts or e2e/dist/nemesis/run.js). */
const E2E_ROOT = join(import.meta.dirname, '..', '..');
/** The load client runs compiled (`npm run build` in e2e, which `npm test` and `npm run nemesis` do). */
export const LOAD_CLIENT = join(E2E_ROOT, 'dist', 'nemesis', 'load-client.js');
/** The load goes on at least this long after the heal. */
const MIN_HEALED_TAIL_MS = 8_000;
export const RESULTS_DIR = join(E2E_ROOT, 'results');

export interface NemesisOptions {
  /** Length of the load (faults, then a healed tail), in minutes. */
  readonly minutes: number;
  readonly seed: number;
  readonly servers: number;
  readonly clients: number;
  readonly rooms: number;
  /** Sends per second per client (a ceiling: a client keeps at most `maxPending` pending). */
  readonly rate: number;
  /** Where to write the JSON results; null: nowhere. */
  readonly out: string | null;
  /** `--snapshot-every` of the servers: small, so that runs exercise compaction and snapshot catch-up. */
  readonly snapshotEvery: number;
  /**
   * `--retain-per-room` and `--retain-entries` of the servers: small, so that history reads go
   * through the archive, and a server that was down for a while installs a snapshot and then
   * fills its archive from its peers. Default: 25 and 20.
   */
  readonly retainPerRoom?: number;
  readonly retainEntries?: number;
  /** Progress lines (faults, throughput); default: none. */
  readonly log?: (line: string) => void;
}

export const DEFAULT_OPTIONS = {
  minutes: 2,
  seed: 1,
  servers: 3,
  clients: 4,
  rooms: 3,
  rate: 5,
  snapshotEvery: 300,
  retainPerRoom: 25,
  retainEntries: 20,
} as const;

export interface ClientSummary {
  readonly index: number;
  readonly attempted: number;
  readonly acked: number;
  readonly failed: number;
  readonly received: number;
  readonly reads: number;
  readonly connections: number;
  /** The servers it was connected to, in order. */
  readonly servers: readonly number[];
  /** This client's longest stretch of the load without an ack of its own. */
  readonly longestGapMs: number;
  readonly errors: Readonly<Record<string, number>>;
}

export interface NemesisResult {
  readonly ok: boolean;
  readonly seed: number;
  readonly options: Omit<NemesisOptions, 'log'>;
  readonly replay: string;
  readonly startedAt: string;
  readonly wallMs: number;
  readonly schedule: Schedule;
  /** Executed nemesis actions, `t` in ms since the load started. */
  readonly faults: readonly FaultEvent[];
  /** In ms since the load started. */
  readonly timeline: { readonly faultStart: number; readonly healed: number; readonly loadEnd: number };
  readonly check: CheckResult | null;
  /** Problems of the run itself (a client that crashed, a server that would not restart...). */
  readonly errors: readonly string[];
  readonly clients: readonly ClientSummary[];
  readonly finalDigest: { readonly slot: number; readonly hash: string } | null;
  /** Per replica, from /health after the run: messages it archived itself and fetched from peers. */
  readonly archives: readonly {
    readonly serverId: number;
    readonly written: number;
    readonly backfilled: number;
    readonly snapshot: number;
  }[];
}

export function replayCommand(o: Omit<NemesisOptions, 'log' | 'out'>): string {
  return (
    `npm run nemesis -- --minutes ${o.minutes} --seed ${o.seed} --servers ${o.servers} ` +
    `--clients ${o.clients} --rooms ${o.rooms} --rate ${o.rate} --snapshot-every ${o.snapshotEvery} ` +
    `--retain-per-room ${o.retainPerRoom ?? DEFAULT_OPTIONS.retainPerRoom} ` +
    `--retain-entries ${o.retainEntries ?? DEFAULT_OPTIONS.retainEntries}`
  );
}

export function defaultOut(seed: number): string {
  return join(RESULTS_DIR, `nemesis-${seed}.json`);
}

interface ChildMessage {
  readonly type: 'ready' | 'idle' | 'done' | 'fatal' | 'progress';
  readonly message?: string;
  readonly pending?: number;
  readonly acked?: number;
}

/** One forked load client. */
class ClientProcess {
  readonly messages: ChildMessage[] = [];
  stderr = '';
  acked = 0;

  constructor(
    readonly index: number,
    readonly child: ChildProcess,
    readonly outFile: string,
  ) {
    child.on('message', (m: ChildMessage) => {
      if (m.type === 'progress') this.acked = m.acked ?? this.acked;
      else this.messages.push(m);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-8_000);
    });
    child.stdout?.on('data', () => {});
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  got(type: ChildMessage['type']): ChildMessage | undefined {
    return this.messages.find((m) => m.type === type);
  }

  tell(message: unknown): void {
    if (this.alive && this.child.connected) this.child.send(message as never);
  }

  async kill(): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGKILL');
    await Promise.race([exited, sleep(5_000)]);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

function withTimeout<T>(what: string, promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const ref = (m: ChatMessage): MessageRef => refOf(m);

class Disposed extends Error {
  constructor() {
    super('the nemesis run was disposed');
  }
}

/**
 * One nemesis run: a real cluster (balancer + servers), load client processes, the seeded fault
 * schedule, the heal, the drain, the final reads of every replica, and the check. `dispose()`
 * kills every process the run started (by PID); `run()` calls it itself when it ends, and a test
 * calls it in `afterAll` too in case the run is still going when the test gives up.
 */
export class NemesisRun {
  readonly options: NemesisOptions;
  readonly schedule: Schedule;
  #cluster: TestCluster | null = null;
  readonly #clients: ClientProcess[] = [];
  #workDir: string | null = null;
  #disposed = false;
  readonly #errors: string[] = [];
  readonly #log: (line: string) => void;
  #loadStart = 0;

  constructor(options: NemesisOptions) {
    if (!(options.minutes > 0 && options.minutes <= 24 * 60))
      throw new RangeError('minutes must be in (0, 1440]');
    if (!Number.isInteger(options.clients) || options.clients < 1 || options.clients > 64)
      throw new RangeError('clients must be an integer in [1, 64]');
    if (!Number.isInteger(options.rooms) || options.rooms < 1 || options.rooms > 50)
      throw new RangeError('rooms must be an integer in [1, 50]');
    if (!(options.rate > 0 && options.rate <= 100)) throw new RangeError('rate must be in (0, 100]');
    this.options = options;
    this.#log = options.log ?? (() => {});
    this.schedule = planSchedule({
      seed: options.seed,
      servers: options.servers,
      durationMs: Math.round(options.minutes * 60_000),
    });
  }

  /** The cluster while the run is going (null before it started and after dispose). */
  get cluster(): TestCluster | null {
    return this.#cluster;
  }

  /** Every PID this run started and that is still running (servers, balancer, clients). */
  pids(): number[] {
    const pids: number[] = [];
    for (const c of this.#clients) if (c.alive && c.child.pid !== undefined) pids.push(c.child.pid);
    for (const s of this.#cluster?.servers ?? []) if (s.running && s.pid !== undefined) pids.push(s.pid);
    const b = this.#cluster?.balancer;
    if (b && b.exitCode === null && b.signalCode === null && b.pid !== undefined) pids.push(b.pid);
    return pids;
  }

  #since(t: number): string {
    return `[${String(Math.round((t - this.#loadStart) / 1000)).padStart(4)} s]`;
  }

  #check(): void {
    if (this.#disposed) throw new Disposed();
  }

  async #sleepUntil(t: number): Promise<void> {
    while (Date.now() < t) {
      this.#check();
      await sleep(Math.min(250, t - Date.now()));
    }
    this.#check();
  }

  /** Polls `condition` every 50-250 ms until true or `timeoutMs` passes; false on timeout. */
  async #until(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      this.#check();
      if (await condition()) return true;
      if (Date.now() >= deadline) return false;
      await sleep(100);
    }
  }

  async run(): Promise<NemesisResult> {
    const started = Date.now();
    const o = this.options;
    const durationMs = this.schedule.durationMs;
    const adminToken = `nemesis-${randomBytes(12).toString('hex')}`;
    const roomNames = Array.from({ length: o.rooms }, (_, i) => `room-${i + 1}`);
    const reader = { user: 'nemesis-reader', password: `pw-${randomBytes(8).toString('hex')}` };
    let injector: FaultInjector | null = null;
    let check: CheckResult | null = null;
    let finalDigest: NemesisResult['finalDigest'] = null;
    let archives: NemesisResult['archives'] = [];
    const records: ClientRecord[] = [];
    const timeline = { loadStart: 0, faultStart: 0, healed: 0, loadEnd: 0 };
    try {
      this.#workDir = mkdtempSync(join(tmpdir(), 'quorum-nemesis-'));
      this.#log(
        `nemesis seed ${o.seed}: ${o.servers} servers, ${o.clients} clients x ${o.rate}/s over ${o.rooms} rooms, ` +
          `${o.minutes} min, ${this.schedule.episodes.length} fault episodes`,
      );
      const cluster = await TestCluster.start({
        size: o.servers,
        adminToken,
        // Clients on a server cut off by a fault must move as they would in production.
        productionCutOff: true,
        extraServerArgs: [
          '--snapshot-every',
          String(o.snapshotEvery),
          '--retain-per-room',
          String(o.retainPerRoom ?? DEFAULT_OPTIONS.retainPerRoom),
          '--retain-entries',
          String(o.retainEntries ?? DEFAULT_OPTIONS.retainEntries),
        ],
      });
      this.#cluster = cluster;
      this.#check();

      // A reader account, member of every room, for the final reads.
      await this.#prepareReader(cluster, reader, roomNames);

      // Load clients.
      const servers = cluster.servers.map((s) => ({ id: s.id, url: s.wsUrl }));
      for (let index = 1; index <= o.clients; index++) {
        const outFile = join(this.#workDir, `client-${index}.json`);
        const config: LoadClientConfig = {
          index,
          clientId: `nemesis-${o.seed}-c${index}`,
          user: `nemesis-c${index}`,
          password: `pw-${randomBytes(8).toString('hex')}`,
          balancerUrl: cluster.balancerUrl,
          servers,
          rooms: roomNames,
          ratePerSecond: o.rate,
          seed: o.seed,
          outFile,
          maxPending: 50,
          historyReadMs: 1_000,
          directReadMs: 1_500,
        };
        const child = fork(LOAD_CLIENT, [JSON.stringify(config)], {
          stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        });
        this.#clients.push(new ClientProcess(index, child, outFile));
      }
      const ready = await this.#until(
        () =>
          this.#clients.every(
            (c) => c.got('ready') !== undefined || c.got('fatal') !== undefined || !c.alive,
          ),
        60_000,
      );
      const notReady = this.#clients.filter((c) => c.got('ready') === undefined);
      if (!ready || notReady.length > 0) {
        throw new Error(
          `load clients not ready: ${notReady
            .map((c) => `#${c.index} ${c.got('fatal')?.message ?? ''} ${c.stderr.slice(-1000)}`)
            .join('; ')}`,
        );
      }

      // Load, with the nemesis.
      this.#loadStart = timeline.loadStart = Date.now();
      for (const c of this.#clients) c.tell({ type: 'go' });
      this.#log(`${this.#since(Date.now())} load started`);
      timeline.faultStart = timeline.loadStart + this.schedule.faultStartMs;
      const faultEnd = timeline.loadStart + this.schedule.faultEndMs;
      injector = new FaultInjector(cluster, adminToken, this.schedule.f, new Prng(o.seed ^ 0x5eed), (line) =>
        this.#log(`${this.#since(Date.now())} ${line}`),
      );
      const progress = setInterval(() => this.#progress(injector), 15_000);
      try {
        for (const episode of this.schedule.episodes) {
          if (Date.now() >= faultEnd) break;
          await this.#sleepUntil(timeline.loadStart + episode.atMs);
          this.#checkClients();
          const applied = await injector.apply(episode);
          if (applied === null) continue;
          await this.#sleepUntil(Math.min(timeline.loadStart + episode.atMs + episode.durationMs, faultEnd));
          await injector.revert(applied);
        }
        await this.#sleepUntil(faultEnd);
        await injector.healAll();
        timeline.healed = Date.now();
        this.#log(`${this.#since(timeline.healed)} healed`);
        try {
          await cluster.waitForLeader(30_000, cluster.servers);
        } catch (error) {
          this.#errors.push(`no leader within 30 s of the heal: ${String(error)}`);
        }
        // A healed tail to measure, even when healing ran late.
        await this.#sleepUntil(
          Math.max(timeline.loadStart + durationMs, timeline.healed + MIN_HEALED_TAIL_MS),
        );
      } finally {
        clearInterval(progress);
      }
      this.#checkClients();

      // Stop the load, drain the outboxes, let the replicas converge.
      timeline.loadEnd = Date.now();
      for (const c of this.#clients) c.tell({ type: 'stop-sending', drainMs: 60_000 });
      const idle = await this.#until(() => this.#clients.every((c) => c.got('idle') || !c.alive), 90_000);
      if (!idle) this.#errors.push('load clients did not drain within 90 s');
      this.#log(`${this.#since(Date.now())} load stopped; reading every replica`);
      const converged = await this.#converge(cluster);
      if (converged !== null) finalDigest = { slot: converged.lastAppliedSlot, hash: converged.hash };

      // Final state: every replica's digest and full history; the leader's history is the reference.
      const final = await this.#readFinal(cluster, reader, roomNames);
      archives = final.replicas.flatMap((r) => (r.archive ? [{ serverId: r.serverId, ...r.archive }] : []));

      // Let the clients catch up with the final heads, then collect their records.
      const heads = Object.fromEntries(
        Object.entries(final.history).map(([room, messages]) => [room, messages.at(-1)?.position ?? 0]),
      );
      for (const c of this.#clients) c.tell({ type: 'finish', heads, timeoutMs: 30_000 });
      await this.#until(() => this.#clients.every((c) => !c.alive), 45_000);
      for (const c of this.#clients) {
        try {
          records.push(JSON.parse(readFileSync(c.outFile, 'utf8')) as ClientRecord);
        } catch (error) {
          this.#errors.push(`no record from client ${c.index}: ${String(error)} ${c.stderr.slice(-1000)}`);
        }
      }
      check = checkHistory({ clients: records, final, timeline: timeline as Timeline });
    } catch (error) {
      if (!(error instanceof Disposed))
        this.#errors.push(`run failed: ${error instanceof Error ? error.stack : String(error)}`);
    } finally {
      if (injector) this.#errors.push(...injector.errors);
      await this.dispose();
    }
    const result: NemesisResult = {
      ok: check?.ok === true && this.#errors.length === 0,
      seed: o.seed,
      options: {
        minutes: o.minutes,
        seed: o.seed,
        servers: o.servers,
        clients: o.clients,
        rooms: o.rooms,
        rate: o.rate,
        out: o.out,
        snapshotEvery: o.snapshotEvery,
      },
      replay: replayCommand(o),
      startedAt: new Date(started).toISOString(),
      wallMs: Date.now() - started,
      schedule: this.schedule,
      faults: (injector?.events ?? []).map((e) => ({ ...e, t: e.t - timeline.loadStart })),
      timeline: {
        faultStart: timeline.faultStart - timeline.loadStart,
        healed: timeline.healed - timeline.loadStart,
        loadEnd: timeline.loadEnd - timeline.loadStart,
      },
      check,
      errors: [...this.#errors],
      clients: records.map((r) => ({
        index: r.index,
        attempted: r.attempts.length,
        acked: r.acks.length,
        failed: r.failures.length,
        received: r.received.length,
        reads: r.reads.length,
        connections: r.connections,
        servers: r.sessions.flatMap((x) => (x.serverId === null ? [] : [x.serverId])),
        longestGapMs: measureAvailability(
          r.acks.map((a) => a.t),
          [],
          timeline,
        ).longestGapMs,
        errors: r.errors,
      })),
      finalDigest,
      archives,
    };
    if (o.out !== null) {
      mkdirSync(dirname(o.out), { recursive: true });
      writeFileSync(o.out, `${JSON.stringify(result, null, 2)}\n`);
    }
    return result;
  }

  async #prepareReader(
    cluster: TestCluster,
    reader: { user: string; password: string },
    rooms: readonly string[],
  ): Promise<void> {
    let lastError: unknown = null;
    for (let attempt = 1; attempt <= 5; attempt++) {
      this.#check();
      let raw: RawClient | null = null;
      try {
        const leader = await cluster.waitForLeader(15_000);
        raw = await withTimeout('connect', RawClient.connect(cluster.server(leader).wsUrl), 5_000);
        if (attempt === 1) await raw.register(reader.user, reader.password);
        else
          await raw
            .login(reader.user, reader.password)
            .catch(() => raw?.register(reader.user, reader.password));
        for (const room of rooms) await raw.join(room);
        return;
      } catch (error) {
        lastError = error;
        await sleep(500 * attempt);
      } finally {
        raw?.close();
      }
    }
    throw new Error(`could not prepare the reader account: ${String(lastError)}`);
  }

  /** Waits until every replica has applied the same slot; returns that digest (or null). */
  async #converge(cluster: TestCluster): Promise<Digest | null> {
    let last: (Digest | null)[] = [];
    const done = await this.#until(async () => {
      last = await Promise.all(cluster.servers.map((s) => s.digest().catch(() => null)));
      const first = last[0];
      return (
        first !== null &&
        first !== undefined &&
        last.every((d) => d !== null && d.lastAppliedSlot === first.lastAppliedSlot)
      );
    }, 60_000);
    if (!done) {
      this.#errors.push(`replicas did not converge on one applied slot within 60 s: ${JSON.stringify(last)}`);
      return null;
    }
    return last[0] ?? null;
  }

  async #readFinal(
    cluster: TestCluster,
    reader: { user: string; password: string },
    rooms: readonly string[],
  ): Promise<FinalState> {
    const digests = await Promise.all(cluster.servers.map((s) => s.digest().catch(() => null)));
    const slot = Math.min(...digests.map((d) => d?.lastAppliedSlot ?? Number.POSITIVE_INFINITY));
    const replicas: ReplicaFinal[] = [];
    for (const server of cluster.servers) {
      let digest: ReplicaFinal['digest'] = null;
      let history: Record<string, MessageRef[]> | null = null;
      const problems: string[] = [];
      try {
        const d = Number.isFinite(slot) ? await server.digest(slot) : null;
        if (d !== null) digest = { slot: d.lastAppliedSlot, appliedCount: d.appliedCount, hash: d.hash };
        else problems.push(`no digest for slot ${slot}`);
      } catch (error) {
        problems.push(`digest: ${String(error)}`);
      }
      let raw: RawClient | null = null;
      try {
        raw = await withTimeout('connect', RawClient.connect(server.wsUrl), 5_000);
        await raw.login(reader.user, reader.password);
        const rooms_: Record<string, MessageRef[]> = {};
        for (const room of rooms) {
          // A replica that installed a snapshot answers `unavailable` until its archive is
          // filled from its peers: wait for that (bounded), anything else is a finding.
          const connected = raw;
          const messages = await waitFor(
            `server ${server.id} to serve the history of ${room}`,
            async () => {
              try {
                return await connected.fullHistory(room);
              } catch (error) {
                if (error instanceof RequestFailed && error.reply.code === 'unavailable') return null;
                throw new WaitAborted(String(error));
              }
            },
            { timeoutMs: 30_000, intervalMs: 200 },
          );
          rooms_[room] = messages.map(ref);
        }
        history = rooms_;
      } catch (error) {
        problems.push(`history: ${String(error)}`);
      } finally {
        raw?.close();
      }
      const health = await server.health().catch(() => null);
      replicas.push({
        serverId: server.id,
        digest,
        history,
        ...(health?.archive && {
          archive: {
            written: health.archive.written,
            backfilled: health.archive.backfilled,
            snapshot: health.snapshot,
          },
        }),
        ...(problems.length > 0 ? { error: problems.join('; ') } : {}),
      });
    }
    let leader: number | null = null;
    try {
      leader = await cluster.waitForLeader(10_000, cluster.servers);
    } catch {
      // Fall back to the first replica that could be read.
    }
    const reference =
      replicas.find((r) => r.serverId === leader && r.history !== null) ??
      replicas.find((r) => r.history !== null);
    if (reference === undefined || reference.history === null) {
      throw new Error(`no replica's history could be read: ${replicas.map((r) => r.error).join(' | ')}`);
    }
    return { referenceServer: reference.serverId, history: reference.history, replicas };
  }

  #checkClients(): void {
    for (const c of this.#clients) {
      const fatal = c.got('fatal');
      if (fatal !== undefined || !c.alive) {
        const message = `load client ${c.index} stopped: ${fatal?.message ?? `exit ${c.child.exitCode ?? c.child.signalCode}`} ${c.stderr.slice(-1000)}`;
        if (!this.#errors.includes(message)) this.#errors.push(message);
        throw new Error(message);
      }
    }
  }

  #lastAcked = 0;
  #progress(injector: FaultInjector | null): void {
    const acked = this.#clients.reduce((sum, c) => sum + c.acked, 0);
    this.#log(
      `${this.#since(Date.now())} acks ${acked} (+${acked - this.#lastAcked}), faulty servers: ${injector?.faulty ?? 0}`,
    );
    this.#lastAcked = acked;
  }

  /** Kills every process of the run (clients, servers, balancer) by PID and removes its files. Idempotent. */
  async dispose(): Promise<void> {
    this.#disposed = true;
    await Promise.all(this.#clients.map((c) => c.kill()));
    const cluster = this.#cluster;
    this.#cluster = null;
    if (cluster !== null) await cluster.close();
    if (this.#workDir !== null) rmSync(this.#workDir, { recursive: true, force: true });
    this.#workDir = null;
  }
}

export function summarizeSchedule(schedule: Schedule): string[] {
  return schedule.episodes.map(
    (e) =>
      `${String(Math.round(e.atMs / 100) / 10).padStart(6)} s +${Math.round(e.durationMs / 100) / 10} s: ${e.faults
        .map(describeFault)
        .join(', ')}`,
  );
}
