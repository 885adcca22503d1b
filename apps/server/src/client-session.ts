import type { AppliedEffect, ArchivedRange, ChatState } from '@quorum/chat';
import {
  type ChatMessage,
  type ClientToServer,
  type ClientToServerOf,
  COMMAND_VERSION,
  type Command,
  clientToServer,
  ERROR_CODES,
  type ErrorCode,
  MAX_CLIENT_FRAME_BYTES,
  MAX_HISTORY_PAGE,
  MAX_ROOMS_PER_CONNECTION,
  MAX_TEXT_LENGTH,
  MIN_PASSWORD_LENGTH,
  PROTOCOL_VERSION,
  type ServerToClient,
  type ServerToClientOf,
  serverToClient,
} from '@quorum/protocol';
import type WebSocket from 'ws';
import type { Hub, Subscriber } from './hub.js';
import {
  DUMMY_PASSWORD_HASH,
  hashPassword,
  needsRehash,
  newSessionToken,
  tokenHash,
  verifyPassword,
} from './passwords.js';
import type { CommandOutcome } from './pending.js';
import type { KeyedLimiter } from './rate-limit.js';
import type { RequestKind, UserBudgets } from './user-budgets.js';

/** Past this many bytes waiting in a client's socket, the client is cut off rather than buffered. */
export const MAX_CLIENT_BUFFERED_BYTES = 1024 * 1024;
/** WebSocket close codes we use (4000-4999 are the application's). */
export const CLOSE = {
  slowConsumer: 4001,
  unsupportedVersion: 4002,
  cutOff: 4003,
  /** The connection's session was revoked (logout elsewhere) or expired: log in again. */
  sessionEnded: 4004,
  shuttingDown: 1001,
} as const;

/** What a client session needs from its server. */
export interface SessionServices {
  readonly serverId: number;
  readonly sendsPerSecond: number;
  readonly sessionTtlMs: number;
  /** Logged-in connections one user may have on this server. */
  readonly maxConnectionsPerUser: number;
  chat(): ChatState;
  /** Archived messages of a room with their reactions; null while this server's archive has a hole there. */
  archived(room: string, range: ArchivedRange): ChatMessage[] | null;
  submit(command: Command): Promise<CommandOutcome>;
  /** Resolves true once this server reflects every commit made before the call. */
  barrier(): Promise<boolean>;
  leaderId(): number | null;
  clusterFrame(rid?: number): ServerToClientOf<'cluster'>;
  /** A fresh client id for the commands the server issues on one connection's behalf. */
  internalClientId(): string;
  /** A typing signal: coalesced per (room, user), then fanned out here and to the peers. */
  typing(room: string, user: string, active: boolean): void;
  readonly hub: Hub;
  readonly budgets: UserBudgets;
  readonly loginByUser: KeyedLimiter;
  readonly loginByAddress: KeyedLimiter;
  /** Resumes of a session token, per address: apart from password attempts (see onResumeSession). */
  readonly resumeByAddress: KeyedLimiter;
  readonly count: (event: string) => void;
}

class RequestError extends Error {
  constructor(
    readonly code: ErrorCode,
    message?: string,
  ) {
    super(message ?? ERROR_CODES[code].text);
  }
}

/** The part of a `net.Socket` used to coalesce writes. */
export interface Corkable {
  cork(): void;
  uncork(): void;
}

/**
 * One client's WebSocket: validates every frame, enforces the handshake order and the limits,
 * and turns requests into replicated commands or linearizable reads. Bad input gets a typed
 * error and changes nothing; no input can throw out of here.
 */
export class ClientSession implements Subscriber {
  user: string | null = null;
  private tokenHashValue: string | null = null;
  /** (clientId, seq) of the commands the server issues for this connection (join, sessions...). */
  private readonly internalClientId: string;
  private internalSeq = 0;
  private greetedValue = false;
  /** Reading is paused after a refusal (see refuse()). */
  private throttled = false;
  /** The length of the last rest, and when it ended (see throttle()). */
  private throttleMs = THROTTLE_MS;
  private rested = Number.NEGATIVE_INFINITY;
  private readonly rooms = new Set<string>();
  private closed = false;

