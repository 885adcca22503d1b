import type { HistogramData } from '../histogram.js';

/**
 * Parent <-> abuse processes (`abuse-worker.ts`). One process plays the bystander (a real
 * QuorumClient sending at a steady pace), another the attacker (raw WebSockets of one user). Every
 * command is answered by one reply with the same id.
 */
export type AbuseCommand =
  | {
      /** Bystander: connect a QuorumClient (through the balancer) and join `room`. */
      readonly type: 'bystander_connect';
      readonly id: number;
      readonly token: string;
      readonly room: string;
      readonly balancerUrl: string;
      readonly localAddress: string;
      /** The raw bystander: another user, on a server other than the client's. */
      readonly rawUser: string;
      readonly rawToken: string;
      readonly rawLocalAddress: string;
      readonly servers: readonly { readonly id: number; readonly url: string }[];
      readonly timeoutMs: number;
    }
  | {
      /** Bystander: one send every `intervalMs` for `durationMs`, then wait for the acks. */
      readonly type: 'bystander_phase';
      readonly id: number;
      readonly durationMs: number;
      readonly intervalMs: number;
      readonly textBytes: number;
      readonly drainMs: number;
    }
  | {
      /** Attacker: open `connections` raw sockets (dealt round robin over `servers`), log in, join `room`. */
      readonly type: 'attacker_connect';
      readonly id: number;
      readonly token: string;
      readonly user: string;
      readonly room: string;
      readonly servers: readonly string[];
      readonly connections: number;
      readonly localAddress: string;
      readonly timeoutMs: number;
    }
  | {
      /** Attacker: every connection floods for `durationMs` (see FloodMix), then waits for the answers. */
      readonly type: 'flood';
      readonly id: number;
      readonly durationMs: number;
      /** Requests one connection keeps unanswered at most (pipelining). */
      readonly window: number;
      /** Stop writing to a connection while this many bytes wait in its socket. */
      readonly maxBufferedBytes: number;
      /** Frames in all, a backstop (the duration is the real bound). */
      readonly maxFrames: number;
      readonly mix: FloodMix;
      readonly drainMs: number;
    }
  | { readonly type: 'exit'; readonly id: number };

/**
 * What a flooding connection writes. With `requests: 'mixed'`, request k of a connection is a
 * room-creating `join` when k % joinEvery === 0, a `set_display_name` when k % displayNameEvery
 * === displayNameEvery / 2, else a `send` to the shared room; `'send'` and `'display_name'` send
 * only those; `'none'` sends typing frames only, as fast as the socket takes them. Every request
 * is followed by `typingPerRequest` typing frames (alternately active and not) in the shared room.
 */
export interface FloodMix {
  readonly requests: 'mixed' | 'send' | 'display_name' | 'none';
  readonly joinEvery: number;
  readonly displayNameEvery: number;
  readonly typingPerRequest: number;
  readonly textBytes: number;
  /** Requests a second per connection (paced), or null: as fast as the window allows. */
  readonly ratePerConnection: number | null;
}

export type FloodKind = 'send' | 'join' | 'set_display_name';

export interface KindCounts {
  readonly sent: number;
  readonly accepted: number;
  readonly rateLimited: number;
  /** Other error codes (quota_exceeded, too_many_rooms, seq_expired, ...) -> count. */
  readonly errors: Readonly<Record<string, number>>;
  /** Unanswered when the drain ended (or the socket closed). */
  readonly unanswered: number;
}

export interface FloodResult {
  readonly windowMs: number;
  readonly connections: number;
  readonly kinds: Readonly<Record<FloodKind, KindCounts>>;
  readonly typingFramesSent: number;
  readonly framesSent: number;
  readonly bytesSent: number;
  /** Frames the attacker's sockets received by type (its own messages' fan-out included). */
  readonly received: Readonly<Record<string, number>>;
  /** Sockets the servers closed during the flood: close code -> count. */
  readonly closed: Readonly<Record<string, number>>;
  readonly cpuSeconds: number;
  readonly loopDelayP99Ms: number;
}

export interface PhaseResult {
  readonly windowMs: number;
  readonly scheduled: number;
  readonly acked: number;
  readonly failed: number;
  readonly unsettled: number;
  /** send() call -> ack, µs. */
  readonly latency: HistogramData;
  /** Scheduled time -> ack, µs (adds the bystander's own timer lateness). */
  readonly scheduledLatency: HistogramData;
  /** Every send: [ms from the phase's start to its send() call, send -> ack ms] (acked ones). */
  readonly timeline: readonly (readonly [number, number])[];
  /** The raw bystander (every send timed on its own, pipelined). */
  readonly raw: {
    readonly acked: number;
    /** Error codes (or `closed`) -> count. */
    readonly errors: Readonly<Record<string, number>>;
    readonly unsettled: number;
    readonly latency: HistogramData;
    readonly timeline: readonly (readonly [number, number])[];
  };
  /** Events the bystander received during the phase, by type (`message` = other users' only). */
  readonly events: Readonly<Record<string, number>>;
  /** Connection state changes other than `connected` during the phase. */
  readonly stateChanges: readonly string[];
  readonly serverId: number | null;
  readonly cpuSeconds: number;
  readonly loopDelayP99Ms: number;
  readonly loopDelayMaxMs: number;
}

export type AbuseReply =
  | {
      readonly id: number;
      readonly ok: true;
      readonly serverId?: number | null;
      readonly rawServerId?: number | null;
      readonly connectFailed?: number;
      /** `welcome.limits.sendsPerSecond` the attacker's servers announced. */
      readonly sendsPerSecond?: readonly number[];
      readonly phase?: PhaseResult;
      readonly flood?: FloodResult;
    }
  | { readonly id: number; readonly ok: false; readonly error: string };
