/**
 * A protocol-level test double: a few WebSocket servers (the `ws` package, 127.0.0.1, port 0)
 * sharing one in-memory "replicated" state, plus an HTTP balancer. It speaks the client protocol
 * minimally and lets a test misbehave on purpose (no pongs, lost acks, retryable errors, dropped
 * live events, compacted history). It is NOT the real server: real-cluster tests come later.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type ChatMessage,
  type ClientToServer,
  clientToServer,
  ERROR_CODES,
  type ErrorCode,
  PROTOCOL_VERSION,
  type ServerToClient,
} from '@quorum/protocol';
import { type WebSocket, WebSocketServer } from 'ws';

interface DedupEntry {
  seq: number;
  reply: { position: number; ts: number; room: string } | null;
}

/** What every fake server shares: the "replicated" chat state. */
export class FakeState {
  readonly rooms = new Map<string, ChatMessage[]>();
  readonly members = new Map<string, Set<string>>();
  readonly users = new Map<string, { password: string; displayName: string }>();
  readonly tokens = new Map<string, string>();
  readonly dedup = new Map<string, DedupEntry>();
  /** Per room: a resume with `after` below this answers `recovered: false`. */
  readonly compactedBelow = new Map<string, number>();
  readonly servers: FakeServer[] = [];
  clock = 1_700_000_000_000;

  history(room: string): ChatMessage[] {
    let list = this.rooms.get(room);
    if (list === undefined) {
      list = [];
      this.rooms.set(room, list);
    }
    return list;
  }

  /** Commit a post as the state machine would, dedup included. */
  post(
    user: string,
    room: string,
    clientId: string,
    seq: number,
    text: string,
  ): { ok: true; position: number; ts: number } | { ok: false; code: ErrorCode; message: string } {
    const known = this.dedup.get(clientId);
    if (known !== undefined && seq === known.seq && known.reply !== null) {
      return { ok: true, position: known.reply.position, ts: known.reply.ts };
    }
    if (known !== undefined && seq <= known.seq) {
      return { ok: false, code: 'forbidden', message: `Already applied: seq ${seq} is below ${known.seq}.` };
    }
    const list = this.history(room);
    const message: ChatMessage = {
      room,
      position: list.length + 1,
      author: user,
      text,
      ts: ++this.clock,
      reactions: [],
    };
    list.push(message);
    this.dedup.set(clientId, { seq, reply: { position: message.position, ts: message.ts, room } });
    for (const server of this.servers) server.broadcastMessage(message);
    return { ok: true, position: message.position, ts: message.ts };
  }

  /** Append messages from another client directly (no dedup), broadcasting them. */
  inject(room: string, texts: readonly string[], author = 'other'): ChatMessage[] {
    const out: ChatMessage[] = [];
    for (const text of texts) {
      const list = this.history(room);
      const message: ChatMessage = {
        room,
        position: list.length + 1,
        author,
        text,
        ts: ++this.clock,
        reactions: [],
      };
      list.push(message);
      out.push(message);
      for (const server of this.servers) server.broadcastMessage(message);
    }
    return out;
  }
}

export interface Behavior {
  /** Answer pings. */
  pong: boolean;
  /** Commit sends but never acknowledge them (the ack is "lost"). */
  silentSends: boolean;
  /** Ignore sends entirely (no commit, no answer). */
  ignoreSends: boolean;
  /** Errors to answer the next sends with, without committing them. */
  sendErrors: ErrorCode[];
  /** Live message positions not to broadcast (per room), to create gaps. */
  dropLive: Map<string, Set<number>>;
  /** Most messages per resume_result. */
  resumePage: number;
  /** Never answer hello. */
  mute: boolean;
  /** Refuse joins with this error. */
  joinError: ErrorCode | null;
  /** Frame types to drop silently (after hello). */
  ignoreTypes: Set<string>;
}