  private corked = false;

  constructor(
    private readonly socket: WebSocket,
    /** The TCP stream under `socket`: corked for the rest of a turn to coalesce writes. */
    private readonly transport: Corkable,
    private readonly address: string,
    private readonly services: SessionServices,
  ) {
    this.internalClientId = services.internalClientId();
  }

  /** The identity fields of a command the server issues for this connection. */
  private internalMeta(): { clientId: string; seq: number; ts: number; v: typeof COMMAND_VERSION } {
    this.internalSeq += 1;
    return { clientId: this.internalClientId, seq: this.internalSeq, ts: Date.now(), v: COMMAND_VERSION };
  }

  /**
   * The session this connection is bound to was revoked or has expired (on any server): the
   * connection ends at once with a typed close code, whatever it was doing.
   */
  endSession(): void {
    if (this.closed) return;
    this.closed = true;
    this.services.count('session_ended');
    this.socket.close(CLOSE.sessionEnded, 'session_ended');
    this.services.hub.remove(this);
  }

  /** Every frame from the socket comes here. */
  onFrame(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    const raw = isBinary ? (data as Buffer) : (data as Buffer).toString('utf8');
    if (this.throttled) {
      // Frames that were already read when the connection was throttled: refused without being
      // decoded (a flood must not cost a JSON parse and a schema check per frame). The reply
      // still carries the request's rid when it has one, so a client can retry it.
      this.services.count('refused_throttled');
      this.error(throttledRid(raw), 'rate_limited', 'Too many requests from this connection; slow down.');
      return;
    }
    const decoded = clientToServer.decode(raw);
    if (!decoded.ok) {
      this.services.count('frame_rejected');
      this.error(ridOf(decoded.error.code, raw), decoded.error.code, decoded.error.message);
      return;
    }
    const message = decoded.value;
    this.services.count(`frame_${message.type}`);
    const rid = 'rid' in message ? message.rid : undefined;
    // Budgets are checked here, synchronously and cheaply (no Error, no async handler): a flood
    // of refused frames must cost the server as little as possible. A connection that runs its
    // user out of budget is also not read for a moment, so its flood waits in its own TCP
    // buffers instead of in this server's event loop.
    const kind = this.user !== null && this.greetedValue ? REQUEST_KINDS[message.type] : undefined;
    if (kind !== undefined && !this.services.budgets.take(kind, this.user!, this.address, Date.now())) {
      this.refuse(rid, kind);
      return;
    }
    // A request that needs a login, on a connection without one: a client that follows the
    // protocol never sends it, so it is refused as cheaply, and the connection rests the same way.
    if (this.user === null && this.greetedValue && !BEFORE_LOGIN.has(message.type)) {
      this.services.count('refused_not_authenticated');
      this.error(rid, 'not_authenticated');
      this.throttle();
      return;
    }
    // Checked synchronously so that replies keep the order of the frames that caused them.
    if (message.type !== 'hello' && !this.greetedValue) {
      this.error(rid, 'hello_required');
      return;
    }
    this.handle(message).catch((error: unknown) => {
      if (error instanceof RequestError) this.error(rid, error.code, error.message);
      else this.error(rid, 'internal', 'Internal error.');
    });
  }

  /** Whether the client has said hello (the liveness check closes sockets that never do). */
  get greeted(): boolean {
    return this.greetedValue;
  }

  onClose(): void {
    this.closed = true;
    this.services.hub.remove(this);
  }

