import {
  type ChatMessage,
  type ClientToServer,
  clientToServer,
  MAX_HISTORY_PAGE,
  type ServerToClient,
  type ServerToClientOf,
  type ServerToClientType,
} from '@quorum/protocol';
import { type AssignOutcome, type FetchLike, type KnownServerInfo, requestAssignment } from './assign.js';
import { Backoff, type BackoffOptions, backoffDelay, backoffOptions } from './backoff.js';
import { type CloseReason, Connection, type RequestFrame } from './connection.js';
import { TypedEmitter } from './emitter.js';
import { ClientError, type ClientErrorCode } from './errors.js';
import { Outbox, type OutboxEntry } from './outbox.js';
import { RoomCursor } from './positions.js';
import { systemTimers, type Timers } from './timers.js';
import { globalWebSocketFactory, toWebSocketUrl, type WebSocketFactory } from './transport.js';

// ---- public types --------------------------------------------------------------------------

/**
 * - `idle`: created, `connect()` not called yet.
 * - `connecting`: looking for a server / handshaking, never connected yet.
 * - `connected`: logged in, rooms joined and caught up, outbox flowing.
 * - `reconnecting`: the connection was lost; trying again with backoff.
 * - `offline`: a whole backoff cycle failed; still retrying, at the maximum delay.
 * - `closed`: `close()`/`logout()` was called, or a fatal error (wrong password...) stopped it.
 */
export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'offline' | 'closed';

export interface StateEvent {
  readonly state: ConnectionState;
  /** The server connected to (for `connected`), else null. */
  readonly serverId: number | null;
  readonly url: string | null;
  /** Failed attempts in the current backoff cycle. */
  readonly attempt: number;
  /** While waiting between attempts: the delay before the next one. */
  readonly retryInMs?: number;
  /** Why the last attempt or connection failed. */
  readonly reason?: string;
}

export interface WelcomeEvent {
  readonly serverId: number;
  readonly leaderId: number | null;
  readonly url: string;
  readonly limits: ServerToClientOf<'welcome'>['limits'];
}

/** Logged in (or resumed): persist `token` to stay logged in across restarts. */
export interface SessionEvent {
  readonly user: string;
  readonly displayName: string;
  readonly token: string;
  readonly expiresAt: number;
}

/**
 * A message, delivered in position order per room, exactly once. `source` says how it came:
 * as a live event, through `resume` after a reconnect or gap, or from a history page (the
 * newest page on first join, or after a `history_reset`).
 */
export interface MessageEventPayload {
  readonly room: string;
  readonly message: ChatMessage;
  readonly source: 'live' | 'resume' | 'history';
}

export interface OutboxEvent {
  readonly change: 'added' | 'sent' | 'retrying' | 'delivered' | 'failed';
  readonly entry: OutboxEntry;
}

/**
 * The server could not replay a room from our last position (compacted): the client reloaded the
 * newest history page and continues from it. `missed` is the range of positions that will never
 * be shown (null when the page happened to cover the gap). UIs show a notice.
 */
export interface HistoryResetEvent {
  readonly room: string;
  readonly lastSeen: number;
  readonly resumedFrom: number;
  readonly missed: { readonly from: number; readonly to: number } | null;
  readonly head: number;
}

export interface JoinedEvent {
  readonly room: string;
  readonly head: number;
  readonly members: readonly string[];
}

export interface ErrorEvent {
  readonly code: ClientErrorCode;
  readonly message: string;
  /** True when the client stopped because of it (state `closed`). */
  readonly fatal: boolean;
  readonly room?: string;
  readonly path?: string;
}

export interface QuorumClientEvents {
  state: StateEvent;
  welcome: WelcomeEvent;
  session: SessionEvent;
  joined: JoinedEvent;
  message: MessageEventPayload;
  outbox: OutboxEvent;
  presence: ServerToClientOf<'presence'>;
  typing: ServerToClientOf<'typing'>;
  membership: ServerToClientOf<'membership'>;
  reaction: ServerToClientOf<'reaction'>;
  display_name: ServerToClientOf<'display_name'>;
  history_reset: HistoryResetEvent;
  cluster: ServerToClientOf<'cluster'>;
  error: ErrorEvent;
}

export interface Credentials {
  readonly user: string;
  readonly password: string;
}

export interface QuorumClientOptions {
  /** Balancer base URLs (`http://host:port`), tried in turn for `GET /assign`. */
  readonly balancers?: readonly string[];
  /** Servers known up front; the list grows from assign responses and welcomes. */
  readonly servers?: readonly KnownServerInfo[];
  /** A session token from an earlier `session` event: tried first, on any server. */
  readonly token?: string | null;
  /** User name and password: used when there is no token or it is no longer valid. */
  readonly credentials?: Credentials;
  /** Register `credentials` as a new user (once; later connections log in with the token). */
  readonly register?: boolean;
  /** Rooms to join (and keep joined across reconnects). */
  readonly rooms?: readonly string[];
  /** Last position seen per room (persisted by the caller): resume from there. */
  readonly positions?: Readonly<Record<string, number>>;
  /** Stable id for `(clientId, seq)`; random when absent. One per running client (tab, process). */
  readonly clientId?: string;
  /** The seq of the next send; persist `client.nextSeq` to keep seqs increasing across restarts. */
  readonly nextSeq?: number;
  /** `hello.client`, e.g. "quorum-tui/0.1.0". */
  readonly clientName?: string;
  /** Opens WebSockets. Default: the global WebSocket (browsers); in Node pass `nodeWebSocketFactory`. */
  readonly webSocketFactory?: WebSocketFactory;
  /** Default: the global fetch. */
  readonly fetch?: FetchLike;
  readonly timers?: Timers;
  /** Values in [0, 1); default Math.random. Used for jitter only. */
  readonly random?: () => number;
  /** Reconnect backoff. */
  readonly backoff?: Partial<BackoffOptions>;
  /** Backoff of retries within a connection (retryable send errors, timeouts, resume retries). */
  readonly retryBackoff?: Partial<BackoffOptions>;
  readonly connectTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  readonly assignTimeoutMs?: number;
  readonly pingIntervalMs?: number;
  readonly pongTimeoutMs?: number;
  /** A connection that lasted this long resets the reconnect backoff when it is lost. */
  readonly stableAfterMs?: number;
  /** Most pending sends and reactions. */
  readonly maxOutbox?: number;
  /** Most out-of-order messages buffered per room while a gap is being filled. */
  readonly maxBufferedPerRoom?: number;
  /** Newest messages delivered when joining a room with no known position (0: none). */
  readonly joinHistory?: number;
  /** Size of the history page loaded after a `history_reset`. */
  readonly resetHistory?: number;
}

