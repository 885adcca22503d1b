import { MAX_CLIENT_FRAME_BYTES } from '@quorum/protocol';
import { RawClient, TestCluster } from '@quorum/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

/**
 * docs/protocol.md: a client frame over 64 KiB closes the socket with 1009 (message too big). The
 * close code must reach the client even while it is still sending the rest of a large frame:
 * destroying the socket with those bytes unread makes TCP reset it, and the client then sees
 * 1006 (abnormal closure) and cannot tell why it was cut off.
 */
let cluster: TestCluster;

beforeAll(async () => {
  cluster = await TestCluster.start({ size: 1 });
});

afterAll(async () => {
  await cluster?.close();
});

/** Opens a plain ws socket, sends one binary frame of `bytes`, resolves with the close code. */
async function closeCodeAfterSending(bytes: number): Promise<number> {
  const socket = new WebSocket(cluster.server(1).wsUrl);
  socket.on('error', () => undefined); // a reset surfaces as close code 1006; that is what we check
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('unexpected-response', () => reject(new Error('upgrade refused')));
  });
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  socket.send(Buffer.alloc(bytes, 0x61));
  return closed;
}

describe('client frame size limit', () => {
  it('closes with 1009, not 1006, for frames just over 64 KiB and of several MiB, and serves others on', async () => {
    const sizes = [
      MAX_CLIENT_FRAME_BYTES + 1,
      1024 * 1024,
      4 * 1024 * 1024,
      4 * 1024 * 1024,
      8 * 1024 * 1024,
    ];
    const codes: number[] = [];
    for (const size of sizes) codes.push(await closeCodeAfterSending(size));
    expect(codes).toEqual(sizes.map(() => 1009));
    // ...and goes on serving everyone else.
    const client = await RawClient.connect(cluster.server(1).wsUrl);
    await client.register('after-oversize');
    expect((await cluster.server(1).health()).ok).toBe(true);
    client.close();
  });
});
