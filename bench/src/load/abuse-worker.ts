/**
 * A process of the abuse benchmark (forked by benchmarks/abuse.ts), in one of two roles:
 *
 * - the **bystander**: one real `QuorumClient` that sends into a room at a steady pace and times
 *   every send -> ack, counting the events the room brings it (typing, display names, presence);
 * - the **attacker**: one user on many raw WebSockets (no client library: nothing slows the flood
 *   down), each pipelining sends, room-creating joins and display-name changes, with typing
 *   frames in between, and ignoring every `rate_limited`.
 *
 * Each role runs in its own process, so the attacker's event loop never delays the bystander's
 * timers or its reading of acks (on this machine they still share the CPUs with the servers).
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { QuorumClient } from '@quorum/client/node';
import { PROTOCOL_VERSION } from '@quorum/protocol';
import WebSocket from 'ws';
import { Histogram } from '../histogram.js';
import type {
  AbuseCommand,
  AbuseReply,
  FloodKind,
  FloodResult,
  KindCounts,
  PhaseResult,
} from './abuse-messages.js';
import { addressedFactory } from './clients.js';

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves when `promise` does or after `ms`, whichever is first. */
async function bounded(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

function bump(counts: Record<string, number>, key: string, by = 1): void {
  counts[key] = (counts[key] ?? 0) + by;
}

// ---- bystander ----------------------------------------------------------------------------------

interface Bystander {
  readonly client: QuorumClient;
  readonly room: string;
  /** The second bystander: a raw socket whose every send is timed on its own (pipelined). */
  readonly raw: RawConnection;
  readonly rawServer: number | null;
}

let bystander: Bystander | null = null;
/** Events counted while a phase runs (null between phases). */
let phaseEvents: Record<string, number> | null = null;
let phaseStates: string[] | null = null;

async function bystanderConnect(
  command: Extract<AbuseCommand, { type: 'bystander_connect' }>,
): Promise<AbuseReply> {
  const client = new QuorumClient({
    balancers: [command.balancerUrl],
    token: command.token,
    rooms: [command.room],
    joinHistory: 0,
    clientId: 'bystander-client',
    webSocketFactory: addressedFactory(command.localAddress),
    // Measured, not tolerated: but a slow pong under the flood must not turn into a reconnect.
    pongTimeoutMs: 30_000,
    requestTimeoutMs: 30_000,
  });
  const state = { user: null as string | null };
  client.on('session', (s) => {
    state.user = s.user;
  });
  client.on('message', (e) => {
    // Both bystanders' posts are "own" here: only the attacker's are counted.
    if (
      phaseEvents &&
      e.source === 'live' &&
      e.message.author !== state.user &&
      e.message.author !== command.rawUser
    )
      bump(phaseEvents, 'message');
  });
  for (const type of ['typing', 'display_name', 'presence', 'membership', 'reaction'] as const)
    client.on(type, () => {
      if (phaseEvents) bump(phaseEvents, type);
    });
  client.on('state', (s) => {
    if (phaseStates && s.state !== 'connected')
      phaseStates.push(`${s.state}${s.reason ? `: ${s.reason}` : ''}`);
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('bystander did not connect in time')), command.timeoutMs);
  });
  try {
    await Promise.race([client.connect(), timeout]);
    // The join is done once a send goes through: one round trip before anything is measured.
    const first = await Promise.race([client.send(command.room, 'bystander says hello').settled, timeout]);
    if (first.state !== 'delivered') throw new Error(`bystander's first send ${first.state}`);
    // The raw bystander goes to a server the client is not on (the first other one listed).
    const others = command.servers.filter((s) => s.id !== client.serverId);
    const target = others[0] ?? command.servers[0];
    if (!target) throw new Error('no server for the raw bystander');
    const raw = await Promise.race([
      RawConnection.open(0, target.url, command.rawLocalAddress, command.rawUser, command.room),
      timeout,
    ]);
    await Promise.race([raw.setUp(command.rawToken), timeout]);
    bystander = { client, room: command.room, raw, rawServer: target.id };
  } finally {
    clearTimeout(timer);
  }
  return { id: command.id, ok: true, serverId: client.serverId, rawServerId: bystander.rawServer };
}

/**
 * Calls `issue(due)` for due = start, start + interval, ... until `deadline` (at most `maxCount`
 * times). A late timer issues what is due at once; a slow answer never holds the next one back.
 */
