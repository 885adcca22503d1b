import { rmSync } from 'node:fs';
import { RawClient, TestCluster, waitFor } from '@quorum/testkit';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * Issue 13's scenario on real processes. Server 2 (any follower) really misses what the others
 * commit — its links are cut both ways, then it is stopped (SIGSTOP) — while ~100 messages are
 * acknowledged. Then the leader dies (SIGKILL) and the third server loses its disk (SIGKILL, its
 * data directory deleted, started again). The lagging server and the wiped one are two of three:
 * before the fix the wiped server came back as an empty voter, the two elected a leader and
 * filled the acknowledged positions with new messages. Now the wiped server recovers before it
 * votes, which needs both others: nothing commits until the leader is back, and then every
 * acknowledged message is at its acknowledged position on every server.
 */
const ADMIN_TOKEN = 'disk-loss-test-admin-token-0123456789abcdef';
const ROOM = 'lost-disk';
const ACKED = 100;
/** How long the two remaining servers are watched for progress they must not make. */
const STALL_WINDOW_MS = 6_000;

let cluster: TestCluster | null = null;

afterEach(async () => {
  await cluster?.close();
  cluster = null;
});

async function plan(c: TestCluster, id: number, spec: string): Promise<void> {
  const response = await fetch(`${c.server(id).httpUrl}/admin/faults`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ spec }),
  });
  expect(response.ok, await response.text()).toBe(true);
}

describe('a server that lost its disk rejoins without endangering acknowledged messages', () => {
  it('3 servers: one cut off and stopped, the leader killed, the third wiped: no progress until the leader is back, then nothing acknowledged is lost', async () => {
    const c = await TestCluster.start({ size: 3, adminToken: ADMIN_TOKEN });
    cluster = c;
    const leader = await c.waitForLeader();
    const [lagger, wiped] = c.servers.map((s) => s.id).filter((id) => id !== leader) as [number, number];

    // The lagger misses everything from here on: cut both ways, then stopped.
    await plan(c, lagger, 'd:0');
    for (const id of [leader, wiped]) await plan(c, id, `to:${lagger}::d:0`);
    c.server(lagger).pause();

    const writer = await RawClient.connect(c.server(wiped).wsUrl);
    await writer.register('writer');
    await writer.join(ROOM);
    const acked = new Map<number, string>();
    for (let seq = 1; seq <= ACKED; seq++) {
      const text = `acknowledged ${seq}`;
      const ack = await writer.send(ROOM, text, 'writer-client-1', seq);
      acked.set(ack.position, text);
    }
    writer.close();
    expect(acked.size).toBe(ACKED);

    // The leader dies; the third server loses its disk and comes back on an empty store.
    await c.server(leader).kill();
    await c.server(wiped).kill();
    rmSync(c.server(wiped).dataDir, { recursive: true, force: true });
    await c.server(wiped).start();
    c.server(lagger).resume();
    await plan(c, lagger, 'none');

    // The two of them must not make progress: no leader, nothing committed, a new post unacked.
    const lagging = await c.server(lagger).health();
    // Registering is a command like any other: it needs a commit.
    const prober = await RawClient.connect(c.server(lagger).wsUrl);
    let probeAcked = false;
    const probe = prober.register('prober').then(
      () => {
        probeAcked = true;
      },
      () => {},
    );
    const stallEnd = Date.now() + STALL_WINDOW_MS;
    let samples = 0;
    while (Date.now() < stallEnd) {
      const [a, b] = await Promise.all([c.server(lagger).health(), c.server(wiped).health()]);
      expect(a.role).not.toBe('leader');
      expect(b.role).not.toBe('leader');
      expect(b.role).toBe('recovering');
      expect(a.committed).toBe(lagging.committed);
      expect(b.committed).toBeLessThanOrEqual(lagging.committed);
      expect(probeAcked).toBe(false);
      samples++;
      await new Promise((resolve) => setTimeout(resolve, 100)); // the sampling period of the watch
    }
    expect(samples).toBeGreaterThan(10);
    const stalled = await c.server(wiped).health();
    expect(stalled.recovery).toMatchObject({ answered: [lagger], needed: 2 });

    // The leader comes back: the wiped server recovers, and nothing acknowledged was lost.
    await c.server(leader).start();
    await waitFor(
      'the wiped server to finish recovering',
      async () => (await c.server(wiped).health()).role !== 'recovering',
      { timeoutMs: 30_000 },
    );
    await probe;
    prober.close();
    await c.waitForConvergence(30_000);
    for (const server of c.servers) {
      const reader = await RawClient.connect(server.wsUrl);
      await reader.register(`reader-${server.id}`);
      await reader.join(ROOM);
      const history = new Map((await reader.fullHistory(ROOM)).map((m) => [m.position, m.text]));
      for (const [position, text] of acked) expect(history.get(position)).toBe(text);
      reader.close();
    }
  }, 120_000);
});
