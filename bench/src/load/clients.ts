import { performance } from 'node:perf_hooks';
import type { KnownServerInfo, WebSocketFactory, WebSocketLike } from '@quorum/client';
import { QuorumClient } from '@quorum/client/node';
import { serverToClient } from '@quorum/protocol';
import WebSocket from 'ws';

/**
 * Loopback source address for client number `index` of load generator `group`. Linux routes all
 * of 127.0.0.0/8 to `lo`, so each client can come from its own address: the server's
 * per-address limits (login attempts, connections) then apply per simulated user, as they would
 * in production, instead of throttling the whole benchmark as one "address".
 */
export function loopbackAddress(group: number, index: number): string {
  return `127.${100 + (group % 150)}.${Math.floor(index / 250) % 250}.${(index % 250) + 1}`;
}

/** The `ws` factory of `@quorum/client/node`, bound to one local address. */
export function addressedFactory(localAddress: string): WebSocketFactory {
  return (url) =>
    new WebSocket(url, {
      localAddress,
      maxPayload: serverToClient.maxBytes,
      handshakeTimeout: 10_000,
      perMessageDeflate: false,
    }) as unknown as WebSocketLike;
}

export interface ClientSpec {
  /** Global index of the client (decides its source address). */
  readonly index: number;
  readonly room: string;
  readonly balancers?: readonly string[];
  readonly servers?: readonly KnownServerInfo[];
}

export interface BenchClient {
  readonly spec: ClientSpec;
  readonly client: QuorumClient;
}

/** Milliseconds on a clock shared by every process on this machine (sub-ms resolution). */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Creates a QuorumClient for a spec, resuming the bench session `token` (no password hash). */
export function createClient(spec: ClientSpec, token: string, group: number): BenchClient {
  const client = new QuorumClient({
    balancers: [...(spec.balancers ?? [])],
    servers: [...(spec.servers ?? [])],
    token,
    rooms: [spec.room],
    joinHistory: 0,
    webSocketFactory: addressedFactory(loopbackAddress(group, spec.index)),
    // A benchmark connection must not be dropped for a slow pong while the machine is saturated.
    pongTimeoutMs: 30_000,
    requestTimeoutMs: 30_000,
  });
  return { spec, client };
}

/** Connects clients a few at a time (a burst of hundreds of handshakes only measures the burst). */
export async function connectAll(
  clients: readonly BenchClient[],
  timeoutMs: number,
  parallel = 16,
): Promise<number> {
  let next = 0;
  let failed = 0;
  const worker = async () => {
    while (next < clients.length) {
      const c = clients[next++]!;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      });
      const outcome = await Promise.race([c.client.connect().then(() => 'ok' as const), timeout]).catch(
        () => 'error' as const,
      );
      clearTimeout(timer);
      if (outcome !== 'ok') failed++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, clients.length) }, worker));
  return failed;
}
