import {
  type GossipMessage,
  gossipMessages,
  MAX_PEER_FRAME_BYTES,
  PEER_AUTH_HEADERS,
  type PeerMessage,
  peerMessages,
} from '@quorum/protocol';
import WebSocket from 'ws';
import { decideFault, type FaultPlan, NO_FAULTS } from './faults.js';
import { CLUSTER_ID_HEADER, signPeerAuth } from './peer-auth.js';

/** Past this many bytes queued on a link, new messages are dropped: Paxos retransmits what matters. */
const MAX_LINK_BUFFER_BYTES = 16 * 1024 * 1024;
/** Most messages held back by an injected delay at once; beyond it they are dropped. */
const MAX_DELAYED_MESSAGES = 20_000;
/** A batched frame is cut before it grows past this many characters (well under the frame limit). */
const MAX_BATCH_FRAME_CHARS = 4 * 1024 * 1024;
/** Most messages one batched frame may carry. */
const MAX_MESSAGES_PER_FRAME = 10_000;
const PING_EVERY_MS = 1000;
const BACKOFF_MIN_MS = 50;
const BACKOFF_MAX_MS = 2000;

export interface PeerLinksOptions {
  readonly self: number;
  /** Peer id -> base URL of its peer endpoint, e.g. ws://127.0.0.1:7002/peer */
  readonly peers: ReadonlyMap<number, string>;
  readonly secret: string;
  /** The cluster id to present when dialling ('' while this server knows none: see ClusterIdentity). */
  readonly clusterId: () => string;
  readonly onMessage: (message: PeerMessage) => void;
  readonly onGossip: (message: GossipMessage) => void;
  readonly onLinkChange?: () => void;
  readonly log: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
}

interface Outbound {
  socket: WebSocket | null;
  backoffMs: number;
  timer: NodeJS.Timeout | null;
  alive: boolean;
  /** The last refusal logged (status and reason), until the link opens again. */
  refusedWith: string | null;
}

/**
 * Peer WebSockets. Each server dials every peer and sends only on its own outbound link; it
 * receives on the links peers dialled in. Links reconnect with capped exponential backoff and
 * jitter, and a link that misses a ping round trip is torn down (dead-link detection).
 */
export class PeerLinks {
  private readonly outbound = new Map<number, Outbound>();
  private readonly inbound = new Map<number, Set<WebSocket>>();
  private faults: FaultPlan = NO_FAULTS;
  private faultsSince = Date.now();
  private delayed = 0;
  private readonly delayTimers = new Set<NodeJS.Timeout>();
  private pinger: NodeJS.Timeout | null = null;
  private closed = false;
  /** Counters for /metrics. */
  readonly stats = { sent: 0, frames: 0, received: 0, dropped: 0, delayed: 0, rejectedFrames: 0 };

  constructor(private readonly options: PeerLinksOptions) {}

  start(): void {
    for (const id of this.options.peers.keys()) {
      this.outbound.set(id, {
        socket: null,
        backoffMs: BACKOFF_MIN_MS,
        timer: null,
        alive: false,
        refusedWith: null,
      });
      this.dial(id);
    }
    this.pinger = setInterval(() => this.pingAll(), PING_EVERY_MS);
  }

  setFaults(plan: FaultPlan): void {
    this.faults = plan;
    this.faultsSince = Date.now();
  }

  currentFaults(): FaultPlan {
    return this.faults;
  }

  /** Peers with an open outbound link. */
  connectedPeers(): number[] {
    return [...this.outbound].filter(([, o]) => o.socket?.readyState === WebSocket.OPEN).map(([id]) => id);
  }

  /** Best-effort gossip to every peer: no fault injection, no retry. */
  gossip(message: GossipMessage): void {
    const frame = gossipMessages.encode(message);
    for (const id of this.outbound.keys()) this.write(id, frame);
  }

  /** Best-effort gossip to one peer. */
  gossipTo(to: number, message: GossipMessage): void {
    if (this.outbound.has(to)) this.write(to, gossipMessages.encode(message));
  }

  send(to: number, message: PeerMessage): void {
    this.sendAll(to, [message]);
  }

  /**
   * Sends one turn's messages to a peer. Those not held back by an injected delay go out as ONE
   * frame (a JSON array when there are several): one write per peer per turn instead of one per
   * message, which is most of the cost of a small message.
   */
  sendAll(to: number, messages: readonly PeerMessage[]): void {
    const elapsed = Date.now() - this.faultsSince;
    const now: string[] = [];
    let bytes = 0;
    for (const message of messages) {
      const decision = decideFault(this.faults, to, message, elapsed, Math.random);
      if (decision.drop) {
        this.stats.dropped++;
        continue;
      }
      const frame = peerMessages.encode(message);
      if (decision.delayMs > 0) {
        this.delay(to, frame, decision.delayMs);
        continue;
      }
      if (bytes + frame.length > MAX_BATCH_FRAME_CHARS && now.length > 0) {
        this.writeBatch(to, now);
        now.length = 0;
        bytes = 0;
      }
      now.push(frame);
      bytes += frame.length;
    }
    if (now.length > 0) this.writeBatch(to, now);
  }

  private writeBatch(to: number, frames: readonly string[]): void {
    this.write(to, frames.length === 1 ? frames[0]! : `[${frames.join(',')}]`, frames.length);
  }

  private delay(to: number, frame: string, delayMs: number): void {
    if (this.delayed >= MAX_DELAYED_MESSAGES) {
      this.stats.dropped++;
      return;
    }
    this.delayed++;
    this.stats.delayed++;
    const timer = setTimeout(() => {
      this.delayTimers.delete(timer);
      this.delayed--;
      this.write(to, frame);
    }, delayMs);
    this.delayTimers.add(timer);
  }

