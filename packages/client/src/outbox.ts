import { ClientError, type ClientErrorCode } from './errors.js';

/**
 * The outbox: commands that carry `(clientId, seq)` (posts and reactions), from the moment the
 * application asks for them until the cluster confirms or refuses them.
 *
 * Guarantees (with the client driving it):
 * - `seq` increments by one per command, starting at `nextSeq`.
 * - Commands are transmitted strictly in seq order, ONE at a time: the next one goes out only
 *   when the previous one is settled. The replicated dedup table remembers only each client's
 *   last applied seq, so two commands in flight could be applied out of order (the lower one
 *   then being refused as stale) or a retry of a lower seq could be refused after a higher one
 *   was applied; one in flight makes every retry either new or an exact duplicate.
 * - A retry (after a timeout, a retryable error or a reconnect) reuses the SAME `(clientId, seq)`:
 *   the server dedups it and answers with the first result, so nothing is posted twice.
 * - The outbox is bounded: `add` throws `ClientError('outbox_full')` when full.
 *
 * Pure: no I/O, no clock (time comes in as arguments).
 */

export type OutboxState = 'pending' | 'delivered' | 'failed';

export type OutboxCommand =
  | { readonly kind: 'send'; readonly room: string; readonly text: string }
  | {
      readonly kind: 'react';
      readonly room: string;
      readonly position: number;
      readonly emoji: string;
      readonly on: boolean;
    };

interface EntryCommon {
  readonly clientId: string;
  readonly seq: number;
  readonly state: OutboxState;
  /** Transmissions so far (a retry counts one more). */
  readonly attempts: number;
  /** When the application asked for it (the client's clock). */
  readonly createdAt: number;
  /** For a delivered send: the message's position in its room. */
  readonly position?: number;
  /** For a delivered send: the commit timestamp the server fixed. */
  readonly ts?: number;
  /** For a failed command, why; for a pending one, the last retryable error, if any. */
  readonly error?: { readonly code: ClientErrorCode; readonly message: string };
}

/** A read-only snapshot of one outbox command. A new snapshot is made for every change. */
export type OutboxEntry = EntryCommon & OutboxCommand;

/** Where a pending command is in its life: waiting its turn, on the wire, or backing off. */
export type OutboxPhase = 'queued' | 'inflight' | 'waiting';

interface Item {
  command: OutboxCommand;
  seq: number;
  createdAt: number;
  attempts: number;
  phase: OutboxPhase;
  /** The request id of the transmission in flight (per connection). */
  rid: number | null;
  error: { code: ClientErrorCode; message: string } | undefined;
}

export interface OutboxOptions {
  readonly clientId: string;
  /** The seq of the first command (persist `nextSeq` to keep it increasing across restarts). */
  readonly nextSeq?: number;
  /** Most pending commands. */
  readonly maxPending?: number;
}

export class Outbox {
  readonly clientId: string;
  readonly maxPending: number;
  #nextSeq: number;
  /** Pending commands by seq; insertion order is seq order. */
  readonly #items = new Map<number, Item>();