  deliver(frame: ServerToClient, encoded?: string): void {
    if (this.closed) return;
    if (this.socket.bufferedAmount > MAX_CLIENT_BUFFERED_BYTES) {
      // A slow consumer is cut off with a reason instead of growing our memory without bound.
      this.closed = true;
      this.services.count('slow_consumer');
      this.socket.close(CLOSE.slowConsumer, 'slow_consumer');
      this.services.hub.remove(this);
      return;
    }
    // Everything sent to this client in one event-loop turn leaves in one write (an ack and the
    // message event it goes with, a burst of events): a syscall per frame is the largest cost
    // at load. setImmediate, not nextTick: acks resolve through promises, after the nextTick queue.
    if (!this.corked) {
      this.corked = true;
      this.transport.cork();
      setImmediate(() => {
        this.corked = false;
        this.transport.uncork();
      });
    }
    this.socket.send(encoded ?? serverToClient.encode(frame));
  }

  private error(rid: number | undefined, code: ErrorCode, message?: string): void {
    this.deliver({
      type: 'error',
      ...(rid !== undefined && { rid }),
      code,
      message: (message ?? ERROR_CODES[code].text).slice(0, 1024),
      retryable: ERROR_CODES[code].retryable,
    });
  }

  private async handle(m: ClientToServer): Promise<void> {
    if (m.type === 'hello') return this.onHello(m);
    switch (m.type) {
      case 'ping':
        return this.deliver({ type: 'pong', rid: m.rid });
      case 'register':
        return this.onRegister(m);
      case 'login':
        return this.onLogin(m);
      case 'resume_session':
        return this.onResumeSession(m);
      case 'cluster_info':
        this.spend('read', this.user ?? `@${this.address}`); // anonymous: per address
        if (m.watch !== undefined) this.services.hub.watchCluster(this, m.watch);
        return this.deliver(this.services.clusterFrame(m.rid));
    }
    const user = this.user;
    if (user === null) throw new RequestError('not_authenticated');
    // Expiry is checked on every use, not only at resume: an expired session ends the connection.
    if (
      this.tokenHashValue !== null &&
      this.services.chat().session(this.tokenHashValue, Date.now()) === null
    ) {
      this.endSession();
      return;
    }
    switch (m.type) {
      case 'logout':
        return this.onLogout(m, user);
      case 'join':
        return this.onJoin(m, user);
      case 'leave':
        return this.onLeave(m, user);
      case 'send':
        return this.onSend(m, user);
      case 'react':
        return this.onReact(m, user);
      case 'history':
        return this.onHistory(m, user);
      case 'resume':
        return this.onResume(m, user);
      case 'typing':
        return this.onTyping(m, user);
      case 'set_display_name':
        return this.onSetDisplayName(m, user);
      case 'rooms':
        return this.onRooms(m);
      case 'who':
        return this.onWho(m, user);
    }
  }

  private onHello(m: ClientToServerOf<'hello'>): void {
    if (m.version !== PROTOCOL_VERSION) {
      this.error(
        undefined,
        'unsupported_version',
        `This server speaks protocol version ${PROTOCOL_VERSION}.`,
      );
      this.socket.close(CLOSE.unsupportedVersion, 'unsupported_version');
      return;
    }
    this.greetedValue = true;
    this.deliver({
      type: 'welcome',
      version: PROTOCOL_VERSION,
      serverId: this.services.serverId,
      leaderId: this.services.leaderId(),
      limits: {
        maxFrameBytes: MAX_CLIENT_FRAME_BYTES,
        maxTextLength: MAX_TEXT_LENGTH,
        maxHistoryPage: MAX_HISTORY_PAGE,
        maxRoomsPerConnection: MAX_ROOMS_PER_CONNECTION,
        sendsPerSecond: this.services.sendsPerSecond,
      },
    });
  }

  // ---- identity ----------------------------------------------------------------------------

  private async onRegister(m: ClientToServerOf<'register'>): Promise<void> {
    if (this.user !== null) throw new RequestError('already_authenticated');
    if (m.password.length < MIN_PASSWORD_LENGTH) {
      throw new RequestError('invalid_message', `Passwords need at least ${MIN_PASSWORD_LENGTH} characters.`);
    }
    this.limitLogin(m.user);
    const passwordHash = await hashPassword(m.password);
    const outcome = await this.services.submit({
      op: 'register',
      ...this.internalMeta(),
      user: m.user,
      passwordHash,
    });
    this.expectOk(outcome);
    await this.openSession(m.rid, m.user);
  }

