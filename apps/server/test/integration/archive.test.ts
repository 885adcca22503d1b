import type { ChatMessage } from '@quorum/protocol';
import { RawClient, TestCluster, waitFor } from '@quorum/testkit';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * Servers keep only each room's newest messages in memory (`--retain-per-room`, tiny here);
 * older ones live in an archive on disk. History and resume must not notice, across restarts
 * and across a snapshot install that skipped the archiving of many messages.
 */
const clusters: TestCluster[] = [];
afterAll(async () => {
  await Promise.all(clusters.map((c) => c.close()));
});

const texts = (messages: readonly ChatMessage[]) => messages.map((m) => `${m.position}:${m.text}`);

async function send(
  client: RawClient,
  room: string,
  count: number,
  tag: string,
  seq0: number,
): Promise<void> {
  for (let i = 1; i <= count; i++) await client.send(room, `${tag} ${i}`, `archive-${tag}`, seq0 + i);
}

describe('the message archive', () => {
  it('serves history, reactions and resume past what a server keeps in memory, also after a restart', async () => {
    const cluster = await TestCluster.start({ extraServerArgs: ['--retain-per-room', '5'] });
    clusters.push(cluster);
    const ann = await RawClient.connect(cluster.server(1).wsUrl);
    await ann.register('archivist');
    await ann.join('old');
    await send(ann, 'old', 23, 'm', 0);
    await ann.request<'ok'>({
      type: 'react',
      room: 'old',
      position: 2,
      emoji: '📜',
      on: true,
      clientId: 'archive-m',
      seq: 100,
    });

    const expected = Array.from({ length: 23 }, (_, i) => `${i + 1}:m ${i + 1}`);
    for (const server of cluster.servers) {
      const reader = await RawClient.connect(server.wsUrl);
      await reader.login('archivist');
      await reader.join('old');
      const history = await reader.fullHistory('old');
      expect(texts(history)).toEqual(expected);
      expect(history[1]?.reactions).toEqual([{ emoji: '📜', users: ['archivist'] }]);
      const resumed = await reader.request<'resume_result'>({ type: 'resume', room: 'old', after: 1 });
      expect(resumed).toMatchObject({ recovered: true, complete: true, head: 23 });
      expect(texts(resumed.messages)).toEqual(expected.slice(1));
      reader.close();
      const health = await server.health();
      expect(health.messagesInMemory).toBe(5);
      expect(health.archive.written).toBe(18);
    }

    // kill -9 and restart: the archive on disk and the snapshot agree.
    await cluster.server(2).kill();
    await cluster.server(2).start();
    const after = await RawClient.connect(cluster.server(2).wsUrl);
    await after.login('archivist');
    await after.join('old');
    expect(texts(await after.fullHistory('old'))).toEqual(expected);
    after.close();
    ann.close();
  });

  it('a server that installed a snapshot fetches the archived messages it skipped from its peers', async () => {
    const cluster = await TestCluster.start({
      extraServerArgs: ['--retain-per-room', '4', '--snapshot-every', '10', '--retain-entries', '10'],
    });
    clusters.push(cluster);
    const ann = await RawClient.connect(cluster.server(1).wsUrl);
    await ann.register('skipper');
    await ann.join('a');
    await ann.join('b');
    await send(ann, 'a', 5, 'before', 0);

    // Server 3 misses far more slots than the others keep in their logs.
    await cluster.server(3).kill();
    await send(ann, 'a', 120, 'a', 100);
    await send(ann, 'b', 30, 'b', 300);
    const reference = {
      a: texts(await ann.fullHistory('a')),
      b: texts(await ann.fullHistory('b')),
    };
    expect(reference.a).toHaveLength(125);

    await cluster.server(3).start();
    const late = await RawClient.connect(cluster.server(3).wsUrl);
    await waitFor('server 3 to accept logins again', async () => {
      await late.login('skipper');
      return true;
    });
    await late.join('a');
    await late.join('b');
    // Until the archive is filled, history answers `unavailable` (retryable); then it is complete.
    const history = await waitFor(
      'server 3 to serve the full history of both rooms',
      async () => ({ a: texts(await late.fullHistory('a')), b: texts(await late.fullHistory('b')) }),
      { timeoutMs: 20_000 },
    );
    expect(history).toEqual(reference);
    const health = await cluster.server(3).health();
    expect(health.snapshot).toBeGreaterThan(0);
    expect(health.archive.backfilled).toBeGreaterThan(0);
    late.close();
    ann.close();
  });
});