  constructor(options: OutboxOptions) {
    this.clientId = options.clientId;
    this.#nextSeq = options.nextSeq ?? 1;
    this.maxPending = options.maxPending ?? 1000;
    if (!(Number.isSafeInteger(this.#nextSeq) && this.#nextSeq >= 1)) {
      throw new RangeError('nextSeq must be a positive integer');
    }
    if (!(Number.isSafeInteger(this.maxPending) && this.maxPending >= 1)) {
      throw new RangeError('maxPending must be a positive integer');
    }
  }

  /** The seq the next command will get. */
  get nextSeq(): number {
    return this.#nextSeq;
  }

  get size(): number {
    return this.#items.size;
  }

  get full(): boolean {
    return this.#items.size >= this.maxPending;
  }

  /** Queue a command; returns its snapshot (state `pending`). */
  add(command: OutboxCommand, now: number): OutboxEntry {
    if (this.full) {
      throw new ClientError('outbox_full', `The outbox holds ${this.maxPending} pending commands already.`);
    }
    const seq = this.#nextSeq;
    this.#nextSeq += 1;
    const item: Item = {
      command,
      seq,
      createdAt: now,
      attempts: 0,
      phase: 'queued',
      rid: null,
      error: undefined,
    };
    this.#items.set(seq, item);
    return this.#snapshot(item, 'pending');
  }

  /** The oldest pending command. */
  head(): OutboxEntry | null {
    const item = this.#head();
    return item === undefined ? null : this.#snapshot(item, 'pending');
  }

  /** The command to transmit now, if any: the head, when it is neither on the wire nor backing off. */
  next(): OutboxEntry | null {
    const item = this.#head();
    if (item === undefined || item.phase !== 'queued') return null;
    return this.#snapshot(item, 'pending');
  }

  phaseOf(seq: number): OutboxPhase | null {
    return this.#items.get(seq)?.phase ?? null;
  }

  /** The pending command whose transmission in flight has request id `rid`. */
  byRid(rid: number): OutboxEntry | null {
    for (const item of this.#items.values()) {
      if (item.rid === rid) return this.#snapshot(item, 'pending');
    }
    return null;
  }

  get(seq: number): OutboxEntry | null {
    const item = this.#items.get(seq);
    return item === undefined ? null : this.#snapshot(item, 'pending');
  }

  /** The command with `seq` was transmitted with request id `rid`. */
  markSent(seq: number, rid: number): OutboxEntry {
    const item = this.#require(seq);
    if (item !== this.#head()) throw new Error(`seq ${seq} is not the head of the outbox`);
    if (item.phase !== 'queued') throw new Error(`seq ${seq} is ${item.phase}, not queued`);
    item.phase = 'inflight';
    item.rid = rid;
    item.attempts += 1;
    return this.#snapshot(item, 'pending');
  }

  /** The cluster committed it. Returns the final snapshot, or null for an unknown or settled seq. */
  deliver(seq: number, result: { position?: number; ts?: number } = {}): OutboxEntry | null {
    const item = this.#items.get(seq);
    if (item === undefined) return null;
    this.#items.delete(seq);
    item.error = undefined;
    return this.#snapshot(item, 'delivered', result);
  }

  /** It was refused for good. Returns the final snapshot, or null for an unknown or settled seq. */
  fail(seq: number, code: ClientErrorCode, message: string): OutboxEntry | null {
    const item = this.#items.get(seq);
    if (item === undefined) return null;
    this.#items.delete(seq);
    item.error = { code, message };
    return this.#snapshot(item, 'failed');
  }

  /**
   * The transmission in flight failed in a way worth retrying (timeout, retryable error): the
   * command waits (the caller runs the backoff timer) and keeps its seq.
   */
  deferRetry(seq: number, error?: { code: ClientErrorCode; message: string }): OutboxEntry | null {
    const item = this.#items.get(seq);
    if (item === undefined) return null;
    item.phase = 'waiting';
    item.rid = null;
    if (error !== undefined) item.error = error;
    return this.#snapshot(item, 'pending');
  }

  /** The backoff of a waiting command is over: it may be transmitted again. */
  requeue(seq: number): OutboxEntry | null {
    const item = this.#items.get(seq);
    if (item === undefined || item.phase !== 'waiting') return null;
    item.phase = 'queued';
    return this.#snapshot(item, 'pending');
  }

  /**
   * The connection closed: whatever was in flight is queued again, to be retransmitted with the
   * same seq on the next connection. Returns the affected commands.
   */
  disconnected(): OutboxEntry[] {
    const out: OutboxEntry[] = [];
    for (const item of this.#items.values()) {
      if (item.phase === 'inflight') {
        item.phase = 'queued';
        item.rid = null;
        out.push(this.#snapshot(item, 'pending'));
      }
    }
    return out;
  }

  /** Every pending command, in seq order. */
  pending(): OutboxEntry[] {
    return [...this.#items.values()].map((item) => this.#snapshot(item, 'pending'));
  }

  #head(): Item | undefined {
    for (const item of this.#items.values()) return item;
    return undefined;
  }

  #require(seq: number): Item {
    const item = this.#items.get(seq);
    if (item === undefined) throw new Error(`no pending command with seq ${seq}`);
    return item;
  }

  #snapshot(item: Item, state: OutboxState, result: { position?: number; ts?: number } = {}): OutboxEntry {
    const entry: { -readonly [K in keyof EntryCommon]: EntryCommon[K] } = {
      clientId: this.clientId,
      seq: item.seq,
      state,
      attempts: item.attempts,
      createdAt: item.createdAt,
    };
    if (result.position !== undefined) entry.position = result.position;
    if (result.ts !== undefined) entry.ts = result.ts;
    if (item.error !== undefined) entry.error = { ...item.error };
    return Object.freeze({ ...item.command, ...entry }) as OutboxEntry;
  }
}
