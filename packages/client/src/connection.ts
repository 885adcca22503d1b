import {
  type ClientToServer,
  clientToServer,
  PROTOCOL_VERSION,
  type ProtocolError,
  type ServerToClient,
  type ServerToClientOf,
  serverToClient,
} from '@quorum/protocol';
import { ClientError } from './errors.js';
import type { Timers } from './timers.js';
import { OPEN, type WebSocketFactory, type WebSocketLike } from './transport.js';

/**
 * One WebSocket to one server: the `hello`/`welcome` handshake, request/reply correlation by
 * `rid`, per-request timeouts, and the ping/pong liveness check. Every incoming frame is
 * decoded with the `serverToClient` codec; an invalid frame is reported and ignored.
 *
 * A connection is used once: when it closes (for any reason) every pending request is rejected
 * with `disconnected` and `onClose` runs exactly once. Reconnecting is the client's job.
 */

export type Welcome = ServerToClientOf<'welcome'>;

/** A client frame without its `rid`: `request` picks one. */
export type RequestFrame = ClientToServer extends infer F
  ? F extends { rid: number }
    ? Omit<F, 'rid'>
    : never
  : never;

export interface ConnectionOptions {
  readonly url: string;
  readonly factory: WebSocketFactory;
  readonly timers: Timers;
  /** Opening the socket and receiving `welcome`, in ms. */
  readonly connectTimeoutMs: number;
  /** Default time a request may wait for its reply, in ms. */
  readonly requestTimeoutMs: number;
  /** A ping every this many ms once the handshake is done (0 disables). */
  readonly pingIntervalMs: number;
  /** A ping without its pong within this many ms closes the connection. */
  readonly pongTimeoutMs: number;
  /** `hello.client`, e.g. "quorum-tui/0.1.0". */
  readonly clientName?: string;
}

export interface ConnectionHandlers {
  /** A valid frame that is not the reply to a pending request (events, late replies, acks). */
  onFrame(frame: ServerToClient): void;
  /** A frame that failed decoding; it was ignored. */
  onInvalidFrame(error: ProtocolError): void;
  /** The connection is gone; `reason` says why. Runs once. */
  onClose(reason: CloseReason): void;
}

export interface CloseReason {
  readonly code:
    | 'local'
    | 'remote'
    | 'ping_timeout'
    | 'connect_timeout'
    | 'socket_error'
    | 'handshake_failed'
    | 'invalid_frame';
  readonly message: string;
}

interface Pending {
  readonly resolve: (frame: ServerToClient) => void;
  readonly reject: (error: ClientError) => void;
  readonly timer: unknown;
}

const MAX_RID = 2 ** 31 - 1;

export class Connection {
  readonly url: string;
  readonly #options: ConnectionOptions;
  readonly #handlers: ConnectionHandlers;
  readonly #timers: Timers;
  #socket: WebSocketLike | null = null;
  #rid = 0;
  readonly #pending = new Map<number, Pending>();
  #closed = false;
  #welcomed = false;
  #pingTimer: unknown = null;
  #openSettle: { resolve: (w: Welcome) => void; reject: (e: ClientError) => void; timer: unknown } | null =
    null;

