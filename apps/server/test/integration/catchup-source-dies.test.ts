import { RawClient, TestCluster, waitFor } from '@quorum/testkit';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * Issue 13's liveness bug on real processes: a follower comes back so far behind (more than one
 * promise's worth of slots, ACCEPT_AHEAD) that it cannot vote for new slots until it has caught
 * up; while it catches up from the leader, the leader dies. The two live servers must elect and
 * commit within 2 s. Before the fix the follower kept asking its dead snapshot source, and
 * nothing was acknowledged until the old leader came back (17-18 s in the issue's trials).
 */
const WRITERS = 6;
const LAG_SLOTS = 1_500;
const BOUND_MS = 2_000;

let cluster: TestCluster | null = null;
let stop = true;

afterEach(async () => {
  stop = true;
  await cluster?.close();
  cluster = null;
});

describe('catching up from a peer that dies', () => {
  it('the lagging follower’s source (the leader) dies mid-catch-up: the two live servers commit within 2 s', async () => {
    const c = await TestCluster.start({
      size: 3,
      extraServerArgs: ['--snapshot-every', '1000', '--retain-per-room', '200', '--retain-entries', '500'],
    });
    cluster = c;
    const leader = await c.waitForLeader();
    const [follower, third] = c.servers.map((s) => s.id).filter((id) => id !== leader) as [number, number];

    // Steady load through the server that stays up.
    const acks: number[] = [];
    stop = false;
    const writers = await Promise.all(
      Array.from({ length: WRITERS }, async (_, i) => {
        const client = await RawClient.connect(c.server(third).wsUrl);
        await client.register(`writer-${i}`);
        await client.join('load');
        return client;
      }),
    );
    const loops = writers.map(async (client, i) => {
      for (let seq = 1; !stop && seq < 1_000_000; seq++) {
        try {
          await client.send('load', `w${i} ${seq}`, `writer-${i}-client`, seq);
          acks.push(Date.now());
        } catch {
          seq--; // refused or timed out during the failover: the same seq again
          if (stop) break;
        }
      }
    });

    const before = (await c.server(leader).health()).committed;
    await c.server(follower).kill();
    await waitFor(
      `the others to commit ${LAG_SLOTS} slots without the follower`,
      async () => (await c.server(leader).health()).committed > before + LAG_SLOTS,
      { timeoutMs: 60_000 },
    );
    await c.server(follower).start();
    const behind = await c.server(follower).health();
    const leading = await c.server(leader).health();
    expect(leading.committed - behind.committed).toBeGreaterThan(1_024);

    await c.server(leader).kill();
    const killedAt = Date.now();
    await waitFor('an acknowledgement after the leader died', () => acks.some((t) => t > killedAt), {
      timeoutMs: 30_000,
    });
    const firstAck = acks.find((t) => t > killedAt) as number;
    const gap = firstAck - killedAt;
    console.log(
      `catch-up source died: follower ${leading.committed - behind.committed} slots behind; first ack ${gap} ms after the leader's SIGKILL`,
    );
    expect(gap).toBeLessThan(BOUND_MS);

    // And the follower does catch up with the new leader.
    await c.server(leader).start();
    stop = true;
    await Promise.all(loops);
    for (const w of writers) w.close();
    await c.waitForConvergence(30_000);
  }, 180_000);
});