interface Conn {
  readonly socket: WebSocket;
  hello: boolean;
  user: string | null;
  readonly joined: Set<string>;
}

export class FakeServer {
  readonly id: number;
  readonly state: FakeState;
  readonly behavior: Behavior = {
    pong: true,
    silentSends: false,
    ignoreSends: false,
    sendErrors: [],
    dropLive: new Map(),
    resumePage: 200,
    mute: false,
    joinError: null,
    ignoreTypes: new Set(),
  };
  /** Every valid frame received, in order. */
  readonly received: ClientToServer[] = [];
  /** Connections accepted so far. */
  connections = 0;
  readonly #conns = new Set<Conn>();
  #wss: WebSocketServer | null = null;
  #port = 0;

  private constructor(id: number, state: FakeState) {
    this.id = id;
    this.state = state;
  }

  static async start(state: FakeState, id: number, port = 0): Promise<FakeServer> {
    const server = new FakeServer(id, state);
    await server.listen(port);
    state.servers.push(server);
    return server;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.#port}/ws`;
  }

  get alive(): boolean {
    return this.#wss !== null;
  }

  get openConnections(): number {
    return this.#conns.size;
  }

  async listen(port = this.#port): Promise<void> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      wss.once('listening', resolve);
      wss.once('error', reject);
    });
    this.#port = (wss.address() as AddressInfo).port;
    this.#wss = wss;
    wss.on('connection', (socket) => this.#accept(socket));
  }

  /** Crash: drop every connection at once and stop listening. */
  async kill(): Promise<void> {
    const wss = this.#wss;
    this.#wss = null;
    for (const conn of this.#conns) conn.socket.terminate();
    this.#conns.clear();
    if (wss !== null) await new Promise<void>((resolve) => wss.close(() => resolve()));
  }

  /** Close every client connection (the server stays up). */
  dropConnections(): void {
    for (const conn of this.#conns) conn.socket.terminate();
    this.#conns.clear();
  }

  /** Send raw text to every connection (for invalid-frame tests). */
  sendRaw(text: string): void {
    for (const conn of this.#conns) conn.socket.send(text);
  }

  /** Send a frame to every connection. */
  sendAll(frame: ServerToClient): void {
    for (const conn of this.#conns) conn.socket.send(JSON.stringify(frame));
  }

  broadcastMessage(message: ChatMessage): void {
    if (this.behavior.dropLive.get(message.room)?.has(message.position)) return;
    for (const conn of this.#conns) {
      if (conn.joined.has(message.room)) this.#send(conn, { type: 'message', message });
    }
  }

  framesOfType<T extends ClientToServer['type']>(type: T): Extract<ClientToServer, { type: T }>[] {
    return this.received.filter((f): f is Extract<ClientToServer, { type: T }> => f.type === type);
  }

  #accept(socket: WebSocket): void {
    this.connections += 1;
    const conn: Conn = { socket, hello: false, user: null, joined: new Set() };
    this.#conns.add(conn);
    socket.on('close', () => this.#conns.delete(conn));
    socket.on('error', () => {});
    socket.on('message', (data, isBinary) => {
      const decoded = clientToServer.decode(isBinary ? (data as Buffer) : data.toString());
      if (!decoded.ok) {
        this.#send(conn, {
          type: 'error',
          code: decoded.error.code,
          message: decoded.error.message,
          retryable: false,
        });
        return;
      }
      this.received.push(decoded.value);
      this.#handle(conn, decoded.value);
    });
  }

  #send(conn: Conn, frame: ServerToClient): void {
    if (conn.socket.readyState === conn.socket.OPEN) conn.socket.send(JSON.stringify(frame));
  }

  #error(conn: Conn, rid: number | undefined, code: ErrorCode, message?: string): void {
    const frame: ServerToClient = {
      type: 'error',
      code,
      message: message ?? ERROR_CODES[code].text,
      retryable: ERROR_CODES[code].retryable,
    };
    if (rid !== undefined) frame.rid = rid;
    this.#send(conn, frame);
  }

  #authOk(conn: Conn, rid: number, user: string): void {
    const token = randomBytes(32).toString('base64url');
    this.state.tokens.set(token, user);
    conn.user = user;
    this.#send(conn, {
      type: 'auth_ok',
      rid,
      user,
      displayName: this.state.users.get(user)?.displayName ?? user,
      token,
      expiresAt: this.state.clock + 86_400_000,
    });
  }

  #handle(conn: Conn, frame: ClientToServer): void {
    const s = this.state;
    if (!conn.hello) {
      if (frame.type !== 'hello') return this.#error(conn, undefined, 'hello_required');
      if (this.behavior.mute) return;
      conn.hello = true;
      this.#send(conn, {
        type: 'welcome',
        version: PROTOCOL_VERSION,
        serverId: this.id,
        leaderId: 1,
        limits: {
          maxFrameBytes: 65536,
          maxTextLength: 4000,
          maxHistoryPage: 200,
          maxRoomsPerConnection: 64,
          sendsPerSecond: 100,
        },
      });
      return;
    }
    if (this.behavior.ignoreTypes.has(frame.type)) return;
    switch (frame.type) {
      case 'hello':
        return;
      case 'register':
        if (s.users.has(frame.user)) return this.#error(conn, frame.rid, 'user_exists');
        s.users.set(frame.user, { password: frame.password, displayName: frame.user });
        return this.#authOk(conn, frame.rid, frame.user);
      case 'login': {
        const user = s.users.get(frame.user);
        if (user === undefined || user.password !== frame.password)
          return this.#error(conn, frame.rid, 'auth_failed');
        return this.#authOk(conn, frame.rid, frame.user);
      }
      case 'resume_session': {
        const user = s.tokens.get(frame.token);
        if (user === undefined) return this.#error(conn, frame.rid, 'session_invalid');
        return this.#authOk(conn, frame.rid, user);
      }
      case 'logout':
        conn.user = null;
        return this.#send(conn, { type: 'ok', rid: frame.rid });
      case 'ping':
        if (this.behavior.pong) this.#send(conn, { type: 'pong', rid: frame.rid });
        return;
      case 'cluster_info':
        return this.#send(conn, {
          type: 'cluster',
          rid: frame.rid,
          serverId: this.id,
          leaderId: 1,
          replicas: [],
        });
      case 'typing':
        return;
    }
    if (conn.user === null) return this.#error(conn, frame.rid, 'not_authenticated');
    const user = conn.user;
    switch (frame.type) {
      case 'join': {
        if (this.behavior.joinError !== null) return this.#error(conn, frame.rid, this.behavior.joinError);
        conn.joined.add(frame.room);
        let members = s.members.get(frame.room);
        if (members === undefined) {
          members = new Set();
          s.members.set(frame.room, members);
        }
        members.add(user);
        return this.#send(conn, {
          type: 'joined',
          rid: frame.rid,
          room: frame.room,
          head: s.history(frame.room).length,
          members: [...members],
        });
      }
      case 'leave':
        conn.joined.delete(frame.room);
        s.members.get(frame.room)?.delete(user);
        return this.#send(conn, { type: 'ok', rid: frame.rid });
      case 'send': {
        if (!conn.joined.has(frame.room)) return this.#error(conn, frame.rid, 'not_member');
        if (this.behavior.ignoreSends) return;
        const injected = this.behavior.sendErrors.shift();
        if (injected !== undefined) return this.#error(conn, frame.rid, injected);
        const result = s.post(user, frame.room, frame.clientId, frame.seq, frame.text);
        if (!result.ok) return this.#error(conn, frame.rid, result.code, result.message);
        if (this.behavior.silentSends) return;
        return this.#send(conn, {
          type: 'ack',
          rid: frame.rid,
          room: frame.room,
          clientId: frame.clientId,
          seq: frame.seq,
          position: result.position,
          ts: result.ts,
        });
      }
      case 'react': {
        const list = s.history(frame.room);
        if (frame.position > list.length) return this.#error(conn, frame.rid, 'unknown_message');
        s.dedup.set(frame.clientId, { seq: frame.seq, reply: null });
        return this.#send(conn, { type: 'ok', rid: frame.rid });
      }
      case 'history': {
        const list = s.history(frame.room);
        const end = frame.before === undefined ? list.length : Math.min(list.length, frame.before - 1);
        const start = Math.max(0, end - frame.limit);
        return this.#send(conn, {
          type: 'history_page',
          rid: frame.rid,
          room: frame.room,
          messages: list.slice(start, end),
          hasMore: start > 0,
          head: list.length,
        });
      }
      case 'resume': {
        const list = s.history(frame.room);
        const compacted = s.compactedBelow.get(frame.room) ?? 0;
        if (frame.after < compacted) {
          return this.#send(conn, {
            type: 'resume_result',
            rid: frame.rid,
            room: frame.room,
            recovered: false,
            messages: [],
            complete: false,
            head: list.length,
          });
        }
        const messages = list.slice(frame.after, frame.after + this.behavior.resumePage);
        return this.#send(conn, {
          type: 'resume_result',
          rid: frame.rid,
          room: frame.room,
          recovered: true,
          messages,
          complete: frame.after + messages.length >= list.length,
          head: list.length,
        });
      }
      case 'set_display_name': {
        const entry = s.users.get(user);
        if (entry !== undefined) entry.displayName = frame.displayName;
        return this.#send(conn, { type: 'ok', rid: frame.rid });
      }
      case 'rooms':
        return this.#send(conn, {
          type: 'room_list',
          rid: frame.rid,
          rooms: [...s.rooms.keys()].map((room) => ({
            room,
            members: s.members.get(room)?.size ?? 0,
            head: s.history(room).length,
          })),
        });
      case 'who':
        return this.#send(conn, {
          type: 'who_result',
          rid: frame.rid,
          room: frame.room,
          members: [...(s.members.get(frame.room) ?? [])].map((u) => ({
            user: u,
            displayName: s.users.get(u)?.displayName ?? u,
            online: true,
          })),
        });
    }
  }
}

