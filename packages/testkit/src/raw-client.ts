import { createConnection, type NetConnectOpts } from 'node:net';
import {
  type ChatMessage,
  type ClientToServer,
  PROTOCOL_VERSION,
  type ServerToClient,
  type ServerToClientOf,
  serverToClient,
} from '@quorum/protocol';
import WebSocket from 'ws';
import { waitFor } from './wait.js';

type Reply = Exclude<
  ServerToClient,
  { type: 'message' | 'presence' | 'typing' | 'membership' | 'reaction' | 'display_name' }
>;
type Request = Extract<ClientToServer, { rid: number }>;
type WithoutRid<T> = T extends unknown ? Omit<T, 'rid'> : never;

export class RequestFailed extends Error {
  constructor(readonly reply: ServerToClientOf<'error'>) {
    super(`${reply.code}: ${reply.message}`);
  }
}

/**
 * A deliberately plain protocol client for server tests: it speaks the wire protocol from
 * docs/protocol.md directly (no reconnects, no outbox), so a test sees exactly what a server does.
 */
export class RawClient {
  readonly events: ServerToClient[] = [];
  readonly invalidFrames: string[] = [];
  private nextRid = 1;
  private readonly waiting = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  closedWith: { code: number; reason: string } | null = null;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      const decoded = serverToClient.decode(data.toString('utf8'));
      if (!decoded.ok) {
        this.invalidFrames.push(decoded.error.message);
        return;
      }
      const frame = decoded.value;
      const rid = 'rid' in frame ? frame.rid : undefined;
      const waiter = rid === undefined ? undefined : this.waiting.get(rid);
      if (waiter && rid !== undefined) {
        this.waiting.delete(rid);
        if (frame.type === 'error') waiter.reject(new RequestFailed(frame));
        else waiter.resolve(frame as Reply);
        return;
      }
      this.events.push(frame);
    });
    socket.on('close', (code, reason) => {
      this.closedWith = { code, reason: reason.toString() };
      for (const waiter of this.waiting.values()) waiter.reject(new Error(`socket closed (${code})`));
      this.waiting.clear();
    });
  }

  /** Opens a socket and completes `hello` -> `welcome`. */
  static async connect(
    url: string,
    options: {
      origin?: string;
      /** Sees every chunk the TCP socket reads, before WebSocket framing: to check how a server writes. */
      onChunk?: (chunk: Buffer) => void;
    } = {},
  ): Promise<RawClient> {
    const onChunk = options.onChunk;
    const socket = new WebSocket(url, {
      ...(options.origin && { origin: options.origin }),
      ...(onChunk && {
        createConnection: ((opts: NetConnectOpts) => {
          const tcp = createConnection(opts);
          tcp.on('data', onChunk);
          return tcp;
        }) as typeof createConnection,
      }),
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    const client = new RawClient(socket);
    client.sendRaw({ type: 'hello', version: PROTOCOL_VERSION });
    await client.waitForEvent('welcome');
    return client;
  }

  sendRaw(frame: ClientToServer | Record<string, unknown>): void {
    this.socket.send(JSON.stringify(frame));
  }

  request<T extends Reply['type']>(
    frame: WithoutRid<Request>,
    timeoutMs = 10_000,
  ): Promise<Extract<Reply, { type: T }>> {
    const rid = this.nextRid++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(rid);
        reject(new Error(`no reply to ${frame.type} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(rid, {
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(reply as Extract<Reply, { type: T }>);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.sendRaw({ ...frame, rid } as ClientToServer);
    });
  }

  async register(user: string, password = 'correct horse battery'): Promise<ServerToClientOf<'auth_ok'>> {
    return this.request<'auth_ok'>({ type: 'register', user, password });
  }

  async login(user: string, password = 'correct horse battery'): Promise<ServerToClientOf<'auth_ok'>> {
    return this.request<'auth_ok'>({ type: 'login', user, password });
  }

  async join(room: string): Promise<ServerToClientOf<'joined'>> {
    return this.request<'joined'>({ type: 'join', room });
  }

  async send(room: string, text: string, clientId: string, seq: number): Promise<ServerToClientOf<'ack'>> {
    return this.request<'ack'>({ type: 'send', room, text, clientId, seq });
  }

  /** Every message of `room`, oldest first, reading history pages back to the start. */
  async fullHistory(room: string): Promise<ChatMessage[]> {
    const all: ChatMessage[] = [];
    let before: number | undefined;
    for (;;) {
      const page = await this.request<'history_page'>({
        type: 'history',
        room,
        limit: 200,
        ...(before !== undefined && { before }),
      });
      all.unshift(...page.messages);
      const first = page.messages[0];
      if (!page.hasMore || !first) return all;
      before = first.position;
    }
  }

  messages(room: string): ChatMessage[] {
    return this.events.flatMap((e) => (e.type === 'message' && e.message.room === room ? [e.message] : []));
  }

  async waitForEvent<T extends ServerToClient['type']>(
    type: T,
    predicate: (e: Extract<ServerToClient, { type: T }>) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<Extract<ServerToClient, { type: T }>> {
    return waitFor(
      `a ${type} event`,
      () =>
        this.events.find(
          (e): e is Extract<ServerToClient, { type: T }> =>
            e.type === type && predicate(e as Extract<ServerToClient, { type: T }>),
        ),
      { timeoutMs },
    );
  }

  close(): void {
    this.socket.terminate();
  }
}
