import { RawClient, TestCluster, waitFor } from '@quorum/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** How the server writes to client sockets. */
let cluster: TestCluster;

beforeAll(async () => {
  cluster = await TestCluster.start();
});

afterAll(async () => {
  await cluster?.close();
});

describe('writes to a client', () => {
  it('an ack and the message event it goes with leave in one write', async () => {
    const chunks: string[] = [];
    const client = await RawClient.connect(cluster.server(1).wsUrl, {
      onChunk: (chunk) => chunks.push(chunk.toString('latin1')),
    });
    try {
      await client.register('one-write');
      await client.join('wire');
      for (let seq = 1; seq <= 5; seq++) {
        const before = chunks.length;
        await client.send('wire', `post ${seq}`, 'wire-client', seq);
        await waitFor('the message event', () =>
          client.events.some((e) => e.type === 'message' && e.message.text === `post ${seq}`),
        );
        // Both frames are in one TCP read: the server corked the socket for the tick and wrote once.
        const arrived = chunks.slice(before);
        const withAck = arrived.filter((c) => c.includes('"type":"ack"'));
        expect(withAck).toHaveLength(1);
        expect(withAck[0]).toContain(`post ${seq}`);
      }
    } finally {
      client.close();
    }
  });
});
