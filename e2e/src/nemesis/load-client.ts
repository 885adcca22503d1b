/**
 * A nemesis load client: a child process (forked by the runner, IPC channel) running one
 * QuorumClient from `@quorum/client/node`. It sends unique messages ("nemesis <clientId> #<seq>")
 * to its rooms at a steady rate, reads room histories through the client and `resume`s rooms
 * directly on every server, and records everything (records.ts). On `stop-sending` it stops and
 * drains its outbox; on `finish` it waits until it has received every room up to the given
 * heads, writes its record file and exits.
 *
 * Parent -> child: go | stop-sending {drainMs} | finish {heads, timeoutMs}
 * Child -> parent: ready | progress {attempted, acked, received} | idle {pending} | done | fatal {message}
 */
import { writeFileSync } from 'node:fs';
import {
  ClientError,
  Connection,
  nodeWebSocketFactory,
  QuorumClient,
  systemTimers,
} from '@quorum/client/node';
import type { ChatMessage, ServerToClient } from '@quorum/protocol';
import { Prng } from './prng.js';
import type {
  ClientRecord,
  HistoryResetRecord,
  MessageRef,
  ReadRecord,
  Received,
  SendAck,
  SendAttempt,
  SendFailure,
} from './records.js';
import { nemesisText, refOf } from './records.js';

export interface LoadClientConfig {
  readonly index: number;
  readonly clientId: string;
  readonly user: string;
  readonly password: string;
  readonly balancerUrl: string;
  /** Every server: `url` is its ws:// client endpoint. */
  readonly servers: readonly { readonly id: number; readonly url: string }[];
  readonly rooms: readonly string[];
  readonly ratePerSecond: number;
  readonly seed: number;
  readonly outFile: string;
  /** Most sends pending in the outbox; beyond it a tick is skipped (the rate is a ceiling). */
  readonly maxPending: number;
  /** Mean interval of `history` reads through the client, ms (0: none). */
  readonly historyReadMs: number;
  /** Interval of direct `resume` reads, per server, ms (0: none). */
  readonly directReadMs: number;
}

type ParentMessage =
  | { type: 'go' }
  | { type: 'stop-sending'; drainMs: number }
  | { type: 'finish'; heads: Record<string, number>; timeoutMs: number };

const DIRECT_CONNECT_MS = 2_000;
/** Longer than the server's read barrier timeout, so a cut-off server answers `unavailable`. */
const DIRECT_REQUEST_MS = 7_000;

const ref = (m: ChatMessage): MessageRef => refOf(m);

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

function send(message: unknown): void {
  if (process.send && process.connected) process.send(message);
}