/** What `send` returns: the pending entry, and a promise of its final state (never rejects). */
export type PendingSend = OutboxEntry & { readonly settled: Promise<OutboxEntry> };

export interface HistoryResult {
  readonly room: string;
  readonly messages: ChatMessage[];
  readonly hasMore: boolean;
  readonly head: number;
}

// ---- internals ------------------------------------------------------------------------------

interface Session {
  readonly conn: Connection;
  readonly url: string;
  serverId: number | null;
  ready: boolean;
  connectedAt: number;
  readonly joined: Map<string, JoinedEvent>;
  readonly resuming: Map<string, Promise<void>>;
  readonly closed: Promise<CloseReason>;
}

interface Waiter<T> {
  readonly resolve: (value: T) => void;
  readonly reject: (error: ClientError) => void;
  readonly timer: unknown;
}

/** An error that stops the client (wrong password, taken user name...). */
class FatalError extends Error {
  constructor(readonly error: ClientError) {
    super(error.message);
  }
}

const DEFAULT_RETRY_BACKOFF: BackoffOptions = Object.freeze({
  initialDelayMs: 200,
  minDelayMs: 50,
  maxDelayMs: 5_000,
  factor: 2,
  maxAttemptsPerCycle: 8,
});

function randomClientId(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return `c-${hex}`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function asClientError(error: unknown): ClientError {
  if (error instanceof ClientError) return error;
  return new ClientError('internal', messageOf(error), { retryable: true, cause: error });
}

function expectReply<T extends ServerToClientType>(reply: ServerToClient, type: T): ServerToClientOf<T> {
  if (reply.type !== type) {
    throw new ClientError('unexpected_reply', `expected ${type}, got ${reply.type}`);
  }
  return reply as ServerToClientOf<T>;
}

function positiveInt(value: number | undefined, fallback: number, name: string): number {
  const v = value ?? fallback;
  if (!(Number.isFinite(v) && v >= 0)) throw new RangeError(`${name} must be a non-negative number`);
  return v;
}

// ---- the client -----------------------------------------------------------------------------

/**
 * The Quorum Chat client. One instance keeps one logical session alive across servers:
 * it finds a server (balancers, then known servers), logs in, joins its rooms, resumes each
 * room gap-free, flushes its outbox, and does it all again after any failure.
 */
export class QuorumClient {
  readonly clientId: string;
  readonly #emitter: TypedEmitter<QuorumClientEvents>;
  readonly #timers: Timers;
  readonly #random: () => number;
  readonly #fetch: FetchLike | null;
  readonly #factory: WebSocketFactory;
  readonly #balancers: readonly string[];
  readonly #known = new Map<number, string>();
  readonly #failed = new Set<number>();
  #rr = 0;
  #token: string | null;
  readonly #credentials: Credentials | null;
  #registerPending: boolean;
  #registerSent = false;
  #user: string | null = null;
  #displayName: string | null = null;
  readonly #rooms = new Map<string, RoomCursor>();
  /** Positions given for rooms not joined yet, used when they are. */
  readonly #pendingPositions = new Map<string, number>();
  readonly #outbox: Outbox;
  #outboxTimer: { kind: 'timeout' | 'retry'; seq: number; handle: unknown } | null = null;
  readonly #settleWaiters = new Map<number, (entry: OutboxEntry) => void>();
  #session: Session | null = null;
  #state: ConnectionState = 'idle';
  readonly #backoff: Backoff;
  readonly #retryBackoff: BackoffOptions;
  #everConnected = false;
  #closed = false;
  readonly #sleeps = new Set<{ handle: unknown; resolve: () => void }>();
  readonly #readyWaiters = new Set<Waiter<Session>>();
  #watchCluster = false;
  #leaderId: number | null = null;
  #connectPromise: Promise<void> | null = null;
  #connectSettle: { resolve: () => void; reject: (error: ClientError) => void } | null = null;
  readonly #o: {
    connectTimeoutMs: number;
    requestTimeoutMs: number;
    assignTimeoutMs: number;
    pingIntervalMs: number;
    pongTimeoutMs: number;
    stableAfterMs: number;
    maxBufferedPerRoom: number;
    joinHistory: number;
    resetHistory: number;
    clientName: string | undefined;
  };

  constructor(options: QuorumClientOptions = {}) {
    this.#emitter = new TypedEmitter<QuorumClientEvents>((error, event) => {
      if (event !== 'error')
        this.#report(new ClientError('internal', `a ${String(event)} listener threw: ${messageOf(error)}`));
    });
    this.#timers = options.timers ?? systemTimers;
    this.#random = options.random ?? Math.random;
    const globalFetch = (globalThis as { fetch?: unknown }).fetch;
    this.#fetch =
      options.fetch ??
      (typeof globalFetch === 'function' ? (globalFetch.bind(globalThis) as FetchLike) : null);
    const factory = options.webSocketFactory ?? globalWebSocketFactory();
    if (factory === null) {
      throw new TypeError('no WebSocket available: pass webSocketFactory (in Node: nodeWebSocketFactory)');
    }
    this.#factory = factory;
    this.#balancers = [...(options.balancers ?? [])];
    for (const s of options.servers ?? []) this.#known.set(s.id, s.url);
    if (this.#balancers.length === 0 && this.#known.size === 0) {
      throw new TypeError('give at least one balancer URL or one known server');
    }
    this.clientId = options.clientId ?? randomClientId();
    this.#token = options.token ?? null;
    this.#credentials = options.credentials ?? null;
    this.#registerPending = options.register === true && this.#credentials !== null;
    this.#backoff = new Backoff(options.backoff ?? {}, this.#random);
    this.#retryBackoff = backoffOptions(options.retryBackoff ?? {}, DEFAULT_RETRY_BACKOFF);
    this.#o = {
      connectTimeoutMs: positiveInt(options.connectTimeoutMs, 5_000, 'connectTimeoutMs'),
      requestTimeoutMs: positiveInt(options.requestTimeoutMs, 10_000, 'requestTimeoutMs'),
      assignTimeoutMs: positiveInt(options.assignTimeoutMs, 3_000, 'assignTimeoutMs'),
      pingIntervalMs: positiveInt(options.pingIntervalMs, 5_000, 'pingIntervalMs'),
      pongTimeoutMs: positiveInt(options.pongTimeoutMs, 5_000, 'pongTimeoutMs'),
      stableAfterMs: positiveInt(options.stableAfterMs, 5_000, 'stableAfterMs'),
      maxBufferedPerRoom: positiveInt(options.maxBufferedPerRoom, 1_000, 'maxBufferedPerRoom'),
      joinHistory: Math.min(MAX_HISTORY_PAGE, positiveInt(options.joinHistory, 50, 'joinHistory')),
      resetHistory: Math.max(
        1,
        Math.min(MAX_HISTORY_PAGE, positiveInt(options.resetHistory, 50, 'resetHistory')),
      ),
      clientName: options.clientName,
    };
    const idCheck = clientToServer.check({
      type: 'send',
      rid: 0,
      room: 'r',
      clientId: this.clientId,
      seq: 1,
      text: 't',
    });
    if (!idCheck.ok) throw new TypeError(`invalid clientId: ${idCheck.error.message}`);
    this.#outbox = new Outbox({
      clientId: this.clientId,
      ...(options.nextSeq === undefined ? {} : { nextSeq: options.nextSeq }),
      ...(options.maxOutbox === undefined ? {} : { maxPending: options.maxOutbox }),
    });
    // Room names are chosen by users: read only the caller's own entries, never the prototype's
    // (a room named "constructor" would otherwise get Object's function as its position).
    const saved = options.positions ?? {};
    for (const room of options.rooms ?? [])
      this.#addRoom(room, Object.hasOwn(saved, room) ? saved[room] : undefined);
    for (const [room, position] of Object.entries(options.positions ?? {})) {
      if (this.#rooms.has(room)) continue;
      // A position for a room not in `rooms`: remembered for a later join().
      this.#pendingPositions.set(room, position);
    }
  }

  // ---- events ------------------------------------------------------------------------------

  on<K extends keyof QuorumClientEvents>(
    event: K,
    listener: (payload: QuorumClientEvents[K]) => void,
  ): () => void {
    return this.#emitter.on(event, listener);
  }

  once<K extends keyof QuorumClientEvents>(
    event: K,
    listener: (payload: QuorumClientEvents[K]) => void,
  ): () => void {
    return this.#emitter.once(event, listener);
  }

  off<K extends keyof QuorumClientEvents>(
    event: K,
    listener: (payload: QuorumClientEvents[K]) => void,
  ): void {
    this.#emitter.off(event, listener);
  }

  // ---- state -------------------------------------------------------------------------------

  get state(): ConnectionState {
    return this.#state;
  }

  /** The server of the current ready connection. */
  get serverId(): number | null {
    return this.#session?.ready ? this.#session.serverId : null;
  }

  get leaderId(): number | null {
    return this.#leaderId;
  }

  get user(): string | null {
    return this.#user;
  }

  get displayName(): string | null {
    return this.#displayName;
  }

  /** The current session token (persist it; null before login or after logout). */
  get token(): string | null {
    return this.#token;
  }

  /** The seq the next send or reaction will use (persist it with `clientId`). */
  get nextSeq(): number {
    return this.#outbox.nextSeq;
  }

  /** Pending sends and reactions, oldest first. */
  pending(): OutboxEntry[] {
    return this.#outbox.pending();
  }

  /** Rooms this client keeps joined. */
  joinedRooms(): string[] {
    return [...this.#rooms.keys()];
  }

  /** The last position delivered per room (persist it to resume after a restart). */
  positions(): Record<string, number> {
    // No prototype: a room named "__proto__" is an entry like any other.
    const out: Record<string, number> = Object.create(null) as Record<string, number>;
    for (const [room, cursor] of this.#rooms) if (cursor.anchored) out[room] = cursor.last;
    return out;
  }

  knownServers(): KnownServerInfo[] {
    return [...this.#known].map(([id, url]) => ({ id, url }));
  }

  // ---- lifecycle ---------------------------------------------------------------------------

  /**
   * Start connecting (idempotent). Resolves once connected for the first time; rejects only if
   * the client closes first (a fatal error or `close()`). Transient failures never reject: the
   * client keeps retrying and reports them as `state` events.
   */
  connect(): Promise<void> {
    if (this.#connectPromise !== null) return this.#connectPromise;
    if (this.#closed) return Promise.reject(new ClientError('closed'));
    this.#connectPromise = new Promise<void>((resolve, reject) => {
      this.#connectSettle = { resolve, reject };
    });
    this.#connectPromise.catch(() => {}); // nobody has to await it
    this.#run().catch((error: unknown) => this.#stop(asClientError(error)));
    return this.#connectPromise;
  }

  /** Close the connection and stop (idempotent). Pending sends stay in `pending()`. */
  close(): void {
    this.#stop(null);
  }

  // ---- sending -----------------------------------------------------------------------------

  /**
   * Queue a message. Returns at once with the pending entry (its `(clientId, seq)` identifies the
   * message when it comes back as a `message` event). Throws `invalid_request` for text or a
   * room name the protocol refuses, `outbox_full` when too many are pending, `closed` after close.
   */
  send(room: string, text: string): PendingSend {
    this.#checkCommand({
      type: 'send',
      rid: 0,
      room,
      clientId: this.clientId,
      seq: this.#outbox.nextSeq,
      text,
    });
    const entry = this.#outbox.add({ kind: 'send', room, text }, this.#timers.now());
    const settled = this.#settledPromise(entry.seq);
    this.#emitter.emit('outbox', { change: 'added', entry });
    this.#pump();
    return Object.freeze({ ...entry, settled });
  }

  /** Add (`on`) or remove a reaction; goes through the outbox like a send. Rejects if refused. */
  async react(room: string, position: number, emoji: string, on = true): Promise<void> {
    this.#checkCommand({
      type: 'react',
      rid: 0,
      room,
      clientId: this.clientId,
      seq: this.#outbox.nextSeq,
      position,
      emoji,
      on,
    });
    const entry = this.#outbox.add({ kind: 'react', room, position, emoji, on }, this.#timers.now());
    const settled = this.#settledPromise(entry.seq);
    this.#emitter.emit('outbox', { change: 'added', entry });
    this.#pump();
    const final = await settled;
    if (final.state === 'failed') {
      throw new ClientError(final.error?.code ?? 'internal', final.error?.message ?? 'reaction failed');
    }
  }

  /** Tell the room this user is (not) typing. Best effort: dropped while disconnected. */
  typing(room: string, active: boolean): boolean {
    const session = this.#session;
    if (session === null || !session.ready) return false;
    try {
      session.conn.send({ type: 'typing', room, active });
      return true;
    } catch (error) {
      if (error instanceof ClientError && error.code === 'invalid_request') throw error;
      return false;
    }
  }

  // ---- requests ----------------------------------------------------------------------------

  /** A page of history strictly before `before` (or the newest page), oldest first. */
  async history(room: string, options: { before?: number; limit?: number } = {}): Promise<HistoryResult> {
    const frame: RequestFrame =
      options.before === undefined
        ? { type: 'history', room, limit: options.limit ?? 50 }
        : { type: 'history', room, before: options.before, limit: options.limit ?? 50 };
    const reply = await this.#call(frame, 'history_page');
    return { room: reply.room, messages: reply.messages, hasMore: reply.hasMore, head: reply.head };
  }

  /**
   * Join a room (creating it if needed) and keep it joined across reconnects. Messages of the room
   * then arrive as `message` events (the newest `joinHistory` first, when its position is unknown).
   */
  async join(room: string): Promise<JoinedEvent> {
    this.#checkCommand({ type: 'join', rid: 0, room });
    this.#addRoom(room, this.#pendingPositions.get(room));
    const session = await this.#whenReady();
    const known = session.joined.get(room);
    if (known !== undefined) return known;
    // The connection's own join of this room may have been refused meanwhile: ask again, so the
    // refusal reaches the caller.
    this.#addRoom(room, this.#pendingPositions.get(room));
    const info = await this.#joinRoom(session, room, true);
    if (info === null) throw new ClientError('disconnected');
    void this.#catchUp(session, room);
    return info;
  }

  /** Leave a room: stop following it here and leave it on the server. */
  async leave(room: string): Promise<void> {
    this.#checkCommand({ type: 'leave', rid: 0, room });
    this.#rooms.delete(room);
    const session = await this.#whenReady();
    session.joined.delete(room);
    await this.#call({ type: 'leave', room }, 'ok');
  }

  async who(room: string): Promise<ServerToClientOf<'who_result'>['members']> {
    return (await this.#call({ type: 'who', room }, 'who_result')).members;
  }

  async rooms(): Promise<ServerToClientOf<'room_list'>['rooms']> {
    return (await this.#call({ type: 'rooms' }, 'room_list')).rooms;
  }

  async setDisplayName(displayName: string): Promise<void> {
    await this.#call({ type: 'set_display_name', displayName }, 'ok');
    this.#displayName = displayName;
  }

  /**
   * The cluster's state. With `watch: true`, `cluster` events follow as it changes (re-subscribed
   * after every reconnect); `watch: false` stops re-subscribing.
   */
  async clusterInfo(watch?: boolean): Promise<ServerToClientOf<'cluster'>> {
    if (watch !== undefined) this.#watchCluster = watch;
    const frame: RequestFrame =
      watch === undefined ? { type: 'cluster_info' } : { type: 'cluster_info', watch };
    const reply = await this.#call(frame, 'cluster');
    this.#leaderId = reply.leaderId;
    this.#emitter.emit('cluster', reply);
    return reply;
  }

  /** Revoke the session token on every server, then close. */
  async logout(): Promise<void> {
    try {
      await this.#call({ type: 'logout' }, 'ok');
    } finally {
      this.#token = null;
      this.close();
    }
  }

  // ---- the connect loop --------------------------------------------------------------------

  async #run(): Promise<void> {
    while (!this.#closed) {
      const waiting: ConnectionState = this.#backoff.exhausted
        ? 'offline'
        : this.#everConnected
          ? 'reconnecting'
          : 'connecting';
      this.#setState({ state: waiting, serverId: null, url: null, attempt: this.#backoff.attempt });
      let reason: string;
      let failedId: number | null = null;
      try {
        const target = await this.#pickServer();
        failedId = target.id;
        const session = await this.#establish(target);
        failedId = session.serverId;
        const closed = await session.closed;
        if (this.#closed) return;
        reason = closed.message;
        if (this.#timers.now() - session.connectedAt >= this.#o.stableAfterMs) this.#backoff.reset();
      } catch (error) {
        if (this.#closed) return;
        if (error instanceof FatalError) {
          this.#stop(error.error);
          return;
        }
        reason = messageOf(error);
      }
      if (failedId !== null) this.#failed.add(failedId);
      const exhausted = this.#backoff.exhausted;
      const delay = this.#backoff.next();
      this.#setState({
        state: exhausted ? 'offline' : this.#everConnected ? 'reconnecting' : 'connecting',
        serverId: null,
        url: null,
        attempt: this.#backoff.attempt,
        retryInMs: delay,
        reason,
      });
      await this.#sleepFor(delay);
    }
  }

  /** A server to try: the balancers' choice, else a known server directly. */
  async #pickServer(): Promise<KnownServerInfo> {
    const exclude = [...this.#failed];
    const reasons: string[] = [];
    if (this.#fetch !== null) {
      for (const balancer of this.#balancers) {
        if (this.#closed) throw new ClientError('closed');
        const outcome: AssignOutcome = await requestAssignment(
          balancer,
          exclude,
          this.#fetch,
          this.#timers,
          this.#o.assignTimeoutMs,
        );
        if (outcome.ok) {
          for (const s of outcome.assignment.servers) this.#known.set(s.id, s.url);
          this.#known.set(outcome.assignment.serverId, outcome.assignment.url);
          return { id: outcome.assignment.serverId, url: outcome.assignment.url };
        }
        reasons.push(outcome.reason);
      }
    }
    let candidates = [...this.#known].filter(([id]) => !this.#failed.has(id));
    if (candidates.length === 0) {
      // Every known server failed recently: start over with all of them.
      this.#failed.clear();
      candidates = [...this.#known];
    }
    const pick = candidates[this.#rr++ % Math.max(1, candidates.length)];
    if (pick === undefined) {
      throw new ClientError('no_server', reasons.length > 0 ? reasons.join('; ') : 'no server known');
    }
    return { id: pick[0], url: pick[1] };
  }

  async #establish(target: KnownServerInfo): Promise<Session> {
    if (this.#closed) throw new ClientError('closed');
    let resolveClosed!: (reason: CloseReason) => void;
    const closed = new Promise<CloseReason>((resolve) => {
      resolveClosed = resolve;
    });
    const url = toWebSocketUrl(target.url);
    let session: Session;
    const conn = new Connection(
      {
        url,
        factory: this.#factory,
        timers: this.#timers,
        connectTimeoutMs: this.#o.connectTimeoutMs,
        requestTimeoutMs: this.#o.requestTimeoutMs,
        pingIntervalMs: this.#o.pingIntervalMs,
        pongTimeoutMs: this.#o.pongTimeoutMs,
        ...(this.#o.clientName === undefined ? {} : { clientName: this.#o.clientName }),
      },
      {
        onFrame: (frame) => this.#onFrame(session, frame),
        onInvalidFrame: (error) =>
          this.#report(
            new ClientError(
              'invalid_frame',
              `${error.code}: ${error.message}`,
              error.path === undefined ? {} : { path: error.path },
            ),
          ),
        onClose: (reason) => {
          this.#onSessionClosed(session);
          resolveClosed(reason);
        },
      },
    );
    session = {
      conn,
      url: target.url,
      serverId: target.id,
      ready: false,
      connectedAt: 0,
      joined: new Map(),
      resuming: new Map(),
      closed,
    };
    this.#session = session;
    try {
      const welcome = await conn.open();
      if (welcome.serverId !== target.id && this.#known.get(target.id) === target.url)
        this.#known.delete(target.id);
      this.#known.set(welcome.serverId, target.url);
      session.serverId = welcome.serverId;
      this.#leaderId = welcome.leaderId;
      this.#emitter.emit('welcome', {
        serverId: welcome.serverId,
        leaderId: welcome.leaderId,
        url: target.url,
        limits: welcome.limits,
      });
      await this.#authenticate(session);
      await Promise.all([...this.#rooms.keys()].map((room) => this.#joinRoom(session, room, false)));
      await Promise.all([...session.joined.keys()].map((room) => this.#catchUp(session, room)));
      if (this.#watchCluster) {
        try {
          const reply = expectReply(await conn.request({ type: 'cluster_info', watch: true }), 'cluster');
          this.#leaderId = reply.leaderId;
          this.#emitter.emit('cluster', reply);
        } catch (error) {
          this.#requireOpen(session, error);
          this.#report(asClientError(error));
        }
      }
      if (conn.closed || this.#closed) throw new ClientError('disconnected');
      session.ready = true;
      session.connectedAt = this.#timers.now();
      this.#everConnected = true;
      this.#failed.clear();
      this.#setState({
        state: 'connected',
        serverId: session.serverId,
        url: target.url,
        attempt: this.#backoff.attempt,
      });
      this.#connectSettle?.resolve();
      this.#connectSettle = null;
      for (const waiter of [...this.#readyWaiters]) {
        this.#readyWaiters.delete(waiter);
        this.#timers.clearTimeout(waiter.timer);
        waiter.resolve(session);
      }
      this.#pump();
      return session;
    } catch (error) {
      conn.close(`setup failed: ${messageOf(error)}`);
      throw error;
    }
  }

  /** After a failed request during setup: rethrow if the connection is gone. */
  #requireOpen(session: Session, error: unknown): void {
    if (session.conn.closed || this.#closed)
      throw error instanceof Error ? error : new ClientError('disconnected');
  }

  async #authenticate(session: Session): Promise<void> {
    const conn = session.conn;
    if (this.#token !== null) {
      try {
        this.#onAuthOk(
          expectReply(await conn.request({ type: 'resume_session', token: this.#token }), 'auth_ok'),
        );
        return;
      } catch (error) {
        const e = asClientError(error);
        if (e.retryable) throw e;
        // The token expired or was revoked (or is malformed): fall back to the credentials.
        this.#token = null;
        this.#report(e);
        if (this.#credentials === null) throw new FatalError(e);
      }
    }
    const credentials = this.#credentials;
    if (credentials === null) return; // anonymous: whatever the server allows without a login
    const register = this.#registerPending;
    try {
      if (register) this.#registerSent = true;
      const reply = await conn.request({
        type: register ? 'register' : 'login',
        user: credentials.user,
        password: credentials.password,
      });
      this.#onAuthOk(expectReply(reply, 'auth_ok'));
    } catch (error) {
      const e = asClientError(error);
      if (e.retryable) throw e;
      if (register && e.code === 'user_exists' && this.#registerSent) {
        // An earlier register may have committed without us hearing the answer: log in instead.
        try {
          this.#onAuthOk(
            expectReply(
              await conn.request({ type: 'login', user: credentials.user, password: credentials.password }),
              'auth_ok',
            ),
          );
          return;
        } catch (second) {
          const e2 = asClientError(second);
          if (e2.retryable) throw e2;
          throw new FatalError(e.code === 'user_exists' && e2.code === 'auth_failed' ? e : e2);
        }
      }
      throw new FatalError(e);
    }
  }

  #onAuthOk(reply: ServerToClientOf<'auth_ok'>): void {
    this.#token = reply.token;
    this.#user = reply.user;
    this.#displayName = reply.displayName;
    this.#registerPending = false;
    this.#emitter.emit('session', {
      user: reply.user,
      displayName: reply.displayName,
      token: reply.token,
      expiresAt: reply.expiresAt,
    });
  }

  #onSessionClosed(session: Session): void {
    session.ready = false;
    if (this.#session !== session) return;
    this.#session = null;
    this.#outbox.disconnected();
    if (this.#outboxTimer?.kind === 'timeout') {
      this.#timers.clearTimeout(this.#outboxTimer.handle);
      this.#outboxTimer = null;
    }
  }

  // ---- rooms and gap-free resume -----------------------------------------------------------

  #addRoom(room: string, position: number | undefined): void {
    if (this.#rooms.has(room)) return;
    const last = position !== undefined && Number.isSafeInteger(position) && position >= 0 ? position : null;
    this.#rooms.set(room, new RoomCursor(room, last, this.#o.maxBufferedPerRoom));
    this.#pendingPositions.delete(room);
  }

  /**
   * Join `room` on this connection and anchor its cursor if its position is unknown. Returns
   * null when the room is no longer wanted. A non-retryable refusal drops the room (reported,
   * or thrown when `throwRefusal`); anything else propagates (the connection is retried).
   */
  async #joinRoom(session: Session, room: string, throwRefusal: boolean): Promise<JoinedEvent | null> {
    const cursor = this.#rooms.get(room);
    if (cursor === undefined) return null;
    let reply: ServerToClientOf<'joined'>;
    try {
      reply = expectReply(await session.conn.request({ type: 'join', room }), 'joined');
    } catch (error) {
      const e = asClientError(error);
      if (e.retryable) throw e;
      if (this.#rooms.get(room) === cursor) this.#rooms.delete(room);
      if (throwRefusal) throw e;
      this.#report(e, room);
      return null;
    }
    if (this.#rooms.get(room) !== cursor) return null;
    const info: JoinedEvent = { room: reply.room, head: reply.head, members: reply.members };
    session.joined.set(room, info);
    cursor.noteHead(reply.head);
    this.#emitter.emit('joined', info);
    if (!cursor.anchored) await this.#anchor(session, cursor, reply.head);
    this.#pump(); // a send to this room may have been waiting for the join
    return info;
  }

  async #anchor(session: Session, cursor: RoomCursor, head: number): Promise<void> {
    const room = cursor.room;
    if (this.#o.joinHistory > 0 && head > 0) {
      let page: ServerToClientOf<'history_page'> | null = null;
      try {
        page = expectReply(
          await session.conn.request({ type: 'history', room, limit: this.#o.joinHistory }),
          'history_page',
        );
      } catch (error) {
        const e = asClientError(error);
        if (e.retryable) throw e;
        this.#report(e, room);
      }
      if (this.#rooms.get(room) !== cursor || cursor.anchored) return;
      if (page !== null) {
        const first = page.messages[0];
        this.#deliver(room, cursor.anchor(first === undefined ? page.head : first.position - 1), 'live');
        for (const message of page.messages) this.#deliver(room, cursor.offer(message), 'history');
        cursor.noteHead(page.head);
        return;
      }
    }
    if (this.#rooms.get(room) !== cursor || cursor.anchored) return;
    this.#deliver(room, cursor.anchor(head), 'live');
  }

  /** Fill the room's gap on this connection (one loop per room at a time). */
  #catchUp(session: Session, room: string): Promise<void> {
    const running = session.resuming.get(room);
    if (running !== undefined) return running;
    const loop = this.#catchUpLoop(session, room).finally(() => session.resuming.delete(room));
    session.resuming.set(room, loop);
    return loop;
  }

  async #catchUpLoop(session: Session, room: string): Promise<void> {
    let stalls = 0;
    let failures = 0;
    for (;;) {
      const cursor = this.#rooms.get(room);
      if (cursor === undefined || !cursor.anchored || !cursor.hasGap) return;
      if (session.conn.closed || this.#closed || !session.joined.has(room)) return;
      const after = cursor.last;
      try {
        if (stalls >= 3) {
          await this.#historyReset(session, cursor);
          if (stalls >= 6) {
            this.#report(
              new ClientError(
                'unexpected_reply',
                `room ${room}: the server does not fill the gap after ${after}`,
              ),
              room,
            );
            return;
          }
        } else {
          const reply = expectReply(
            await session.conn.request({ type: 'resume', room, after }),
            'resume_result',
          );
          if (this.#rooms.get(room) !== cursor) return;
          if (!reply.recovered) {
            await this.#historyReset(session, cursor);
          } else {
            for (const message of reply.messages) {
              if (message.room === room) this.#deliver(room, cursor.offer(message), 'resume');
            }
            if (reply.complete) cursor.acceptHead(reply.head);
            else cursor.noteHead(reply.head);
          }
        }
        failures = 0;
      } catch (error) {
        if (session.conn.closed || this.#closed) return;
        const e = asClientError(error);
        if (!e.retryable || failures >= 5) {
          this.#report(e, room);
          return;
        }
        failures += 1;
        await this.#sleepFor(backoffDelay(failures - 1, this.#retryBackoff, this.#random));
        continue;
      }
      stalls = cursor.last === after && cursor.hasGap ? stalls + 1 : 0;
    }
  }

  /** The server cannot replay from our position: reload the newest page and continue from it. */
  async #historyReset(session: Session, cursor: RoomCursor): Promise<void> {
    const room = cursor.room;
    const page = expectReply(
      await session.conn.request({ type: 'history', room, limit: this.#o.resetHistory }),
      'history_page',
    );
    if (this.#rooms.get(room) !== cursor) return;
    const first = page.messages[0];
    const base = first === undefined ? page.head : first.position - 1;
    const lastSeen = cursor.last;
    const { missed, delivered } = cursor.reset(base, page.messages);
    cursor.acceptHead(page.head);
    this.#emitter.emit('history_reset', {
      room,
      lastSeen,
      resumedFrom: Math.max(lastSeen, base),
      missed,
      head: page.head,
    });
    this.#deliver(room, delivered, 'history');
  }

  #deliver(room: string, messages: readonly ChatMessage[], source: MessageEventPayload['source']): void {
    for (const message of messages) this.#emitter.emit('message', { room, message, source });
  }

  // ---- incoming frames ---------------------------------------------------------------------

  #onFrame(session: Session, frame: ServerToClient): void {
    if (this.#session !== session) return;
    switch (frame.type) {
      case 'message': {
        const room = frame.message.room;
        const cursor = this.#rooms.get(room);
        if (cursor === undefined) return;
        this.#deliver(room, cursor.offer(frame.message), 'live');
        if (cursor.hasGap && session.joined.has(room)) void this.#catchUp(session, room);
        return;
      }
      case 'ack':
        if (frame.clientId === this.clientId) this.#settle(this.#outbox.deliver(frame.seq, frame));
        return;
      case 'ok': {
        const entry = this.#outbox.byRid(frame.rid);
        if (entry !== null) this.#settle(this.#outbox.deliver(entry.seq));
        return;
      }
      case 'error': {
        const entry = frame.rid === undefined ? null : this.#outbox.byRid(frame.rid);
        if (entry === null) {
          this.#report(new ClientError(frame.code, frame.message, { retryable: frame.retryable }));
          return;
        }
        if (frame.retryable) this.#retryLater(entry.seq, { code: frame.code, message: frame.message });
        else this.#settle(this.#outbox.fail(entry.seq, frame.code, frame.message));
        return;
      }
      case 'presence':
        this.#emitter.emit('presence', frame);
        return;
      case 'typing':
        this.#emitter.emit('typing', frame);
        return;
      case 'membership':
        this.#emitter.emit('membership', frame);
        return;
      case 'reaction':
        this.#emitter.emit('reaction', frame);
        return;
      case 'display_name':
        if (frame.user === this.#user) this.#displayName = frame.displayName;
        this.#emitter.emit('display_name', frame);
        return;
      case 'cluster':
        this.#leaderId = frame.leaderId;
        this.#emitter.emit('cluster', frame);
        return;
      default:
        // Late replies to requests that timed out, a second welcome...: nothing to do.
        return;
    }
  }

  // ---- the outbox --------------------------------------------------------------------------

  #checkCommand(frame: ClientToServer): void {
    if (this.#closed) throw new ClientError('closed');
    const checked = clientToServer.check(frame);
    if (!checked.ok) {
      throw new ClientError(
        'invalid_request',
        checked.error.message,
        checked.error.path === undefined ? {} : { path: checked.error.path },
      );
    }
  }

  #settledPromise(seq: number): Promise<OutboxEntry> {
    return new Promise<OutboxEntry>((resolve) => this.#settleWaiters.set(seq, resolve));
  }

  /** Transmit the head of the outbox if the connection is ready and nothing is in flight. */
  #pump(): void {
    const session = this.#session;
    if (session === null || !session.ready || this.#closed) return;
    const entry = this.#outbox.next();
    if (entry === null) return;
    // A room being joined on this connection: wait for the join, or the send would be refused.
    if (this.#rooms.has(entry.room) && !session.joined.has(entry.room)) return;
    const rid = session.conn.nextRid();
    const frame: ClientToServer =
      entry.kind === 'send'
        ? { type: 'send', rid, room: entry.room, clientId: entry.clientId, seq: entry.seq, text: entry.text }
        : {
            type: 'react',
            rid,
            room: entry.room,
            clientId: entry.clientId,
            seq: entry.seq,
            position: entry.position,
            emoji: entry.emoji,
            on: entry.on,
          };
    const sent = this.#outbox.markSent(entry.seq, rid);
    try {
      session.conn.send(frame);
    } catch (error) {
      const e = asClientError(error);
      if (e.code === 'invalid_request') this.#settle(this.#outbox.fail(entry.seq, e.code, e.message));
      // Otherwise the connection is closing: its close handler queues the command again.
      return;
    }
    this.#setOutboxTimer('timeout', entry.seq, this.#o.requestTimeoutMs, () => {
      this.#retryLater(entry.seq, { code: 'request_timeout', message: 'no acknowledgement in time' });
    });
    this.#emitter.emit('outbox', { change: 'sent', entry: sent });
  }

  #retryLater(seq: number, error: { code: ClientErrorCode; message: string }): void {
    const entry = this.#outbox.deferRetry(seq, error);
    if (entry === null) return;
    const delay = backoffDelay(Math.max(0, entry.attempts - 1), this.#retryBackoff, this.#random);
    this.#setOutboxTimer('retry', seq, delay, () => {
      this.#outbox.requeue(seq);
      this.#pump();
    });
    this.#emitter.emit('outbox', { change: 'retrying', entry });
  }

  #setOutboxTimer(kind: 'timeout' | 'retry', seq: number, ms: number, run: () => void): void {
    if (this.#outboxTimer !== null) this.#timers.clearTimeout(this.#outboxTimer.handle);
    const timer = {
      kind,
      seq,
      handle: this.#timers.setTimeout(() => {
        if (this.#outboxTimer === timer) this.#outboxTimer = null;
        if (!this.#closed) run();
      }, ms),
    };
    this.#outboxTimer = timer;
  }

  #settle(entry: OutboxEntry | null): void {
    if (entry === null) return;
    if (this.#outboxTimer?.seq === entry.seq) {
      this.#timers.clearTimeout(this.#outboxTimer.handle);
      this.#outboxTimer = null;
    }
    this.#emitter.emit('outbox', { change: entry.state === 'delivered' ? 'delivered' : 'failed', entry });
    const waiter = this.#settleWaiters.get(entry.seq);
    this.#settleWaiters.delete(entry.seq);
    waiter?.(entry);
    this.#pump();
  }

  // ---- helpers -----------------------------------------------------------------------------

  async #call<T extends ServerToClientType>(
    frame: RequestFrame,
    expected: T,
    timeoutMs = this.#o.requestTimeoutMs,
  ): Promise<ServerToClientOf<T>> {
    this.#checkCommand({ ...frame, rid: 0 } as ClientToServer);
    const deadline = this.#timers.now() + timeoutMs;
    const session = await this.#whenReady(timeoutMs);
    const remaining = Math.max(1, deadline - this.#timers.now());
    return expectReply(await session.conn.request(frame, remaining), expected);
  }

  /** The ready connection, waiting for one up to `timeoutMs`. */
  #whenReady(timeoutMs = this.#o.requestTimeoutMs): Promise<Session> {
    if (this.#closed) return Promise.reject(new ClientError('closed'));
    const session = this.#session;
    if (session?.ready) return Promise.resolve(session);
    return new Promise<Session>((resolve, reject) => {
      const waiter: Waiter<Session> = {
        resolve,
        reject,
        timer: this.#timers.setTimeout(() => {
          this.#readyWaiters.delete(waiter);
          reject(
            new ClientError('not_connected', `not connected within ${timeoutMs} ms (state ${this.#state})`),
          );
        }, timeoutMs),
      };
      this.#readyWaiters.add(waiter);
    });
  }

  /** A pause that close() cuts short. */
  #sleepFor(ms: number): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const sleep = {
        resolve,
        handle: this.#timers.setTimeout(() => {
          this.#sleeps.delete(sleep);
          resolve();
        }, ms),
      };
      this.#sleeps.add(sleep);
    });
  }

  #setState(event: StateEvent): void {
    this.#state = event.state;
    this.#emitter.emit('state', event);
  }

  #report(error: ClientError, room?: string, fatal = false): void {
    const event: ErrorEvent = {
      code: error.code,
      message: error.message,
      fatal,
      ...(room === undefined ? {} : { room }),
      ...(error.path === undefined ? {} : { path: error.path }),
    };
    this.#emitter.emit('error', event);
  }

  /** Stop for good: after close() (error null) or a fatal error. */
  #stop(error: ClientError | null): void {
    if (this.#closed) return;
    this.#closed = true;
    if (error !== null) this.#report(error, undefined, true);
    for (const sleep of [...this.#sleeps]) {
      this.#timers.clearTimeout(sleep.handle);
      sleep.resolve();
    }
    this.#sleeps.clear();
    if (this.#outboxTimer !== null) this.#timers.clearTimeout(this.#outboxTimer.handle);
    this.#outboxTimer = null;
    const session = this.#session;
    this.#session = null;
    session?.conn.close('client closed');
    this.#outbox.disconnected();
    for (const waiter of [...this.#readyWaiters]) {
      this.#timers.clearTimeout(waiter.timer);
      waiter.reject(new ClientError('closed'));
    }
    this.#readyWaiters.clear();
    this.#connectSettle?.reject(error ?? new ClientError('closed'));
    this.#connectSettle = null;
    this.#setState({
      state: 'closed',
      serverId: null,
      url: null,
      attempt: this.#backoff.attempt,
      ...(error === null ? {} : { reason: error.message }),
    });
  }
}
