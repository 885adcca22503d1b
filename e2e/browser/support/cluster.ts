/**
 * Helpers around a real test cluster (`TestCluster` from @quorum/testkit: a balancer and 2f+1
 * servers as child processes): the balancer's view, healing after a test, and small waits.
 */

import { type TestCluster, waitFor } from '@quorum/testkit';

/** The admin token every browser-test cluster is started with (fault injection). */
export const ADMIN_TOKEN = 'browser-e2e-admin-token';

/** One server as the balancer's `GET /cluster` reports it. */
export interface BalancerServer {
  readonly id: number;
  readonly url: string | null;
  readonly healthy: boolean;
  readonly load: number;
  readonly role: string;
  readonly leaderId: number | null;
  readonly peersUp: readonly number[];
}

export interface BalancerStatus {
  readonly ready: boolean;
  readonly size: number;
  readonly leaderId: number | null;
  readonly servers: readonly BalancerServer[];
}

export async function balancerStatus(cluster: TestCluster): Promise<BalancerStatus> {
  const response = await fetch(`${cluster.balancerUrl}/cluster`, { signal: AbortSignal.timeout(2000) });
  if (!response.ok) throw new Error(`GET /cluster: ${response.status}`);
  return (await response.json()) as BalancerStatus;
}

/**
 * The healthy servers with the lowest reported load: where the balancer's `assign` sends the
 * next client (ties rotate among them).
 */
export function leastLoaded(status: BalancerStatus, exclude: readonly number[] = []): number[] {
  const live = status.servers.filter((s) => s.healthy && !exclude.includes(s.id));
  const lowest = Math.min(...live.map((s) => s.load));
  return live.filter((s) => s.load === lowest).map((s) => s.id);
}

/**
 * Waits until the balancer counts exactly these servers healthy (after kills and restarts), each
 * reporting links to a majority (the balancer prefers those when it assigns).
 */
export async function waitForBalancerHealthy(
  cluster: TestCluster,
  ids: readonly number[],
  timeoutMs = 15_000,
): Promise<BalancerStatus> {
  const want = [...ids].sort((a, b) => a - b).join(',');
  return waitFor(
    `the balancer to see servers ${want} healthy`,
    async () => {
      const status = await balancerStatus(cluster);
      const healthy = status.servers.filter((s) => s.healthy);
      const majority = Math.floor(status.size / 2) + 1;
      const linked = healthy.every((s) => s.peersUp.length + 1 >= majority);
      return linked && healthy.map((s) => s.id).join(',') === want ? status : null;
    },
    { timeoutMs, intervalMs: 50 },
  );
}

/** Ids of the servers whose processes are running. */
export function runningIds(cluster: TestCluster): number[] {
  return cluster.running().map((s) => s.id);
}

/**
 * Puts the cluster back the way a test found it: every paused server continued, every stopped
 * one restarted on its data, one leader, every replica on the same log, every server back in the
 * balancer's rotation. Throws (failing the test, and so replacing the worker) if it cannot.
 */
export async function heal(cluster: TestCluster): Promise<void> {
  for (const server of cluster.servers) {
    server.resume();
    if (!server.running) await server.start();
  }
  await cluster.waitForLeader(20_000);
  await cluster.waitForConvergence(20_000);
  await waitForBalancerHealthy(
    cluster,
    cluster.servers.map((s) => s.id),
  );
}
