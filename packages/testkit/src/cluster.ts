import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from './ports.js';
import { WaitAborted, waitFor } from './wait.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
export const SERVER_MAIN = join(ROOT, 'apps', 'server', 'dist', 'main.js');
export const BALANCER_MAIN = join(ROOT, 'apps', 'balancer', 'dist', 'main.js');

export interface ClusterOptions {
  readonly size?: number;
  /** Per-server `--faults` specs, by id. */
  readonly faults?: Readonly<Record<number, string>>;
  /** Ids to leave stopped at start (start them later with `start(id)`). */
  readonly deferred?: readonly number[];
  readonly adminToken?: string;
  readonly extraServerArgs?: readonly string[];
  /**
   * Keep the production cut-off (a server without a leader for 2 s, or with a client command
   * stuck for 3 s, sends its clients away with 4003). By default test clusters wait 15 s: a test
   * about something else must not depend on how fast a busy machine elects, since a raw client
   * sent away fails the test. Tests of the cut-off, the nemesis and benchmarks keep it.
   */
  readonly productionCutOff?: boolean;
  /** Keep the production send budget (30 a second per user); by default tests get 1,000. */
  readonly productionLimits?: boolean;
  /** Echo child output to this process's stderr (debugging). */
  readonly verbose?: boolean;
  /** The cluster id every server is initialized with (default: a new random UUID). */
  readonly clusterId?: string;
  /** The cluster secret (default: a new random one). Two clusters sharing one differ only by cluster id. */
  readonly secret?: string;
}

export interface RecoveryInfo {
  incarnation: number;
  answered: number[];
  needed: number;
  target: number | null;
}

export interface HealthInfo {
  /** False while the server recovers (and /health answers 503). */
  ok: boolean;
  status: 'serving' | 'recovering';
  id: number;
  /** The cluster id, stored or (while recovering) learned from a peer; null if none yet. */
  clusterId: string | null;
  role: 'leader' | 'follower' | 'candidate' | 'recovering';
  /** While recovering: which peers answered, how many answers it needs, the slot to reach. */
  recovery: RecoveryInfo | null;
  leaderId: number | null;
  committed: number;
  applied: number;
  snapshot: number;
  messagesInMemory: number;
  archive: { written: number; backfilled: number; requestsServed: number };
}

export interface Digest {
  lastAppliedSlot: number;
  appliedCount: number;
  hash: string;
}

/**
 * Runs `quorum-server init --data-dir D --id N --cluster-id X` (makes D the store of server N of
 * a new cluster X) and returns its exit code and output; it refuses (non-zero) a directory that
 * already holds a store.
 */
export async function runInit(
  dataDir: string,
  id: number,
  clusterId: string,
): Promise<{ code: number | null; output: string }> {
  const args = [SERVER_MAIN, 'init', '--data-dir', dataDir, '--id', String(id), '--cluster-id', clusterId];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (exitCode) => resolve(exitCode));
  });
  return { code, output };
}

/** One server process of a test cluster. */
export class ServerProcess {
  child: ChildProcess | null = null;
  private output = '';

