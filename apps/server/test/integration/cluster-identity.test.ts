import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type HealthInfo,
  RawClient,
  runInit,
  type ServerProcess,
  TestCluster,
  waitFor,
} from '@quorum/testkit';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * Cluster identity and recovery on real processes: `init` makes a new cluster's voters and
 * nothing else; a peer of another cluster is refused at the handshake; a server started on an
 * empty data directory recovers before it votes, and says so.
 */
const clusters: TestCluster[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const cluster of clusters.splice(0)) await cluster.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function startCluster(options: Parameters<typeof TestCluster.start>[0] = {}): Promise<TestCluster> {
  const cluster = await TestCluster.start(options);
  clusters.push(cluster);
  return cluster;
}

function tempRoot(): string {
  const dir = mkdtempSync(join(tmpdir(), 'quorum-identity-'));
  dirs.push(dir);
  return dir;
}

/** /health with its HTTP status. */
async function health(server: ServerProcess): Promise<{ status: number; body: HealthInfo }> {
  const response = await fetch(`${server.httpUrl}/health`, { signal: AbortSignal.timeout(2000) });
  return { status: response.status, body: (await response.json()) as HealthInfo };
}

describe('quorum-server init', () => {
  it('makes a new store once, and refuses a directory that already holds a store (or anything else)', async () => {
    const root = tempRoot();
    const dir = join(root, 'server-1');
    const first = await runInit(dir, 1, 'cluster-one');
    expect(first).toMatchObject({ code: 0 });
    expect(first.output).toContain('server 1 of cluster cluster-one');

    const again = await runInit(dir, 1, 'cluster-two');
    expect(again.code).not.toBe(0);
    expect(again.output).toContain('already holds a store');

    const other = join(root, 'other');
    mkdirSync(other, { mode: 0o700 });
    writeFileSync(join(other, 'notes.txt'), 'somebody else’s files');
    const foreign = await runInit(other, 1, 'cluster-one');
    expect(foreign.code).not.toBe(0);
    expect(foreign.output).toMatch(/not a Quorum store/);

    const malformed = await runInit(join(root, 'server-2'), 2, 'not a valid id!');
    expect(malformed.code).toBe(2);
    expect(malformed.output).toContain('--cluster-id must be');
  });

  it('refuses the store of a running server of a started cluster', async () => {
    const cluster = await startCluster({ size: 1 });
    const server = cluster.server(1);
    const refused = await runInit(server.dataDir, 1, cluster.clusterId);
    expect(refused.code).not.toBe(0);
    expect(refused.output).toContain('already holds a store');
    expect((await health(server)).body).toMatchObject({ ok: true, clusterId: cluster.clusterId });
  });
});

describe('cluster identity at the peer handshake', () => {
  it('refuses a server of another cluster (same secret, other cluster id) and logs both ids', async () => {
    const a = await startCluster({ size: 3 });
    // A one-server cluster B with the same secret: only its cluster id tells it from A's servers.
    const b = await startCluster({ size: 1, secret: a.secret });
    expect(b.clusterId).not.toBe(a.clusterId);
    const intruder = b.server(1);
    await intruder.stop();
    // B's server, misconfigured to take A's servers 2 and 3 for its peers.
    const peers = [
      `1=127.0.0.1:${intruder.port}`,
      `2=127.0.0.1:${a.server(2).port}`,
      `3=127.0.0.1:${a.server(3).port}`,
    ].join(',');
    await intruder.start(['--peers', peers]);

    for (const id of [2, 3]) {
      await waitFor(
        `server ${id} of cluster A to log why it refused the intruder`,
        () =>
          a.server(id).fullLog.includes('refused peer link from server 1') &&
          a.server(id).fullLog.includes(`it belongs to cluster ${b.clusterId}`) &&
          a.server(id).fullLog.includes(`this server to cluster ${a.clusterId}`),
        { timeoutMs: 20_000 },
      );
    }
    // The intruder hears why too, and never gets a link in.
    await waitFor('the intruder to log the refusal', () => intruder.fullLog.includes('cluster id mismatch'), {
      timeoutMs: 20_000,
    });
    const peersUp = async (server: ServerProcess, id: number) => {
      const response = await fetch(`${server.httpUrl}/status`, { signal: AbortSignal.timeout(2000) });
      const status = (await response.json()) as { replicas: { id: number; peersUp: number[] }[] };
      return status.replicas.find((r) => r.id === id)?.peersUp;
    };
    expect(await peersUp(intruder, 1)).toEqual([]); // A's servers refused both of its links

    // Cluster A is not disturbed: it still elects and commits.
    await a.waitForLeader(20_000);
    const client = await RawClient.connect(a.server(2).wsUrl);
    await client.register('still-a-cluster');
    await client.join('general');
    await client.send('general', 'hello from cluster A', 'identity-client-1', 1);
    client.close();
  }, 120_000);
});