  /** Takes over an authenticated inbound socket from `from`. */
  acceptInbound(from: number, socket: WebSocket): void {
    this.redialNow(from);
    let set = this.inbound.get(from);
    if (!set) {
      set = new Set();
      this.inbound.set(from, set);
    }
    set.add(socket);
    socket.on('message', (data: Buffer) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(data.toString('utf8'));
      } catch {
        this.stats.rejectedFrames++;
        return;
      }
      if (!Array.isArray(parsed)) {
        this.receive(from, parsed);
        return;
      }
      if (parsed.length > MAX_MESSAGES_PER_FRAME) {
        this.stats.rejectedFrames++;
        return;
      }
      for (const item of parsed) this.receive(from, item);
    });
    socket.on('close', () => set.delete(socket));
    socket.on('error', () => socket.terminate());
  }

  /** One message of a frame: validated, and only accepted if it speaks for the authenticated peer. */
  private receive(from: number, parsed: unknown): void {
    const kind = (parsed as { type?: unknown } | null)?.type;
    const isGossip = typeof kind === 'string' && gossipMessages.kinds.includes(kind);
    const decoded = isGossip ? gossipMessages.check(parsed) : peerMessages.check(parsed);
    if (!decoded.ok || decoded.value.from !== from) {
      this.stats.rejectedFrames++;
      return;
    }
    this.stats.received++;
    if (isGossip) this.options.onGossip(decoded.value as GossipMessage);
    else this.options.onMessage(decoded.value as PeerMessage);
  }

  close(): void {
    this.closed = true;
    if (this.pinger) clearInterval(this.pinger);
    for (const timer of this.delayTimers) clearTimeout(timer);
    this.delayTimers.clear();
    for (const link of this.outbound.values()) {
      if (link.timer) clearTimeout(link.timer);
      link.socket?.terminate();
    }
    for (const set of this.inbound.values()) for (const socket of set) socket.terminate();
  }

  /** Writes a frame carrying `count` messages, or drops it if the link is down or backed up. */
  private write(to: number, frame: string, count = 1): void {
    const socket = this.outbound.get(to)?.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN || socket.bufferedAmount > MAX_LINK_BUFFER_BYTES) {
      this.stats.dropped += count;
      return;
    }
    this.stats.sent += count;
    this.stats.frames++;
    socket.send(frame);
  }

  /**
   * A peer just dialled in, so it is up: if our own link to it is waiting out a backoff, dial now
   * instead. A peer that was down for a while would otherwise wait up to BACKOFF_MAX_MS for our
   * link, and with it every promise, accept and catch-up reply we owe it: after a restart that
   * coincides with another server's death, that wait is the cluster's unavailability.
   */
  private redialNow(id: number): void {
    const link = this.outbound.get(id);
    if (!link || link.timer === null || link.socket !== null || this.closed) return;
    clearTimeout(link.timer);
    link.timer = null;
    link.backoffMs = BACKOFF_MIN_MS;
    this.dial(id);
  }

  private dial(id: number): void {
    const link = this.outbound.get(id);
    const url = this.options.peers.get(id);
    if (!link || url === undefined || this.closed) return;
    const auth = signPeerAuth(
      this.options.secret,
      this.options.self,
      id,
      Date.now(),
      this.options.clusterId(),
    );
    const socket = new WebSocket(url, {
      maxPayload: MAX_PEER_FRAME_BYTES,
      handshakeTimeout: 2000,
      perMessageDeflate: false,
      headers: {
        [PEER_AUTH_HEADERS.from]: String(auth.from),
        [PEER_AUTH_HEADERS.to]: String(auth.to),
        [PEER_AUTH_HEADERS.ts]: String(auth.ts),
        [PEER_AUTH_HEADERS.nonce]: auth.nonce,
        [PEER_AUTH_HEADERS.mac]: auth.mac,
        [CLUSTER_ID_HEADER]: auth.clusterId,
      },
    });
    link.socket = socket;
    socket.on('open', () => {
      link.backoffMs = BACKOFF_MIN_MS;
      link.alive = true;
      link.refusedWith = null;
      this.options.log.info({ peer: id }, 'peer link up');
      this.options.onLinkChange?.();
    });
    socket.on('pong', () => {
      link.alive = true;
    });
    socket.on('unexpected-response', (_req, res) => {
      const reason = res.headers['x-quorum-reason'];
      // Refused again at every redial (up to every 2 s): said once per reason, not every time.
      const said = `${res.statusCode} ${String(reason)}`;
      if (link.refusedWith !== said) {
        link.refusedWith = said;
        this.options.log.warn({ peer: id, status: res.statusCode, reason }, 'peer refused our link');
      }
      socket.terminate();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      if (link.socket === socket) link.socket = null;
      this.options.onLinkChange?.();
      if (this.closed) return;
      const wait = link.backoffMs * (0.5 + Math.random());
      link.backoffMs = Math.min(link.backoffMs * 2, BACKOFF_MAX_MS);
      link.timer = setTimeout(() => {
        link.timer = null;
        this.dial(id);
      }, wait);
    });
  }

  private pingAll(): void {
    for (const link of this.outbound.values()) {
      const socket = link.socket;
      if (!socket || socket.readyState !== WebSocket.OPEN) continue;
      if (!link.alive) {
        socket.terminate(); // no pong since the last ping: the link is dead
        continue;
      }
      link.alive = false;
      socket.ping();
    }
  }
}