  private async onLogin(m: ClientToServerOf<'login'>): Promise<void> {
    if (this.user !== null) throw new RequestError('already_authenticated');
    this.requireConnectionSlot(m.user);
    this.limitLogin(m.user);
    await this.barrier();
    const stored = this.services.chat().passwordHashOf(m.user);
    // Verify against a dummy hash for unknown users so timing does not reveal who exists.
    const ok = await verifyPassword(m.password, stored ?? DUMMY_PASSWORD_HASH);
    if (!ok || stored === null) throw new RequestError('auth_failed');
    if (needsRehash(stored)) await this.upgradeHash(m.user, m.password);
    await this.openSession(m.rid, m.user);
  }

  /**
   * The stored hash was made with older parameters (scrypt N=2^14): replace it through the log
   * now that the password is known to be right. Best effort: a failure leaves the old hash,
   * which still verifies, and the next login tries again.
   */
  private async upgradeHash(user: string, password: string): Promise<void> {
    try {
      const passwordHash = await hashPassword(password);
      await this.services.submit({ op: 'set_password_hash', ...this.internalMeta(), user, passwordHash });
      this.services.count('password_rehashed');
    } catch {
      // the old hash stays; it still verifies
    }
  }

  private async openSession(rid: number, user: string): Promise<void> {
    const token = newSessionToken();
    const hash = tokenHash(token);
    const expiresAt = Date.now() + this.services.sessionTtlMs;
    const outcome = await this.services.submit({
      op: 'open_session',
      ...this.internalMeta(),
      user,
      tokenHash: hash,
      expiresAt,
    });
    this.expectOk(outcome);
    this.authenticate(user, hash);
    const displayName = this.services.chat().displayName(user) ?? user;
    this.deliver({ type: 'auth_ok', rid, user, displayName, token, expiresAt });
  }

  private async onResumeSession(m: ClientToServerOf<'resume_session'>): Promise<void> {
    if (this.user !== null) throw new RequestError('already_authenticated');
    // A failover storm is not a login storm: resumes have their own, larger budget per address,
    // and only a token that turns out invalid (a guess) spends from the password attempts'.
    const now = Date.now();
    if (!this.services.resumeByAddress.take(this.address, now)) throw new RequestError('rate_limited');
    await this.barrier();
    const hash = tokenHash(m.token);
    const session = this.services.chat().session(hash, Date.now());
    if (!session) {
      if (!this.services.loginByAddress.take(this.address, Date.now()))
        throw new RequestError('rate_limited');
      throw new RequestError('session_invalid');
    }
    this.requireConnectionSlot(session.user);
    this.authenticate(session.user, hash);
    const displayName = this.services.chat().displayName(session.user) ?? session.user;
    this.deliver({
      type: 'auth_ok',
      rid: m.rid,
      user: session.user,
      displayName,
      token: m.token,
      expiresAt: session.expiresAt,
    });
  }

  private async onLogout(m: ClientToServerOf<'logout'>, user: string): Promise<void> {
    const hash = this.tokenHashValue;
    if (hash !== null) {
      // This connection stays open (unauthenticated); every other one on this session ends.
      this.services.hub.unbindSession(hash, this);
      const outcome = await this.services.submit({
        op: 'close_session',
        ...this.internalMeta(),
        user,
        tokenHash: hash,
      });
      this.expectOk(outcome);
    }
    for (const room of this.rooms) this.services.hub.unsubscribe(room, this);
    this.rooms.clear();
    this.user = null;
    this.tokenHashValue = null;
    this.deliver({ type: 'ok', rid: m.rid });
  }

