import type { HistogramData } from '../histogram.js';
import type { ClientSpec } from './clients.js';

/** Parent -> load-generator process. Every command is answered by one reply with the same id. */
export type WorkerCommand =
  | {
      readonly type: 'connect';
      readonly id: number;
      readonly token: string;
      readonly clients: readonly ClientSpec[];
      readonly timeoutMs: number;
      /** Record live `message` events of other clients' sends (fanout). */
      readonly listen: boolean;
    }
  | {
      /** Every client (or only `senders`) sends, one in flight each, until the deadline or the count. */
      readonly type: 'closed';
      readonly id: number;
      readonly durationMs: number;
      readonly maxCount: number | null;
      readonly textBytes: number;
      readonly senders: readonly number[] | null;
      readonly drainMs: number;
    }
  | {
      /** Sends scheduled at a fixed rate, latency measured from the scheduled time. */
      readonly type: 'open';
      readonly id: number;
      readonly durationMs: number;
      readonly ratePerSecond: number;
      readonly textBytes: number;
      /** A client with this many sends waiting in its outbox skips (sheds) new ones. */
      readonly maxBacklog: number;
      readonly drainMs: number;
    }
  | { readonly type: 'disconnect'; readonly id: number }
  | { readonly type: 'exit'; readonly id: number };

export interface RunResult {
  /** Sends acknowledged (delivered) before the deadline. */
  readonly ackedInWindow: number;
  /** Sends acknowledged in all (also while draining). */
  readonly acked: number;
  readonly failed: number;
  /** Sends still pending when the drain ended. */
  readonly unsettled: number;
  /** Open loop: scheduled sends skipped because the client's backlog was full. */
  readonly shed: number;
  readonly offered: number;
  readonly windowMs: number;
  /** send -> ack (closed loop) or scheduled -> ack (open loop), µs. */
  readonly latency: HistogramData;
  /** Fanout: live deliveries of other clients' messages, and their send -> delivery latency (µs). */
  readonly deliveries: number;
  readonly deliveriesInWindow: number;
  readonly deliveryLatency: HistogramData;
  /** CPU seconds this load-generator process used during the run. */
  readonly cpuSeconds: number;
  /** Event-loop delay of the load generator during the run (ms): high values mean it was saturated. */
  readonly loopDelayP99Ms: number;
  readonly loopDelayMaxMs: number;
}

export type WorkerReply =
  | { readonly id: number; readonly ok: true; readonly connectFailed?: number; readonly result?: RunResult }
  | { readonly id: number; readonly ok: false; readonly error: string };