function paced(
  start: number,
  intervalMs: number,
  deadline: number,
  maxCount: number,
  issue: (due: number) => void,
): Promise<void> {
  return new Promise<void>((resolve) => {
    let next = start;
    let count = 0;
    const tick = () => {
      const now = performance.now();
      while (next <= Math.min(now, deadline) && count < maxCount) {
        count++;
        issue(next);
        next += intervalMs;
      }
      if (now >= deadline || count >= maxCount) resolve();
      else setTimeout(tick, Math.max(0, Math.min(next, deadline) - now));
    };
    setTimeout(tick, Math.max(0, start - performance.now()));
  });
}

/** Counts sends in flight and resolves `idle` once none is left after the deadline. */
class Outstanding {
  count = 0;
  private done: () => void = () => {};
  readonly idle = new Promise<void>((resolve) => (this.done = resolve));
  constructor(private readonly deadline: number) {}
  add(): void {
    this.count++;
  }
  settle(now: number): void {
    this.count--;
    if (this.count === 0 && now >= this.deadline) this.done();
  }
}

async function bystanderPhase(
  command: Extract<AbuseCommand, { type: 'bystander_phase' }>,
): Promise<PhaseResult> {
  if (!bystander) throw new Error('bystander not connected');
  const { client, room, raw } = bystander;
  const latency = new Histogram();
  const scheduledLatency = new Histogram();
  const rawLatency = new Histogram();
  const events: Record<string, number> = {};
  const rawErrors: Record<string, number> = {};
  const states: string[] = [];
  const timeline: [number, number][] = [];
  const rawTimeline: [number, number][] = [];
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const cpu0 = process.cpuUsage();
  phaseEvents = events;
  phaseStates = states;
  const maxCount = Math.ceil(command.durationMs / command.intervalMs) + 1;
  const start = performance.now() + 5;
  const deadline = start + command.durationMs;
  const pad = 'x'.repeat(Math.max(1, command.textBytes - 24));
  const counts = { scheduled: 0, acked: 0, failed: 0, rawAcked: 0 };
  const outstanding = new Outstanding(deadline);
  const rawOutstanding = new Outstanding(deadline);
  const sendViaClient = (due: number) => {
    counts.scheduled++;
    const calledAt = performance.now();
    let pending: ReturnType<QuorumClient['send']>;
    try {
      pending = client.send(room, `bystander ${counts.scheduled} ${pad}`);
    } catch {
      counts.failed++;
      return;
    }
    outstanding.add();
    void pending.settled.then((entry) => {
      const now = performance.now();
      if (entry.state === 'delivered') {
        counts.acked++;
        latency.record((now - calledAt) * 1000);
        timeline.push([Math.round(calledAt - start), Math.round((now - calledAt) * 10) / 10]);
        scheduledLatency.record((now - due) * 1000);
      } else counts.failed++;
      outstanding.settle(now);
    });
  };
  const sendRaw = () => {
    const calledAt = performance.now();
    rawOutstanding.add();
    void raw.send(room, `raw bystander ${pad}`).then((reply) => {
      const now = performance.now();
      if (reply.type === 'ack') {
        counts.rawAcked++;
        rawLatency.record((now - calledAt) * 1000);
        rawTimeline.push([Math.round(calledAt - start), Math.round((now - calledAt) * 10) / 10]);
      } else bump(rawErrors, reply.type === 'error' ? (reply.code ?? 'error') : reply.type);
      rawOutstanding.settle(now);
    });
  };
  // Two paced open loops, half an interval apart: the reference client (one send in flight, the
  // rest wait in its outbox) and the raw socket (every send on its own, pipelined).
  await Promise.all([
    paced(start, command.intervalMs, deadline, maxCount, sendViaClient),
    paced(start + command.intervalMs / 2, command.intervalMs, deadline, maxCount, sendRaw),
  ]);
  const windowMs = performance.now() - start;
  await Promise.all([
    outstanding.count > 0 ? bounded(outstanding.idle, command.drainMs) : null,
    rawOutstanding.count > 0 ? bounded(rawOutstanding.idle, command.drainMs) : null,
  ]);
  phaseEvents = null;
  phaseStates = null;
  loop.disable();
  const cpu = process.cpuUsage(cpu0);
  return {
    windowMs,
    scheduled: counts.scheduled,
    acked: counts.acked,
    failed: counts.failed,
    unsettled: outstanding.count,
    latency: latency.toJSON(),
    scheduledLatency: scheduledLatency.toJSON(),
    timeline: timeline.sort((a, b) => a[0] - b[0]),
    raw: {
      acked: counts.rawAcked,
      errors: rawErrors,
      unsettled: rawOutstanding.count,
      latency: rawLatency.toJSON(),
      timeline: rawTimeline.sort((a, b) => a[0] - b[0]),
    },
    events,
    stateChanges: states,
    serverId: client.serverId,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    loopDelayP99Ms: loop.percentile(99) / 1e6,
    loopDelayMaxMs: loop.max / 1e6,
  };
}