  /** Refuses a login beyond the user's connection cap here (before any work is done for it). */
  private requireConnectionSlot(user: string): void {
    if (this.services.hub.connectionsOf(user) >= this.services.maxConnectionsPerUser) {
      throw new RequestError(
        'too_many_connections',
        `This user has ${this.services.maxConnectionsPerUser} connections to this server already.`,
      );
    }
  }

  private authenticate(user: string, hash: string): void {
    this.user = user;
    this.tokenHashValue = hash;
    this.services.hub.add(this);
    this.services.hub.bindSession(hash, this);
  }

  private limitLogin(user: string): void {
    const now = Date.now();
    if (!this.services.loginByAddress.take(this.address, now) || !this.services.loginByUser.take(user, now)) {
      throw new RequestError('rate_limited', 'Too many login attempts; wait a little.');
    }
  }

  // ---- rooms and messages --------------------------------------------------------------------

  private async onJoin(m: ClientToServerOf<'join'>, user: string): Promise<void> {
    if (!this.rooms.has(m.room) && this.rooms.size >= MAX_ROOMS_PER_CONNECTION)
      throw new RequestError('too_many_rooms');
    const outcome = await this.services.submit({
      op: 'join',
      ...this.internalMeta(),
      user,
      room: m.room,
    });
    this.expectOk(outcome);
    if (this.user !== user) return; // logged out meanwhile
    this.rooms.add(m.room);
    this.services.hub.subscribe(m.room, this);
    // The head as of subscribing (not as of the join command): from here on every new message
    // reaches this connection live, so the client can resume up to `head` without a gap.
    const chat = this.services.chat();
    this.deliver({
      type: 'joined',
      rid: m.rid,
      room: m.room,
      head: chat.head(m.room),
      members: chat.members(m.room),
    });
  }

  private async onLeave(m: ClientToServerOf<'leave'>, user: string): Promise<void> {
    const outcome = await this.services.submit({
      op: 'leave',
      ...this.internalMeta(),
      user,
      room: m.room,
    });
    this.expectOk(outcome);
    this.rooms.delete(m.room);
    this.services.hub.unsubscribe(m.room, this);
    this.deliver({ type: 'ok', rid: m.rid });
  }

  private async onSend(m: ClientToServerOf<'send'>, user: string): Promise<void> {
    requireClientId(m.clientId);
    this.requireJoined(m.room);
    const outcome = await this.services.submit({
      op: 'post',
      clientId: m.clientId,
      seq: m.seq,
      ts: Date.now(),
      v: COMMAND_VERSION,
      user,
      room: m.room,
      text: m.text,
    });
    const result = this.expectOk(outcome);
    if (result.op !== 'post')
      throw new RequestError('invalid_message', 'That (clientId, seq) was already used for another command.');
    this.deliver({
      type: 'ack',
      rid: m.rid,
      room: result.room,
      clientId: m.clientId,
      seq: m.seq,
      position: result.position,
      ts: result.ts,
    });
  }

  private async onReact(m: ClientToServerOf<'react'>, user: string): Promise<void> {
    requireClientId(m.clientId);
    this.requireJoined(m.room);
    const outcome = await this.services.submit({
      op: 'react',
      clientId: m.clientId,
      seq: m.seq,
      ts: Date.now(),
      v: COMMAND_VERSION,
      user,
      room: m.room,
      position: m.position,
      emoji: m.emoji,
      on: m.on,
    });
    this.expectOk(outcome);
    this.deliver({ type: 'ok', rid: m.rid });
  }

  private async onHistory(m: ClientToServerOf<'history'>, user: string): Promise<void> {
    await this.barrier();
    this.requireMember(m.room, user);
    const page = this.services.chat().history(m.room, m.before, m.limit);
    if (!page) throw new RequestError('unknown_room');
    this.deliver({
      type: 'history_page',
      rid: m.rid,
      room: m.room,
      messages: [...this.archived(m.room, page.archived), ...page.messages],
      hasMore: page.hasMore,
      head: page.head,
    });
  }