  constructor(options: ConnectionOptions, handlers: ConnectionHandlers) {
    this.url = options.url;
    this.#options = options;
    this.#handlers = handlers;
    this.#timers = options.timers;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Open the socket, send `hello`, resolve with `welcome`. Rejects (and closes) on failure. */
  open(): Promise<Welcome> {
    if (this.#socket !== null || this.#closed) return Promise.reject(new ClientError('disconnected'));
    return new Promise<Welcome>((resolve, reject) => {
      const timer = this.#timers.setTimeout(() => {
        this.#teardown({ code: 'connect_timeout', message: `no welcome from ${this.url} in time` });
      }, this.#options.connectTimeoutMs);
      this.#openSettle = { resolve, reject, timer };
      let socket: WebSocketLike;
      try {
        socket = this.#options.factory(this.url);
      } catch (error) {
        this.#teardown({
          code: 'socket_error',
          message: error instanceof Error ? error.message : String(error),
        });
        return;
      }
      this.#socket = socket;
      try {
        socket.binaryType = 'arraybuffer';
      } catch {
        // Some implementations refuse; text frames are what servers send anyway.
      }
      socket.onopen = () => {
        if (this.#closed) return;
        const name = this.#options.clientName;
        this.#write(
          name === undefined
            ? { type: 'hello', version: PROTOCOL_VERSION }
            : { type: 'hello', version: PROTOCOL_VERSION, client: name.slice(0, 64) },
        );
      };
      socket.onmessage = (event) => this.#receive(event.data);
      socket.onerror = () => {
        // A close event follows; for `ws`, an error before open may come without one.
        if (!this.#welcomed)
          this.#teardown({ code: 'socket_error', message: `cannot connect to ${this.url}` });
      };
      socket.onclose = (event) => {
        this.#teardown({
          code: 'remote',
          message:
            `closed by ${this.url}` +
            (event.code ? ` (${event.code}${event.reason ? ` ${event.reason}` : ''})` : ''),
        });
      };
    });
  }

  /** A fresh request id, for frames the caller correlates itself (the outbox's sends). */
  nextRid(): number {
    this.#rid = this.#rid >= MAX_RID ? 1 : this.#rid + 1;
    return this.#rid;
  }

  /**
   * Send a request and wait for the frame that carries its `rid`. An `error` reply rejects with
   * a ClientError carrying the server's code; silence rejects with `request_timeout`.
   */
  request(frame: RequestFrame, timeoutMs = this.#options.requestTimeoutMs): Promise<ServerToClient> {
    if (this.#closed || !this.#welcomed) return Promise.reject(new ClientError('disconnected'));
    const rid = this.nextRid();
    const full = { ...frame, rid } as ClientToServer;
    return new Promise<ServerToClient>((resolve, reject) => {
      const timer = this.#timers.setTimeout(() => {
        this.#pending.delete(rid);
        reject(new ClientError('request_timeout', `no reply to ${frame.type} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(rid, { resolve, reject, timer });
      try {
        this.send(full);
      } catch (error) {
        this.#timers.clearTimeout(timer);
        this.#pending.delete(rid);
        reject(error instanceof ClientError ? error : new ClientError('disconnected'));
      }
    });
  }

  /**
   * Validate and send one frame (no reply expected, or correlated by the caller). Throws
   * `invalid_request` for a frame that does not match the schema and `disconnected` when the
   * socket is not open.
   */
  send(frame: ClientToServer): void {
    const checked = clientToServer.check(frame);
    if (!checked.ok) {
      throw new ClientError('invalid_request', checked.error.message, pathOption(checked.error.path));
    }
    if (this.#closed || !this.#welcomed) throw new ClientError('disconnected');
    this.#write(frame);
  }

  /** Close the connection now (idempotent). */
  close(message = 'closed by the client'): void {
    this.#teardown({ code: 'local', message });
  }

  #write(frame: ClientToServer): void {
    const socket = this.#socket;
    if (socket === null || socket.readyState !== OPEN) throw new ClientError('disconnected');
    try {
      socket.send(clientToServer.encode(frame));
    } catch (error) {
      throw new ClientError('disconnected', error instanceof Error ? error.message : String(error));
    }
  }

  #receive(data: unknown): void {
    if (this.#closed) return;
    const decoded = serverToClient.decode(data as never);
    if (!decoded.ok) {
      this.#handlers.onInvalidFrame(decoded.error);
      if (!this.#welcomed) {
        this.#teardown({ code: 'invalid_frame', message: `invalid first frame: ${decoded.error.message}` });
      }
      return;
    }
    const frame = decoded.value;
    if (!this.#welcomed) {
      this.#handshake(frame);
      return;
    }
    const rid = 'rid' in frame ? frame.rid : undefined;
    if (rid !== undefined) {
      const pending = this.#pending.get(rid);
      if (pending !== undefined) {
        this.#pending.delete(rid);
        this.#timers.clearTimeout(pending.timer);
        if (frame.type === 'error') {
          pending.reject(new ClientError(frame.code, frame.message, { retryable: frame.retryable }));
        } else {
          pending.resolve(frame);
        }
        return;
      }
    }
    this.#handlers.onFrame(frame);
  }

  #handshake(frame: ServerToClient): void {
    if (frame.type === 'welcome') {
      this.#welcomed = true;
      const settle = this.#openSettle;
      this.#openSettle = null;
      if (settle !== null) {
        this.#timers.clearTimeout(settle.timer);
        settle.resolve(frame);
      }
      this.#schedulePing();
      return;
    }
    const message =
      frame.type === 'error' ? `${frame.code}: ${frame.message}` : `expected welcome, got ${frame.type}`;
    const settle = this.#openSettle;
    if (frame.type === 'error' && settle !== null) {
      this.#openSettle = null;
      this.#timers.clearTimeout(settle.timer);
      settle.reject(new ClientError(frame.code, frame.message, { retryable: frame.retryable }));
    }
    this.#teardown({ code: 'handshake_failed', message });
  }

  #schedulePing(): void {
    const interval = this.#options.pingIntervalMs;
    if (interval <= 0 || this.#closed) return;
    this.#pingTimer = this.#timers.setTimeout(() => {
      this.#pingTimer = null;
      if (this.#closed) return;
      this.request({ type: 'ping' }, this.#options.pongTimeoutMs).then(
        () => this.#schedulePing(),
        (error: unknown) => {
          if (error instanceof ClientError && error.code === 'request_timeout') {
            this.#teardown({ code: 'ping_timeout', message: `no pong from ${this.url} in time` });
          } else if (!this.#closed) {
            this.#schedulePing();
          }
        },
      );
    }, interval);
  }

  #teardown(reason: CloseReason): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#pingTimer !== null) this.#timers.clearTimeout(this.#pingTimer);
    this.#pingTimer = null;
    const socket = this.#socket;
    if (socket !== null) {
      socket.onopen = null;
      socket.onmessage = null;
      socket.onerror = null;
      socket.onclose = null;
      // Swallow late errors (ws emits 'error' on a socket closed before it opened).
      socket.onerror = () => {};
      try {
        if (reason.code === 'ping_timeout' && typeof socket.terminate === 'function') socket.terminate();
        else socket.close(1000, reason.code === 'local' ? 'bye' : reason.code);
      } catch {
        // Already closed.
      }
    }
    const settle = this.#openSettle;
    this.#openSettle = null;
    if (settle !== null) {
      this.#timers.clearTimeout(settle.timer);
      settle.reject(new ClientError('disconnected', reason.message));
    }
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) {
      this.#timers.clearTimeout(p.timer);
      p.reject(new ClientError('disconnected', reason.message));
    }
    this.#handlers.onClose(reason);
  }
}

function pathOption(path: string | undefined): { path?: string } {
  return path === undefined ? {} : { path };
}