// ---- attacker -----------------------------------------------------------------------------------

const MESSAGE_PREFIX = '{"type":"message"';

interface Reply {
  readonly type: string;
  readonly rid?: number;
  readonly code?: string;
  readonly limits?: { sendsPerSecond?: number };
}

interface MutableCounts {
  sent: number;
  accepted: number;
  rateLimited: number;
  errors: Record<string, number>;
  unanswered: number;
}

/** Counters of the current flood (shared by every connection). */
interface FloodState {
  readonly deadline: number;
  readonly window: number;
  readonly maxBufferedBytes: number;
  readonly maxFrames: number;
  readonly mix: Extract<AbuseCommand, { type: 'flood' }>['mix'];
  readonly kinds: Record<FloodKind, MutableCounts>;
  readonly received: Record<string, number>;
  readonly closed: Record<string, number>;
  typingFramesSent: number;
  framesSent: number;
  bytesSent: number;
  outstanding: number;
  onIdle: (() => void) | null;
}

let flood: FloodState | null = null;
/** Frames received outside a flood (setup), by type: only for the record. */
const setupReceived: Record<string, number> = {};

class RawConnection {
  private nextRid = 1;
  private seq = 0;
  private requests = 0;
  private readonly setupWaiters = new Map<number, (reply: Reply) => void>();
  /** Flood requests awaiting an answer: rid -> kind. */
  private readonly inFlight = new Map<number, FloodKind>();
  private welcome: ((reply: Reply) => void) | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  /** Paced floods: when the next request is due (performance.now()); 0 before the first. */
  private nextDue = 0;
  closedWith: number | null = null;

  constructor(
    readonly index: number,
    readonly ws: WebSocket,
    readonly user: string,
    readonly room: string,
  ) {
    ws.on('message', (data: Buffer) => this.onFrame(data));
    ws.on('close', (code) => {
      this.closedWith = code;
      if (flood) bump(flood.closed, String(code));
      this.settleAll();
    });
    ws.on('error', () => {});
  }

  static async open(
    index: number,
    url: string,
    localAddress: string,
    user: string,
    room: string,
  ): Promise<RawConnection> {
    const ws = new WebSocket(url, { localAddress, perMessageDeflate: false, handshakeTimeout: 10_000 });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new RawConnection(index, ws, user, room);
  }

  /** hello -> welcome, resume_session -> auth_ok, join -> joined. Returns the announced send rate. */
  async setUp(token: string): Promise<number | null> {
    const welcome = new Promise<Reply>((resolve) => (this.welcome = resolve));
    this.write({ type: 'hello', version: PROTOCOL_VERSION, client: 'bench-attacker' });
    const w = await welcome;
    await this.request({ type: 'resume_session', token }, 'auth_ok');
    await this.request({ type: 'join', room: this.room }, 'joined');
    return w.limits?.sendsPerSecond ?? null;
  }

  private async request(frame: Record<string, unknown>, expected: string): Promise<Reply> {
    const reply = await this.ask(frame);
    if (reply.type !== expected)
      throw new Error(`${String(frame.type)} answered ${reply.type} ${reply.code ?? ''}`);
    return reply;
  }

  /** One request, answered by its reply (`closed` if the socket closes first). */
  ask(frame: Record<string, unknown>): Promise<Reply> {
    const rid = this.nextRid++;
    if (this.closedWith !== null) return Promise.resolve({ type: 'closed' });
    return new Promise<Reply>((resolve) => {
      this.setupWaiters.set(rid, resolve);
      this.write({ ...frame, rid });
    });
  }

  /**
   * A post timed on its own: 16 client ids in turn, so that even a second of sends in flight
   * leaves each id far fewer than MAX_COMMANDS_IN_FLIGHT (8) unsettled.
   */
  send(room: string, text: string): Promise<Reply> {
    const k = this.requests++;
    return this.ask({
      type: 'send',
      room,
      clientId: `${this.user}-raw${k % 16}`,
      seq: Math.floor(k / 16) + 1,
      text,
    });
  }