  private async onResume(m: ClientToServerOf<'resume'>, user: string): Promise<void> {
    await this.barrier();
    this.requireMember(m.room, user);
    const page = this.services.chat().messagesAfter(m.room, m.after, MAX_HISTORY_PAGE);
    if (!page) throw new RequestError('unknown_room');
    this.deliver({
      type: 'resume_result',
      rid: m.rid,
      room: m.room,
      recovered: page.recovered,
      messages: [...this.archived(m.room, page.archived), ...page.messages],
      complete: page.complete,
      head: page.head,
    });
  }

  /** The archived part of a page: read from disk, or `unavailable` while this server lacks it. */
  private archived(room: string, range: ArchivedRange | null): ChatMessage[] {
    if (range === null) return [];
    const messages = this.services.archived(room, range);
    if (messages === null) {
      throw new RequestError(
        'unavailable',
        'This server is still fetching older messages of this room from its peers; try again.',
      );
    }
    return messages;
  }

  private onTyping(m: ClientToServerOf<'typing'>, user: string): void {
    if (!this.rooms.has(m.room)) return; // best-effort signal: ignore quietly
    this.services.typing(m.room, user, m.active);
  }

  private async onSetDisplayName(m: ClientToServerOf<'set_display_name'>, user: string): Promise<void> {
    const outcome = await this.services.submit({
      op: 'set_display_name',
      ...this.internalMeta(),
      user,
      displayName: m.displayName,
    });
    this.expectOk(outcome);
    this.deliver({ type: 'ok', rid: m.rid });
  }

  private async onRooms(m: ClientToServerOf<'rooms'>): Promise<void> {
    await this.barrier();
    this.deliver({ type: 'room_list', rid: m.rid, rooms: this.services.chat().rooms() });
  }

  private async onWho(m: ClientToServerOf<'who'>, user: string): Promise<void> {
    await this.barrier();
    this.requireMember(m.room, user);
    const chat = this.services.chat();
    const members = chat.members(m.room).map((member) => ({
      user: member,
      displayName: chat.displayName(member) ?? member,
      online: this.services.hub.isOnline(m.room, member),
    }));
    this.deliver({ type: 'who_result', rid: m.rid, room: m.room, members });
  }

  // ---- helpers ----------------------------------------------------------------------------

  /** A request over its user's budget: answered at once, and the connection rests for a moment. */
  private refuse(rid: number | undefined, kind: RequestKind): void {
    this.services.count(`rate_limited_${kind}`);
    this.error(rid, 'rate_limited', REFUSALS[kind]);
    this.throttle();
  }

  /**
   * Stops reading this connection for a while (its frames wait in its own socket): THROTTLE_MS,
   * doubled each time it is refused again within THROTTLE_CALM_MS of the last rest, up to
   * MAX_THROTTLE_MS. A client that heeds `rate_limited` rests 100 ms now and then; one that
   * ignores it (a flood pipelining requests as fast as they are answered) is soon read once every
   * two seconds, so saying no costs the server a few frames a second per connection instead of
   * hundreds.
   */
  private throttle(): void {
    if (this.throttled || this.closed) return;
    const now = Date.now();
    this.throttleMs =
      now - this.rested < THROTTLE_CALM_MS ? Math.min(this.throttleMs * 2, MAX_THROTTLE_MS) : THROTTLE_MS;
    this.throttled = true;
    this.socket.pause();
    setTimeout(() => {
      this.throttled = false;
      this.rested = Date.now();
      // Also when the session was closed meanwhile (slow consumer, cut off, session ended):
      // ws must read the peer's close frame to finish the close handshake.
      this.socket.resume();
    }, this.throttleMs).unref();
  }

  /** Spends from the user's (and the address's) budget for this kind of request, or refuses it. */
  private spend(kind: RequestKind, user: string): void {
    if (!this.services.budgets.take(kind, user, this.address, Date.now())) {
      this.services.count(`rate_limited_${kind}`);
      throw new RequestError('rate_limited', `Too many ${kind} requests from this user; slow down.`);
    }
  }

