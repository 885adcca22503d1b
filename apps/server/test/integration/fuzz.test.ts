import { clientToServer, MAX_CLIENT_FRAME_BYTES } from '@quorum/protocol';
import { RawClient, TestCluster, waitFor } from '@quorum/testkit';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

/**
 * Property-based fuzzing of a live server's client endpoint and a live balancer's endpoints:
 * whatever arrives, the server answers with typed errors (or closes that one socket for an
 * oversized frame), keeps serving everyone else, and its replicated state does not change.
 * FUZZ_RUNS raises the number of inputs (see `npm run fuzz` in apps/server).
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
let cluster: TestCluster;
let witness: RawClient;

beforeAll(async () => {
  cluster = await TestCluster.start();
  witness = await RawClient.connect(cluster.server(1).wsUrl);
  await witness.register('witness');
  await witness.join('general');
  await witness.send('general', 'before the fuzz', 'witness-client', 1);
});

afterAll(async () => {
  witness?.close();
  await cluster?.close();
});

/** Every client message kind, straight from the protocol's codec. */
const kinds = [...clientToServer.kinds];

/** Frames: random JSON values, near-miss messages, deep nesting, bad UTF-8, binary garbage. */
const frame = fc.oneof(
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc
    .record({ type: fc.constantFrom(...kinds), rid: fc.anything() }, { requiredKeys: ['type'] })
    .map((v) => JSON.stringify(v)),
  fc
    .record(
      {
        type: fc.constantFrom(...kinds),
        rid: fc.integer(),
        room: fc.string(),
        user: fc.string(),
        // Too short to register: a fuzz input must never create an account (that would be a legitimate change).
        password: fc.string({ maxLength: 7 }),
        text: fc.string({ maxLength: 5000 }),
        clientId: fc.string(),
        seq: fc.double(),
        position: fc.integer(),
        after: fc.integer(),
        limit: fc.integer(),
        token: fc.string(),
        version: fc.integer(),
      },
      { requiredKeys: ['type'] },
    )
    .map((v) => JSON.stringify(v)),
  fc.integer({ min: 1, max: 20_000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth)),
  fc.string().map((s) => `{"type":"send","text":"${s}`),
  fc.uint8Array({ maxLength: 512 }).map((bytes) => Buffer.from(bytes)),
  fc.constant(Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d])),
  fc.constant('{"type":"__proto__","rid":1}'),
);

async function digests(): Promise<string[]> {
  return Promise.all(cluster.servers.map(async (s) => JSON.stringify(await s.digest())));
}

describe('fuzzing the client endpoint', () => {
  it(`answers ${RUNS} batches of malformed and out-of-order frames with typed errors and changes nothing`, async () => {
    await cluster.waitForConvergence();
    const before = await digests();
    let inputs = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(frame, { minLength: 1, maxLength: 8 }),
        fc.boolean(),
        async (frames, greet) => {
          const socket = new WebSocket(cluster.server((inputs % 3) + 1).wsUrl);
          const replies: unknown[] = [];
          socket.on('message', (data) => replies.push(JSON.parse(data.toString())));
          await new Promise((resolve, reject) => {
            socket.once('open', resolve);
            socket.once('error', reject);
          });
          if (greet) socket.send(JSON.stringify({ type: 'hello', version: 1 }));
          for (const f of frames) socket.send(f, { binary: typeof f !== 'string' });
          inputs += frames.length;
          // Every frame gets an answer (or pong/welcome) unless the socket was closed for a limit.
          await waitFor(
            'answers',
            () => replies.length >= frames.length + (greet ? 1 : 0) || socket.readyState !== WebSocket.OPEN,
            {
              timeoutMs: 10_000,
            },
          );
          for (const reply of replies) {
            const type = (reply as { type?: string }).type;
            expect(['error', 'welcome', 'pong', 'cluster']).toContain(type);
          }
          socket.terminate();
        },
      ),
      { numRuns: RUNS },
    );
    console.log(`fuzz: ${inputs} frames in ${RUNS} connections tried against the client endpoint`);
    await witness.send('general', 'after the fuzz', 'witness-client', 2);
    const history = await witness.fullHistory('general');
    expect(history.map((m) => m.text)).toEqual(['before the fuzz', 'after the fuzz']);
    // Nothing the fuzz sent reached the replicated state: only the witness's second post did.
    await cluster.waitForConvergence();
    const after = await digests();
    expect(after).not.toEqual(before);
    expect(after.every((d) => d === after[0])).toBe(true);
    expect(JSON.parse(after[0]!).appliedCount).toBe(JSON.parse(before[0]!).appliedCount + 1);
  });

  it('closes a socket sending an oversized frame and keeps the server up', async () => {
    const socket = new WebSocket(cluster.server(2).wsUrl);
    await new Promise((resolve) => socket.once('open', resolve));
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    socket.send(Buffer.alloc(MAX_CLIENT_FRAME_BYTES + 10, 0x61));
    expect(await closed).toBe(1009);
    expect((await cluster.server(2).health()).ok).toBe(true);
  });
});

describe('fuzzing the balancer', () => {
  it(`answers ${RUNS} malformed /assign queries and cluster-socket frames with typed errors`, async () => {
    let tried = 0;
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 300 }), async (query) => {
        tried++;
        const response = await fetch(`${cluster.balancerUrl}/assign?exclude=${encodeURIComponent(query)}`);
        expect([200, 400, 503]).toContain(response.status);
        const body = (await response.json()) as { code?: string; url?: string };
        expect(body.code !== undefined || body.url !== undefined).toBe(true);
      }),
      { numRuns: RUNS },
    );
    const socket = new WebSocket(`${cluster.balancerUrl.replace('http', 'ws')}/cluster/ws`);
    await new Promise((resolve) => socket.once('open', resolve));
    const replies: { type: string; code?: string }[] = [];
    socket.on('message', (data) => replies.push(JSON.parse(data.toString())));
    const garbage = fc.sample(frame, RUNS);
    for (const g of garbage) socket.send(g, { binary: typeof g !== 'string' });
    tried += garbage.length;
    await waitFor('balancer replies', () => replies.length > 0 || socket.readyState !== WebSocket.OPEN);
    expect(replies.every((r) => r.type === 'error')).toBe(true);
    socket.terminate();
    console.log(`fuzz: ${tried} inputs tried against the balancer`);
    const status = (await (await fetch(`${cluster.balancerUrl}/cluster`)).json()) as {
      servers: { healthy: boolean }[];
    };
    expect(status.servers.every((s) => s.healthy)).toBe(true);
  });
});