  private write(frame: Record<string, unknown>): void {
    const text = JSON.stringify(frame);
    if (flood) {
      flood.framesSent++;
      flood.bytesSent += text.length;
    }
    this.ws.send(text);
  }

  private onFrame(data: Buffer): void {
    const counts = flood?.received ?? setupReceived;
    // The user's own posts come back to every one of its connections in the room: count them
    // without parsing (most of what the attacker receives).
    if (
      data.length > MESSAGE_PREFIX.length &&
      data.toString('latin1', 0, MESSAGE_PREFIX.length) === MESSAGE_PREFIX
    ) {
      bump(counts, 'message');
      return;
    }
    let frame: Reply;
    try {
      frame = JSON.parse(data.toString('utf8')) as Reply;
    } catch {
      bump(counts, 'unparsable');
      return;
    }
    bump(counts, frame.type === 'error' ? `error ${frame.code}` : frame.type);
    if (frame.type === 'welcome' && this.welcome) {
      this.welcome(frame);
      this.welcome = null;
      return;
    }
    if (frame.rid === undefined) return;
    const waiter = this.setupWaiters.get(frame.rid);
    if (waiter) {
      this.setupWaiters.delete(frame.rid);
      waiter(frame);
      return;
    }
    const kind = this.inFlight.get(frame.rid);
    if (kind === undefined || !flood) return;
    this.inFlight.delete(frame.rid);
    flood.outstanding--;
    const counts2 = flood.kinds[kind];
    if (frame.type === 'error') {
      if (frame.code === 'rate_limited') counts2.rateLimited++;
      else bump(counts2.errors, frame.code ?? 'unknown');
    } else counts2.accepted++;
    this.pump();
    if (flood.outstanding === 0 && performance.now() >= flood.deadline) flood.onIdle?.();
  }

  /**
   * Writes until the window is full (an answer pumps again), the socket is backed up, the next
   * paced request is not due yet or the flood is over; yields to the event loop every 64 frames
   * so that answers are read.
   */
  pump(): void {
    const f = flood;
    if (!f || this.closedWith !== null) return;
    const { mix } = f;
    const period = mix.ratePerConnection === null ? 0 : 1000 / mix.ratePerConnection;
    for (let wrote = 0; ; wrote++) {
      const now = performance.now();
      if (now >= f.deadline || f.framesSent >= f.maxFrames) return;
      if (this.ws.bufferedAmount >= f.maxBufferedBytes) return this.later(1);
      if (wrote >= 64) return this.later(0);
      if (mix.requests === 'none') {
        this.typing(wrote);
        continue;
      }
      if (this.inFlight.size >= f.window) return;
      if (period > 0) {
        if (this.nextDue === 0) this.nextDue = now + (period * this.index) / 64; // spread the starts
        if (now < this.nextDue) return this.later(this.nextDue - now);
        this.nextDue = Math.max(this.nextDue + period, now - period);
      }
      this.floodRequest(f);
    }
  }

  private floodRequest(f: FloodState): void {
    const { mix } = f;
    const k = this.requests++;
    const rid = this.nextRid++;
    let kind: FloodKind;
    if (mix.requests === 'display_name') kind = 'set_display_name';
    else if (mix.requests === 'send') kind = 'send';
    else if (k % mix.joinEvery === 0) kind = 'join';
    else if (k % mix.displayNameEvery === Math.floor(mix.displayNameEvery / 2)) kind = 'set_display_name';
    else kind = 'send';
    if (kind === 'join') this.write({ type: 'join', rid, room: `${this.user}-c${this.index}-r${k}` });
    else if (kind === 'set_display_name')
      this.write({ type: 'set_display_name', rid, displayName: `${this.user} ${this.index}.${k}` });
    else {
      this.seq++;
      const text = `flood ${this.index}.${this.seq} `.padEnd(mix.textBytes, 'x');
      this.write({
        type: 'send',
        rid,
        room: this.room,
        clientId: `${this.user}-c${this.index}`,
        seq: this.seq,
        text,
      });
    }
    this.inFlight.set(rid, kind);
    f.kinds[kind].sent++;
    f.outstanding++;
    for (let t = 0; t < mix.typingPerRequest; t++) this.typing(k + t);
  }