/** `GET /assign?exclude=...` over the fake servers. */
export class FakeBalancer {
  readonly state: FakeState;
  readonly requests: string[] = [];
  /** Answer 503 to everything. */
  down = false;
  #http: Server | null = null;
  #port = 0;

  private constructor(state: FakeState) {
    this.state = state;
  }

  static async start(state: FakeState): Promise<FakeBalancer> {
    const balancer = new FakeBalancer(state);
    const http = createServer((req, res) => balancer.#handle(req.url ?? '/', res));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    balancer.#http = http;
    balancer.#port = (http.address() as AddressInfo).port;
    return balancer;
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  #handle(path: string, res: import('node:http').ServerResponse): void {
    this.requests.push(path);
    const url = new URL(path, 'http://x');
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname !== '/assign') return json(404, { code: 'not_found', message: 'no' });
    const exclude = new Set((url.searchParams.get('exclude') ?? '').split(',').filter(Boolean).map(Number));
    const healthy = this.state.servers.filter((s) => s.alive);
    const pick = healthy.find((s) => !exclude.has(s.id));
    if (this.down || pick === undefined)
      return json(503, { code: 'no_servers', message: 'no healthy server' });
    json(200, { serverId: pick.id, url: pick.url, servers: healthy.map((s) => ({ id: s.id, url: s.url })) });
  }

  async close(): Promise<void> {
    const http = this.#http;
    this.#http = null;
    if (http !== null) {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
  }
}

/** Wait until `condition()` holds, polling, or fail after `timeoutMs`. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
