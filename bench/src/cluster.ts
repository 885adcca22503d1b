import { RawClient, type ServerProcess, TestCluster, waitFor } from '@quorum/testkit';
import type { Context } from './context.js';

/**
 * Server flags every benchmark uses: the per-connection send limit (200/s by default) would cap a
 * closed-loop client at 200 msgs/s, and the load generators connect from many loopback addresses
 * anyway, so neither limit is what a benchmark should measure.
 */
export const BENCH_SERVER_ARGS = [
  '--sends-per-second',
  '1000000',
  '--max-connections-per-address',
  '100000',
  '--max-connections-per-user',
  '100000',
];

/** The servers' own request budgets; only the per-address connection cap is raised. */
export const DEFAULT_LIMITS_SERVER_ARGS = ['--max-connections-per-address', '100000'];

export interface BenchClusterOptions {
  readonly extraServerArgs?: readonly string[];
  /**
   * Run the servers with their default request budgets (no `--sends-per-second`): for the abuse
   * benchmark, which measures exactly those budgets. Only the per-address connection cap is
   * raised (every benchmark process connects from loopback).
   */
  readonly defaultLimits?: boolean;
  /** Extra environment for the server processes only (e.g. NODE_OPTIONS=--cpu-prof). */
  readonly serverEnv?: Readonly<Record<string, string>>;
}

const active = new Set<TestCluster>();

/** Closes every cluster still open (on a signal or the run's time limit). */
export async function closeAllClusters(): Promise<void> {
  await Promise.all([...active].map((c) => c.close().catch(() => {})));
}

/**
 * A TestCluster of 3 durable servers with the bench flags. TestCluster spawns its children with
 * this process's environment, so `serverEnv` is set only while the cluster starts and restored
 * once it has: a later `ServerProcess.start` (a restart) does not get it. The balancer, spawned
 * in the same window, inherits it too (harmless for --cpu-prof: it is SIGKILLed, so it writes
 * no profile).
 */
export async function startCluster(
  ctx: Pick<Context, 'serverArgs'>,
  options: BenchClusterOptions = {},
): Promise<TestCluster> {
  const saved = new Map<string, string | undefined>();
  for (const [key, value] of Object.entries(options.serverEnv ?? {})) {
    saved.set(key, process.env[key]);
    process.env[key] = value;
  }
  try {
    const base = options.defaultLimits ? DEFAULT_LIMITS_SERVER_ARGS : BENCH_SERVER_ARGS;
    const cluster = await TestCluster.start({
      // Measure what production does: clients of a server cut off from the majority move on.
      productionCutOff: true,
      productionLimits: options.defaultLimits === true,
      extraServerArgs: [...base, ...ctx.serverArgs, ...(options.extraServerArgs ?? [])],
    });
    active.add(cluster);
    const close = cluster.close.bind(cluster);
    cluster.close = async () => {
      active.delete(cluster);
      await close();
    };
    return cluster;
  } finally {
    for (const [key, value] of saved) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

/** Parses Prometheus text: metric name (labels summed away) -> value. */
export function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([A-Za-z_:][A-Za-z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const value = Number(match[3]);
    if (!Number.isFinite(value)) continue;
    out.set(match[1]!, (out.get(match[1]!) ?? 0) + value);
  }
  return out;
}

export async function metricsOf(server: ServerProcess): Promise<Map<string, number>> {
  const response = await fetch(`${server.httpUrl}/metrics`, { signal: AbortSignal.timeout(3000) });
  return parseMetrics(await response.text());
}

export async function leaderOf(cluster: TestCluster, timeoutMs = 10_000): Promise<ServerProcess> {
  return cluster.server(await cluster.waitForLeader(timeoutMs));
}

/**
 * Registers one user (one scrypt hash on a server) and returns its session token. Every bench
 * client resumes this session (`resume_session` costs a SHA-256, not a KDF), so hundreds of
 * connections cost one password hash.
 */
export async function benchToken(cluster: TestCluster, user = 'bench'): Promise<string> {
  const server = cluster.running()[0];
  if (!server) throw new Error('no running server');
  const raw = await RawClient.connect(server.wsUrl);
  try {
    const ok = await raw.register(user, 'bench password 123');
    return ok.token;
  } finally {
    raw.close();
  }
}

/** Waits until `server` has applied as far as `target` (by /digest), polling every `intervalMs`. */
export async function waitApplied(
  server: ServerProcess,
  target: number,
  timeoutMs: number,
  intervalMs = 20,
): Promise<number> {
  return waitFor(
    `server ${server.id} to apply slot ${target}`,
    async () => {
      const d = await server.digest();
      return d !== null && d.lastAppliedSlot >= target ? d.lastAppliedSlot : null;
    },
    { timeoutMs, intervalMs },
  );
}