  private typing(k: number): void {
    this.write({ type: 'typing', room: this.room, active: k % 2 === 0 });
    if (flood) flood.typingFramesSent++;
  }

  private later(ms: number): void {
    if (this.retryTimer !== null) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.pump();
    }, ms);
  }

  /** Counts what is still unanswered (flood over or socket closed) and forgets it. */
  settleAll(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.nextDue = 0;
    for (const waiter of this.setupWaiters.values()) waiter({ type: 'closed' });
    this.setupWaiters.clear();
    if (flood) {
      for (const kind of this.inFlight.values()) {
        flood.kinds[kind].unanswered++;
        flood.outstanding--;
      }
    }
    this.inFlight.clear();
  }

  close(): void {
    this.settleAll();
    this.ws.terminate();
  }
}

let attackers: RawConnection[] = [];

async function attackerConnect(
  command: Extract<AbuseCommand, { type: 'attacker_connect' }>,
): Promise<AbuseReply> {
  const rates: number[] = [];
  let failed = 0;
  let next = 0;
  const deadline = performance.now() + command.timeoutMs;
  const worker = async () => {
    while (next < command.connections && performance.now() < deadline) {
      const i = next++;
      const url = command.servers[i % command.servers.length]!;
      try {
        const c = await RawConnection.open(i, url, command.localAddress, command.user, command.room);
        attackers.push(c);
        const rate = await Promise.race([
          c.setUp(command.token),
          sleep(Math.max(1, deadline - performance.now())).then(() => {
            throw new Error('timeout');
          }),
        ]);
        if (rate !== null && !rates.includes(rate)) rates.push(rate);
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  failed += command.connections - next; // never tried: out of time
  return { id: command.id, ok: true, connectFailed: failed, sendsPerSecond: rates };
}

function emptyCounts(): MutableCounts {
  return { sent: 0, accepted: 0, rateLimited: 0, errors: {}, unanswered: 0 };
}

async function runFlood(command: Extract<AbuseCommand, { type: 'flood' }>): Promise<FloodResult> {
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const state: FloodState = {
    deadline: start + command.durationMs,
    window: command.window,
    maxBufferedBytes: command.maxBufferedBytes,
    maxFrames: command.maxFrames,
    mix: command.mix,
    kinds: { send: emptyCounts(), join: emptyCounts(), set_display_name: emptyCounts() },
    received: {},
    closed: {},
    typingFramesSent: 0,
    framesSent: 0,
    bytesSent: 0,
    outstanding: 0,
    onIdle: null,
  };
  flood = state;
  const live = attackers.filter((c) => c.closedWith === null);
  for (const c of live) c.pump();
  await sleep(command.durationMs);
  const windowMs = performance.now() - start;
  if (state.outstanding > 0)
    await bounded(new Promise<void>((resolve) => (state.onIdle = resolve)), command.drainMs);
  for (const c of live) c.settleAll(); // whatever is still unanswered is counted as such
  flood = null;
  loop.disable();
  const cpu = process.cpuUsage(cpu0);
  const kinds = state.kinds as Record<FloodKind, KindCounts>;
  return {
    windowMs,
    connections: live.length,
    kinds,
    typingFramesSent: state.typingFramesSent,
    framesSent: state.framesSent,
    bytesSent: state.bytesSent,
    received: state.received,
    closed: state.closed,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    loopDelayP99Ms: loop.percentile(99) / 1e6,
  };
}

// ---- commands -------------------------------------------------------------------------------------

async function handle(command: AbuseCommand): Promise<AbuseReply> {
  switch (command.type) {
    case 'bystander_connect':
      return bystanderConnect(command);
    case 'bystander_phase':
      return { id: command.id, ok: true, phase: await bystanderPhase(command) };
    case 'attacker_connect':
      return attackerConnect(command);
    case 'flood':
      return { id: command.id, ok: true, flood: await runFlood(command) };
    case 'exit':
      bystander?.client.close();
      for (const c of attackers) c.close();
      attackers = [];
      setTimeout(() => process.exit(0), 50);
      return { id: command.id, ok: true };
  }
}

process.on('message', (command: AbuseCommand) => {
  handle(command).then(
    (reply) => process.send?.(reply),
    (error: unknown) =>
      process.send?.({
        id: command.id,
        ok: false,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      } satisfies AbuseReply),
  );
});
process.on('disconnect', () => process.exit(0));