async function main(): Promise<void> {
  const raw = process.argv[2];
  if (raw === undefined) throw new Error('usage: load-client.js <config json>');
  const config = JSON.parse(raw) as LoadClientConfig;
  const prng = new Prng(config.seed * 7919 + config.index);

  const attempts: SendAttempt[] = [];
  const acks: SendAck[] = [];
  const failures: SendFailure[] = [];
  const received: Received[] = [];
  const reads: ReadRecord[] = [];
  const resets: HistoryResetRecord[] = [];
  const anchors: Record<string, number> = {};
  const errors: Record<string, number> = {};
  const heads = new Map<string, number>();
  let connections = 0;
  let sending = false;
  let reading = false;

  const client = new QuorumClient({
    balancers: [config.balancerUrl],
    servers: config.servers,
    credentials: { user: config.user, password: config.password },
    register: true,
    rooms: config.rooms,
    clientId: config.clientId,
    webSocketFactory: nodeWebSocketFactory,
    clientName: `nemesis-${config.index}`,
    joinHistory: 0,
    // Notice a stopped (SIGSTOP) server within a few seconds, as a chat app would.
    pingIntervalMs: 1_000,
    pongTimeoutMs: 2_000,
    requestTimeoutMs: 5_000,
    maxOutbox: config.maxPending + 10,
  });
  const sessions: { t: number; serverId: number | null }[] = [];
  client.on('state', (s) => {
    if (s.state === 'connected') connections += 1;
    const serverId = s.state === 'connected' ? s.serverId : null;
    if (sessions.at(-1)?.serverId !== serverId) sessions.push({ t: Date.now(), serverId });
  });
  client.on('joined', (j) => {
    if (anchors[j.room] === undefined) anchors[j.room] = j.head;
    heads.set(j.room, Math.max(heads.get(j.room) ?? 0, j.head));
  });
  client.on('message', ({ room, message, source }) => {
    received.push({ ...ref(message), room, t: Date.now(), source });
    heads.set(room, Math.max(heads.get(room) ?? 0, message.position));
  });
  client.on('history_reset', (r) => {
    resets.push({ room: r.room, t: Date.now(), lastSeen: r.lastSeen, missed: r.missed });
  });
  client.on('error', (e) => {
    errors[e.code] = (errors[e.code] ?? 0) + 1;
    if (e.fatal) send({ type: 'fatal', message: `${e.code}: ${e.message}` });
  });

  // ---- sending ----------------------------------------------------------------------------------
  const sendOne = () => {
    if (!sending) return;
    if (client.pending().length >= config.maxPending) return;
    const room = prng.pick(config.rooms);
    const seq = client.nextSeq;
    const text = nemesisText(config.clientId, seq);
    let pending: ReturnType<QuorumClient['send']>;
    try {
      pending = client.send(room, text);
    } catch (error) {
      errors[`send:${error instanceof ClientError ? error.code : 'throw'}`] =
        (errors[`send:${error instanceof ClientError ? error.code : 'throw'}`] ?? 0) + 1;
      return;
    }
    if (pending.seq !== seq) throw new Error(`seq ${pending.seq} != nextSeq ${seq}`);
    attempts.push({ seq, room, text, t: Date.now() });
    void pending.settled.then((entry) => {
      const t = Date.now();
      if (entry.state === 'delivered' && entry.position !== undefined) {
        acks.push({ seq, room, position: entry.position, t });
      } else if (entry.state === 'failed') {
        failures.push({ seq, room, code: entry.error?.code ?? 'unknown', t });
      }
    });
  };
  let sendTimer: ReturnType<typeof setInterval> | null = null;

  // ---- reads through the client ---------------------------------------------------------------------
  const historyLoop = async () => {
    while (reading && config.historyReadMs > 0) {
      await sleep(prng.between(0.5, 1.5) * config.historyReadMs);
      if (!reading) return;
      const room = prng.pick(config.rooms);
      const read = {
        kind: 'history',
        via: 'client',
        serverId: client.serverId,
        room,
        start: Date.now(),
      } as const;
      try {
        const page = await client.history(room, { limit: 20 });
        reads.push({ ...read, end: Date.now(), ok: true, head: page.head, messages: page.messages.map(ref) });
      } catch (error) {
        reads.push({ ...read, end: Date.now(), ok: false, error: messageOf(error) });
      }
    }
  };

  // ---- direct reads: one connection and one loop per server -----------------------------------------
  const directLoop = async (server: { id: number; url: string }) => {
    let conn: Connection | null = null;
    const open = async (): Promise<Connection> => {
      const c = new Connection(
        {
          url: server.url,
          factory: nodeWebSocketFactory,
          timers: systemTimers,
          connectTimeoutMs: DIRECT_CONNECT_MS,
          requestTimeoutMs: DIRECT_REQUEST_MS,
          pingIntervalMs: 0,
          pongTimeoutMs: 0,
          clientName: `nemesis-${config.index}-direct`,
        },
        { onFrame: () => {}, onInvalidFrame: () => {}, onClose: () => {} },
      );
      try {
        await c.open();
        const token = client.token;
        if (token === null) throw new Error('no session token yet');
        const reply = await c.request({ type: 'resume_session', token }, DIRECT_REQUEST_MS);
        if (reply.type !== 'auth_ok') throw new Error(`resume_session answered ${reply.type}`);
      } catch (error) {
        c.close();
        throw error;
      }
      return c;
    };
    await sleep(prng.between(0, config.directReadMs));
    while (reading) {
      const room = prng.pick(config.rooms);
      const after = Math.max(0, (heads.get(room) ?? 0) - 10);
      const read = { kind: 'resume', via: 'direct', serverId: server.id, room, start: Date.now() } as const;
      try {
        if (conn === null || conn.closed) conn = await open();
        const reply: ServerToClient = await conn.request({ type: 'resume', room, after }, DIRECT_REQUEST_MS);
        if (reply.type !== 'resume_result') throw new Error(`resume answered ${reply.type}`);
        reads.push({
          ...read,
          end: Date.now(),
          ok: true,
          head: reply.head,
          messages: reply.messages.map(ref),
        });
      } catch (error) {
        const code = error instanceof ClientError ? error.code : 'error';
        reads.push({ ...read, end: Date.now(), ok: false, error: `${code}: ${messageOf(error)}` });
        // A silent server (paused, cut off): start over with a new connection next time.
        if (code === 'request_timeout' || code === 'disconnected') {
          conn?.close();
          conn = null;
        }
        await sleep(config.directReadMs);
      }
      await sleep(prng.between(0.5, 1.5) * config.directReadMs);
    }
    conn?.close();
  };

  const readLoops: Promise<void>[] = [];

  // ---- lifecycle ------------------------------------------------------------------------------------
  const record = (): ClientRecord => ({
    index: config.index,
    clientId: config.clientId,
    user: config.user,
    rooms: config.rooms,
    anchors,
    attempts,
    acks,
    failures,
    received,
    reads,
    resets,
    pendingAtEnd: client.pending().length,
    errors,
    connections,
    sessions,
  });
  let finished = false;
  const finish = (code: number) => {
    if (finished) return;
    finished = true;
    sending = false;
    reading = false;
    if (sendTimer !== null) clearInterval(sendTimer);
    const out = record();
    client.close();
    writeFileSync(config.outFile, JSON.stringify(out));
    send({ type: 'done' });
    // Let the IPC message go out before leaving.
    setTimeout(() => process.exit(code), 50);
  };

  process.on('disconnect', () => finish(1)); // the runner went away
  process.on('SIGTERM', () => finish(1));
  process.on('message', (message: ParentMessage) => {
    void (async () => {
      if (message.type === 'go') {
        sending = true;
        reading = true;
        const interval = 1000 / config.ratePerSecond;
        await sleep(prng.between(0, interval));
        if (!sending) return;
        sendTimer = setInterval(sendOne, interval);
        readLoops.push(historyLoop());
        if (config.directReadMs > 0) for (const server of config.servers) readLoops.push(directLoop(server));
      } else if (message.type === 'stop-sending') {
        sending = false;
        reading = false;
        if (sendTimer !== null) clearInterval(sendTimer);
        sendTimer = null;
        const deadline = Date.now() + message.drainMs;
        while (client.pending().length > 0 && Date.now() < deadline) await sleep(50);
        await Promise.race([Promise.all(readLoops), sleep(Math.max(0, deadline - Date.now()))]);
        send({ type: 'idle', pending: client.pending().length });
      } else if (message.type === 'finish') {
        const deadline = Date.now() + message.timeoutMs;
        const caughtUp = () => {
          const positions = client.positions();
          return Object.entries(message.heads).every(([room, head]) => (positions[room] ?? 0) >= head);
        };
        while (!caughtUp() && Date.now() < deadline) await sleep(50);
        finish(0);
      }
    })().catch((error: unknown) => {
      send({ type: 'fatal', message: messageOf(error) });
      finish(1);
    });
  });

  await client.connect();
  send({ type: 'ready', clientId: client.clientId });
  const progress = setInterval(
    () =>
      send({ type: 'progress', attempted: attempts.length, acked: acks.length, received: received.length }),
    5_000,
  );
  progress.unref();
}

main().catch((error: unknown) => {
  send({ type: 'fatal', message: messageOf(error) });
  process.exit(1);
});