  private requireJoined(room: string): void {
    if (this.rooms.has(room)) return;
    throw new RequestError(this.services.chat().roomExists(room) ? 'not_member' : 'unknown_room');
  }

  private requireMember(room: string, user: string): void {
    const chat = this.services.chat();
    if (!chat.roomExists(room)) throw new RequestError('unknown_room');
    if (!chat.isMember(room, user)) throw new RequestError('not_member');
  }

  private async barrier(): Promise<void> {
    if (!(await this.services.barrier())) throw new RequestError('unavailable');
  }

  private expectOk(outcome: CommandOutcome): Extract<AppliedEffect, { ok: true }>['result'] {
    if (outcome.kind === 'failed') throw new RequestError(outcome.code);
    if (!outcome.effect.ok) throw new RequestError(outcome.effect.code, outcome.effect.message);
    return outcome.effect.result;
  }
}

/**
 * The `rid` of a frame, found without parsing it. Anywhere in the frame: JSON does not order an
 * object's keys, and a client that writes `rid` last (as `{ ...request, rid }` does) must still
 * get its refusal with its rid, or it waits for an answer that never comes. A `"rid":` inside a
 * string value cannot match, since the quotes there are escaped. The frame is already bounded
 * (MAX_CLIENT_FRAME_BYTES), and a scan is far cheaper than a parse and a schema check.
 */
function throttledRid(raw: string | Buffer): number | undefined {
  const text = typeof raw === 'string' ? raw : raw.toString('utf8');
  const match = RID_FIELD.exec(text);
  if (match === null) return undefined;
  const rid = Number(match[1]);
  return rid < 2 ** 31 ? rid : undefined;
}

const RID_FIELD = /"rid"\s*:\s*(\d{1,10})\s*[,}]/;

/** What a connection may ask before it has logged in. */
const BEFORE_LOGIN: ReadonlySet<string> = new Set([
  'hello',
  'ping',
  'register',
  'login',
  'resume_session',
  'cluster_info',
]);

/** How long a connection that ran its user out of budget is not read. */
export const THROTTLE_MS = 100;
/** A refusal this soon after the last rest ended makes the next rest twice as long. */
export const THROTTLE_CALM_MS = 1_000;
export const MAX_THROTTLE_MS = 2_000;

const REFUSALS: Readonly<Record<RequestKind, string>> = {
  send: 'Too many sends and reactions from this user; slow down.',
  write: 'Too many joins and leaves from this user; slow down.',
  profile: 'Too many display-name changes from this user; slow down.',
  read: 'Too many reads from this user; slow down.',
};

/** What each request spends (see user-budgets.ts); typing is coalesced instead, ping is free. */
const REQUEST_KINDS: Partial<Record<ClientToServer['type'], RequestKind>> = {
  send: 'send',
  react: 'send',
  join: 'write',
  leave: 'write',
  logout: 'write',
  set_display_name: 'profile',
  history: 'read',
  resume: 'read',
  who: 'read',
  rooms: 'read',
};

/** Server-originated commands use `srv.<id>.<boot>` client ids; clients may not borrow them. */
export const SERVER_CLIENT_ID_PREFIX = 'srv.';
function requireClientId(clientId: string): void {
  if (clientId.startsWith(SERVER_CLIENT_ID_PREFIX)) {
    throw new RequestError(
      'invalid_message',
      `Client ids starting with "${SERVER_CLIENT_ID_PREFIX}" are reserved for servers.`,
    );
  }
}

/** For a frame that parsed but failed validation, its `rid` if it has a usable one, so the client can correlate the error. */
function ridOf(code: ErrorCode, raw: string | Buffer): number | undefined {
  if (code !== 'invalid_message' && code !== 'unknown_type') return undefined;
  try {
    const rid = (JSON.parse(raw.toString()) as { rid?: unknown }).rid;
    return Number.isInteger(rid) && (rid as number) >= 0 && (rid as number) < 2 ** 31
      ? (rid as number)
      : undefined;
  } catch {
    return undefined;
  }
}