  constructor(
    readonly id: number,
    readonly port: number,
    readonly dataDir: string,
    private readonly args: readonly string[],
    private readonly verbose: boolean,
    /** Secrets go in the environment, never in argv: a command line is world-readable in ps. */
    private readonly env: Readonly<Record<string, string>> = {},
  ) {}

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}/ws`;
  }

  get httpUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Recent output, for failure messages. */
  get log(): string {
    return this.output.slice(-4000);
  }

  /** Everything kept of this run's output (the last 64 KB), to look for a log line. */
  get fullLog(): string {
    return this.output;
  }

  /**
   * `quorum-server init`: makes this server's store as a voter of cluster `clusterId`. Only for
   * a new cluster, before the server's first start (TestCluster.start does it for every server);
   * a restart never inits. Rejects with the server's message if it refuses (a store is there).
   */
  async init(clusterId: string): Promise<void> {
    const { code, output } = await runInit(this.dataDir, this.id, clusterId);
    if (code !== 0) throw new Error(`init of server ${this.id} failed (exit ${code}): ${output.trim()}`);
  }

  /**
   * Loses the disk: SIGKILL (if running), then deletes the whole data directory. Does not start
   * the server again: its next start() finds no store and comes back `recovering`.
   */
  async wipe(): Promise<void> {
    await this.kill();
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  async start(extraArgs: readonly string[] = []): Promise<void> {
    if (this.running) throw new Error(`server ${this.id} is already running`);
    this.output = '';
    const child = spawn(process.execPath, [SERVER_MAIN, ...this.args, ...extraArgs], {
      env: { ...process.env, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const onData = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-64_000);
      if (this.verbose) process.stderr.write(`[s${this.id}] ${chunk}`);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    // Generous: opening a store reads every page in a probe process first, and CI machines are busy.
    await waitFor(
      `server ${this.id} to listen`,
      () => {
        if (!this.running) throw new WaitAborted(`server ${this.id} exited: ${this.log}`);
        return this.output.includes('QUORUM_SERVER_LISTENING');
      },
      { timeoutMs: 30_000 },
    );
  }

  /** SIGKILL: the process dies at once, losing everything not on disk. */
  async kill(): Promise<void> {
    await this.signalAndWait('SIGKILL');
  }

  /** SIGTERM: graceful shutdown. */
  async stop(): Promise<void> {
    await this.signalAndWait('SIGTERM');
  }

  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  async health(): Promise<HealthInfo> {
    const response = await fetch(`${this.httpUrl}/health`, { signal: AbortSignal.timeout(1000) });
    return (await response.json()) as HealthInfo;
  }

  async digest(slot?: number): Promise<Digest | null> {
    const response = await fetch(`${this.httpUrl}/digest${slot === undefined ? '' : `?slot=${slot}`}`, {
      signal: AbortSignal.timeout(1000),
    });
    return response.ok ? ((await response.json()) as Digest) : null;
  }

  private async signalAndWait(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
  }
}

/**
 * A real local cluster: a balancer and 2f+1 servers as child processes on free loopback ports,
 * with fresh data directories, each initialized (`quorum-server init`) as a voter of a new
 * cluster (`clusterId`) before the first start. `server(id).start()` after a kill or stop is a
 * restart and never inits; `wipe(id)` deletes a server's data and restarts it. `close()` kills every process it started (by PID) and removes the
 * data; call it in afterAll/afterEach.
 */
export class TestCluster {
  readonly servers: ServerProcess[] = [];
  balancer: ChildProcess | null = null;
  balancerUrl = '';
  secret = `test-secret-${Math.random().toString(36).slice(2)}`;
  /** The id every server's store was initialized with. */
  clusterId = '';
  private root = '';
  private balancerOutput = '';

  static async start(options: ClusterOptions = {}): Promise<TestCluster> {
    const cluster = new TestCluster();
    try {
      await cluster.boot(options);
    } catch (error) {
      await cluster.close();
      throw error;
    }
    return cluster;
  }

  server(id: number): ServerProcess {
    const server = this.servers.find((s) => s.id === id);
    if (!server) throw new Error(`no server ${id}`);
    return server;
  }

  running(): ServerProcess[] {
    return this.servers.filter((s) => s.running);
  }

  /**
   * A server loses its disk: SIGKILL, delete its data directory, and (unless `start` is false)
   * start it again. It comes back with a new, empty store in role `recovering`, and votes again
   * only once recovery from a majority of the other servers is over. Never inits.
   */
  async wipe(id: number, { start = true }: { start?: boolean } = {}): Promise<ServerProcess> {
    const server = this.server(id);
    await server.wipe();
    if (start) await server.start();
    return server;
  }

  /** The id every running server agrees leads, once they do. */
  async waitForLeader(timeoutMs = 10_000, among = this.running()): Promise<number> {
    return waitFor(
      'a leader all running servers agree on',
      async () => {
        const healths = await Promise.all(among.map((s) => s.health()));
        const leader = healths.find((h) => h.role === 'leader');
        if (!leader) return null;
        return healths.every((h) => h.leaderId === leader.id) ? leader.id : null;
      },
      { timeoutMs },
    );
  }

  /** Waits until every running server has applied the same slot, then checks their digests match. */
  async waitForConvergence(timeoutMs = 15_000, among = this.running()): Promise<Digest> {
    return waitFor(
      'all running replicas to apply the same log with the same digest',
      async () => {
        const digests = await Promise.all(among.map((s) => s.digest()));
        const first = digests[0];
        if (!first) return null;
        const same = digests.every((d) => d !== null && d.lastAppliedSlot === first.lastAppliedSlot);
        if (!same) return null;
        if (!digests.every((d) => d?.hash === first.hash && d.appliedCount === first.appliedCount)) {
          throw new Error(`replicas disagree at slot ${first.lastAppliedSlot}: ${JSON.stringify(digests)}`);
        }
        return first;
      },
      { timeoutMs, intervalMs: 50 },
    );
  }

  async assign(exclude: readonly number[] = []): Promise<{ serverId: number; url: string }> {
    const query = exclude.length > 0 ? `?exclude=${exclude.join(',')}` : '';
    const response = await fetch(`${this.balancerUrl}/assign${query}`, { signal: AbortSignal.timeout(1000) });
    if (!response.ok) throw new Error(`assign failed: ${response.status} ${await response.text()}`);
    return (await response.json()) as { serverId: number; url: string };
  }

  async close(): Promise<void> {
    for (const server of this.servers) {
      server.resume();
      await server.kill();
    }
    if (this.balancer && this.balancer.exitCode === null && this.balancer.signalCode === null) {
      const exited = new Promise<void>((resolve) => this.balancer?.once('exit', () => resolve()));
      this.balancer.kill('SIGKILL');
      await exited;
    }
    if (this.root) rmSync(this.root, { recursive: true, force: true });
  }

  private async boot(options: ClusterOptions): Promise<void> {
    const size = options.size ?? 3;
    if (options.secret !== undefined) this.secret = options.secret;
    this.clusterId = options.clusterId ?? randomUUID();
    this.root = mkdtempSync(join(tmpdir(), 'quorum-cluster-'));
    const [balancerPort, ...ports] = await freePorts(size + 1);
    const peers = ports.map((port, i) => `${i + 1}=127.0.0.1:${port}`).join(',');
    this.balancerUrl = `http://127.0.0.1:${balancerPort}`;
    const balancer = spawn(
      process.execPath,
      [BALANCER_MAIN, '--port', String(balancerPort), '--cluster-size', String(size), '--log-level', 'warn'],
      // The secret in the environment, not argv (visible to every local user in ps).
      { env: { ...process.env, QUORUM_CLUSTER_SECRET: this.secret }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.balancer = balancer;
    const onBalancer = (chunk: Buffer) => {
      this.balancerOutput = (this.balancerOutput + chunk.toString()).slice(-16_000);
      if (options.verbose) process.stderr.write(`[bal] ${chunk}`);
    };
    balancer.stdout?.on('data', onBalancer);
    balancer.stderr?.on('data', onBalancer);
    await waitFor(
      'the balancer to listen',
      () => {
        if (balancer.exitCode !== null) throw new WaitAborted(`balancer exited: ${this.balancerOutput}`);
        return this.balancerOutput.includes('QUORUM_BALANCER_LISTENING');
      },
      { timeoutMs: 30_000 },
    );
    for (let id = 1; id <= size; id++) {
      const args = [
        '--id',
        String(id),
        '--peers',
        peers,
        '--port',
        String(ports[id - 1]),
        '--host',
        '127.0.0.1',
        '--balancer',
        this.balancerUrl,
        '--data-dir',
        join(this.root, `server-${id}`),
        '--log-level',
        'warn',
        ...(options.faults?.[id] !== undefined ? ['--faults', options.faults[id] as string] : []),
        ...(options.productionCutOff
          ? []
          : ['--cut-off-leaderless-ms', '15000', '--cut-off-stuck-ms', '15000']),
        // Tests post faster than a person: 1,000 sends a second per user unless a test sets its
        // own (a later flag wins).
        ...(options.productionLimits ? [] : ['--sends-per-second', '1000']),
        ...(options.extraServerArgs ?? []),
      ];
      // An empty QUORUM_ADMIN_TOKEN counts as unset, so none leaks in from the caller's shell.
      const env = { QUORUM_CLUSTER_SECRET: this.secret, QUORUM_ADMIN_TOKEN: options.adminToken ?? '' };
      this.servers.push(
        new ServerProcess(
          id,
          ports[id - 1]!,
          join(this.root, `server-${id}`),
          args,
          options.verbose ?? false,
          env,
        ),
      );
    }
    // A new cluster: every member's store is made a voter of this cluster first (deferred ones
    // too). Later starts (restarts) never init; a wiped server comes back recovering.
    await Promise.all(this.servers.map((s) => s.init(this.clusterId)));
    await Promise.all(this.servers.filter((s) => !options.deferred?.includes(s.id)).map((s) => s.start()));
    await this.waitForLeader();
  }
}