describe('a server started on an empty data directory', () => {
  it('recovers before it votes: /health and the balancer say recovering, it learns the cluster id, then rejoins', async () => {
    const cluster = await startCluster({ size: 3 });
    await cluster.waitForLeader(20_000);
    const writer = await RawClient.connect(cluster.server(1).wsUrl);
    await writer.register('before-the-wipe');
    await writer.join('general');
    for (let seq = 1; seq <= 5; seq++) await writer.send('general', `message ${seq}`, 'wipe-writer-1', seq);
    writer.close();

    // Server 2 down, server 3's disk lost: 3 needs answers from both others, so it must wait.
    await cluster.server(2).kill();
    const victim = await cluster.wipe(3);
    const recovering = await waitFor(
      'server 3 to report recovering, with server 1 answered and the cluster id learned from it',
      async () => {
        const { status, body } = await health(victim);
        return body.role === 'recovering' &&
          body.recovery?.answered.includes(1) &&
          body.clusterId === cluster.clusterId
          ? { status, body }
          : null;
      },
      { timeoutMs: 30_000 },
    );
    expect(recovering.status).toBe(503);
    expect(recovering.body).toMatchObject({ ok: false, status: 'recovering', clusterId: cluster.clusterId });
    expect(recovering.body.recovery).toMatchObject({ needed: 2, target: null });
    expect(victim.fullLog).toContain('recovering from its peers before it votes');
    expect(victim.fullLog).toContain(`cluster id ${cluster.clusterId} learned from server 1`);

    // The balancer shows it recovering and never hands it out; it refuses clients itself.
    await waitFor(
      'the balancer to show server 3 recovering',
      async () => {
        const response = await fetch(`${cluster.balancerUrl}/cluster`, { signal: AbortSignal.timeout(2000) });
        const status = (await response.json()) as {
          servers: { id: number; role: string; recovery?: unknown }[];
        };
        const three = status.servers.find((s) => s.id === 3);
        return three?.role === 'recovering' && three.recovery !== undefined;
      },
      { timeoutMs: 20_000 },
    );
    for (let i = 0; i < 5; i++) expect((await cluster.assign()).serverId).not.toBe(3);
    await expect(RawClient.connect(victim.wsUrl)).rejects.toThrow(/503/);

    // A majority of the others back: recovery completes, and the recovered store has the id.
    await cluster.server(2).start();
    await waitFor(
      'server 3 to finish recovering',
      async () => {
        const { body } = await health(victim);
        return body.ok && body.role !== 'recovering';
      },
      { timeoutMs: 30_000 },
    );
    await waitFor('the log to say recovery completed', () => victim.fullLog.includes('recovery complete'), {
      timeoutMs: 10_000,
    });
    await victim.kill();
    await victim.start();
    const restarted = (await health(victim)).body;
    expect(restarted.role).not.toBe('recovering');
    expect(restarted.clusterId).toBe(cluster.clusterId);
    await cluster.waitForLeader(20_000);
    await cluster.waitForConvergence(30_000);
    const reader = await RawClient.connect(victim.wsUrl);
    await reader.login('before-the-wipe');
    await reader.join('general');
    const history = await reader.fullHistory('general');
    expect(history.map((m) => m.text)).toEqual([1, 2, 3, 4, 5].map((n) => `message ${n}`));
    reader.close();
  }, 120_000);
});
