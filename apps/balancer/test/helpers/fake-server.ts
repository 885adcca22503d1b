import { createHmac, randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { waitFor } from './wait.js';

/**
 * A test stand-in for a Quorum server's balancer link: a real WebSocket client speaking the
 * server->balancer protocol. The MAC is computed here from the protocol's definition, not with
 * the balancer's own helper, so the test checks the wire format.
 */

export interface RegisterFrame {
  type: 'register';
  id: number;
  url: string;
  ts: number;
  nonce: string;
  mac: string;
}

export function registerFrame(
  id: number,
  secret: string,
  overrides: Partial<Omit<RegisterFrame, 'type' | 'mac'>> = {},
): RegisterFrame {
  const url = overrides.url ?? `ws://127.0.0.1:${7000 + id}/ws`;
  const ts = overrides.ts ?? Date.now();
  const nonce = overrides.nonce ?? randomBytes(12).toString('base64url');
  const claimId = overrides.id ?? id;
  const mac = createHmac('sha256', secret)
    .update(`quorum-register|${claimId}|${url}|${ts}|${nonce}`)
    .digest('hex');
  return { type: 'register', id: claimId, url, ts, nonce, mac };
}

export function heartbeatFrame(id: number, load: number, extra: Record<string, unknown> = {}) {
  return {
    type: 'heartbeat',
    id,
    load,
    role: 'follower',
    leaderId: null,
    ballot: { round: 0, node: 0 },
    committed: 0,
    applied: 0,
    snapshot: 0,
    peersUp: [],
    ...extra,
  };
}

export class FakeServer {
  readonly received: Record<string, unknown>[] = [];
  closed: { code: number; reason: string } | null = null;
  private taken = 0;
  private heartbeatTimer: NodeJS.Timeout | undefined;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.received.push(JSON.parse(String(data)) as Record<string, unknown>);
    });
    socket.on('close', (code, reason) => {
      this.stopHeartbeats();
      this.closed = { code, reason: reason.toString() };
    });
    socket.on('error', () => {
      // surfaced through `closed`
    });
  }

  static async connect(wsUrl: string): Promise<FakeServer> {
    const socket = new WebSocket(wsUrl);
    const server = new FakeServer(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return server;
  }

  /** Connects and registers; resolves with the balancer's first answer. */
  static async registered(wsUrl: string, id: number, secret: string, url?: string): Promise<FakeServer> {
    const server = await FakeServer.connect(wsUrl);
    server.send(registerFrame(id, secret, url === undefined ? {} : { url }));
    const reply = await server.next();
    if (reply.type !== 'registered')
      throw new Error(`registration of ${id} failed: ${JSON.stringify(reply)}`);
    return server;
  }

  get isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  send(frame: unknown): void {
    this.socket.send(typeof frame === 'string' || Buffer.isBuffer(frame) ? frame : JSON.stringify(frame));
  }

  /** The next frame from the balancer not yet returned by `next`. */
  async next(timeoutMs = 3_000): Promise<Record<string, unknown>> {
    const message = await waitFor(
      `frame #${this.taken + 1} from the balancer`,
      () => this.received[this.taken],
      {
        timeoutMs,
        intervalMs: 5,
      },
    );
    this.taken++;
    return message;
  }

  async waitClosed(timeoutMs = 3_000): Promise<{ code: number; reason: string }> {
    return waitFor('the socket to close', () => this.closed ?? undefined, { timeoutMs, intervalMs: 5 });
  }

  /** Heartbeats every `everyMs` until stopped or closed; the load comes from `load()` each time. */
  startHeartbeats(id: number, load: () => number, everyMs = 100, extra: Record<string, unknown> = {}): void {
    this.stopHeartbeats();
    const beat = (): void => {
      if (this.isOpen) this.send(heartbeatFrame(id, load(), extra));
    };
    beat();
    this.heartbeatTimer = setInterval(beat, everyMs);
  }

  stopHeartbeats(): void {
    if (this.heartbeatTimer !== undefined) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
  }

  close(): void {
    this.stopHeartbeats();
    this.socket.close();
  }

  terminate(): void {
    this.stopHeartbeats();
    this.socket.terminate();
  }
}
