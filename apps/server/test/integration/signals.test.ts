import { RawClient, TestCluster } from '@quorum/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** Presence, typing and the cluster view travel between servers best-effort, outside Paxos. */
let cluster: TestCluster;

beforeAll(async () => {
  cluster = await TestCluster.start();
});

afterAll(async () => {
  await cluster?.close();
});

describe('ephemeral signals across servers', () => {
  it('presence and typing reach clients on other servers, without touching the replicated log', async () => {
    const ann = await RawClient.connect(cluster.server(1).wsUrl);
    await ann.register('ann');
    await ann.join('lobby');
    const ben = await RawClient.connect(cluster.server(2).wsUrl);
    await ben.register('ben');
    await ben.join('lobby');
    // Ann learns that Ben (on another server) is online through the servers' presence gossip.
    await ann.waitForEvent('presence', (e) => e.user === 'ben' && e.online);
    const before = await cluster.waitForConvergence();
    ben.sendRaw({ type: 'typing', room: 'lobby', active: true });
    const typing = await ann.waitForEvent('typing', (e) => e.user === 'ben');
    expect(typing.active).toBe(true);
    const who = await ann.request<'who_result'>({ type: 'who', room: 'lobby' });
    expect(who.members).toEqual([
      { user: 'ann', displayName: 'ann', online: true },
      { user: 'ben', displayName: 'ben', online: true },
    ]);
    ben.close();
    await ann.waitForEvent('presence', (e) => e.user === 'ben' && !e.online);
    const after = await cluster.waitForConvergence();
    expect(after).toEqual(before); // typing and presence never went through Paxos
    ann.close();
  });

  it('any server answers cluster_info with every replica, and watchers get updates', async () => {
    const watcher = await RawClient.connect(cluster.server(3).wsUrl);
    const info = await watcher.request<'cluster'>({ type: 'cluster_info', watch: true });
    expect(info.replicas.map((r) => r.id)).toEqual([1, 2, 3]);
    expect(info.replicas.filter((r) => r.role === 'leader')).toHaveLength(1);
    const update = await watcher.waitForEvent('cluster');
    expect(update.serverId).toBe(3);
    watcher.close();
  });
});
