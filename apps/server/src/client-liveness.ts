import type WebSocket from 'ws';

/**
 * Frees the slots of client sockets that are not really there: a socket that has not said
 * `hello` within `helloTimeoutMs` is closed (4005 `hello_timeout`), and every `pingIntervalMs`
 * each socket is pinged; one that has not answered the previous ping is cut off. Without this a
 * peer that opened sockets and went silent (or vanished without a FIN) would hold its
 * per-address connection slots, and its memory, for as long as TCP keeps the socket.
 *
 * One timer for all sockets, not one per socket.
 */
export const CLOSE_HELLO_TIMEOUT = 4005;

export interface LivenessOptions {
  readonly helloTimeoutMs: number;
  readonly pingIntervalMs: number;
}

interface Tracked {
  readonly openedAt: number;
  greeted: () => boolean;
  alive: boolean;
}

export class ClientLiveness {
  private readonly sockets = new Map<WebSocket, Tracked>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly options: LivenessOptions) {
    const every = Math.max(50, Math.min(options.helloTimeoutMs, options.pingIntervalMs) / 2);
    this.timer = setInterval(() => this.check(Date.now()), every);
    this.timer.unref();
  }

  /** `greeted` tells whether the socket's session has said hello. */
  track(socket: WebSocket, greeted: () => boolean): void {
    const tracked: Tracked = { openedAt: Date.now(), greeted, alive: true };
    this.sockets.set(socket, tracked);
    socket.on('pong', () => {
      tracked.alive = true;
    });
    socket.once('close', () => this.sockets.delete(socket));
  }

  get size(): number {
    return this.sockets.size;
  }

  close(): void {
    clearInterval(this.timer);
    this.sockets.clear();
  }

  private lastPing = Date.now();

  private check(now: number): void {
    const pingDue = now - this.lastPing >= this.options.pingIntervalMs;
    if (pingDue) this.lastPing = now;
    for (const [socket, tracked] of this.sockets) {
      if (!tracked.greeted()) {
        if (now - tracked.openedAt >= this.options.helloTimeoutMs) {
          this.sockets.delete(socket);
          socket.close(CLOSE_HELLO_TIMEOUT, 'hello_timeout');
          // A peer that does not finish the close handshake is cut off a little later.
          setTimeout(() => socket.terminate(), 1000).unref();
        }
        continue;
      }
      if (!pingDue) continue;
      if (!tracked.alive) {
        this.sockets.delete(socket);
        socket.terminate();
        continue;
      }
      tracked.alive = false;
      socket.ping();
    }
  }
}
