import type { ChatMessage } from '@quorum/protocol';

/**
 * The per-room position tracker behind gap-free resume. Positions in a room are 1, 2, 3...
 * with no gaps, so "everything up to `last` has been delivered" is one number.
 *
 * - A message at `last + 1` is delivered, followed by any buffered successors.
 * - A message at or below `last` is a duplicate and is dropped.
 * - A message above `last + 1` reveals a gap: it is buffered (bounded) and `hasGap` turns true,
 *   telling the client to send `resume` from `last`.
 *
 * `maxSeen` remembers the highest position ever heard of (live events, `head` fields), even
 * for messages the bounded buffer had to drop, so `hasGap` stays true until they are
 * recovered: dropping a buffered message never loses it, it only costs a resume round trip.
 *
 * A cursor may start unanchored (a room joined for the first time, position unknown): it then
 * only buffers, until `anchor(base)` fixes `last`.
 *
 * Pure: no I/O, no clock.
 */
export class RoomCursor {
  readonly room: string;
  readonly maxBuffered: number;
  #last: number | null;
  #maxSeen: number;
  readonly #buffer = new Map<number, ChatMessage>();
  #dropped = 0;

  constructor(room: string, last: number | null = null, maxBuffered = 1000) {
    if (last !== null && !(Number.isSafeInteger(last) && last >= 0)) {
      throw new RangeError('a room position must be a non-negative integer');
    }
    if (!(Number.isSafeInteger(maxBuffered) && maxBuffered >= 1)) {
      throw new RangeError('maxBuffered must be a positive integer');
    }
    this.room = room;
    this.#last = last;
    this.#maxSeen = last ?? 0;
    this.maxBuffered = maxBuffered;
  }

  get anchored(): boolean {
    return this.#last !== null;
  }

  /** The highest position delivered with every position below it (0 before anchoring). */
  get last(): number {
    return this.#last ?? 0;
  }

  /** The highest position known to exist. */
  get maxSeen(): number {
    return this.#maxSeen;
  }

  get buffered(): number {
    return this.#buffer.size;
  }

  /** Messages that arrived past a gap and did not fit the buffer (they are re-fetched by resume). */
  get dropped(): number {
    return this.#dropped;
  }

  /** True when positions after `last` exist but were not delivered: resume from `last`. */
  get hasGap(): boolean {
    return this.#last !== null && this.#maxSeen > this.#last;
  }

  /**
   * One message (live, from a resume page or a history page). Returns the messages that are
   * now deliverable, in position order: empty for a duplicate or a message past a gap.
   */
  offer(message: ChatMessage): ChatMessage[] {
    const position = message.position;
    if (!Number.isSafeInteger(position) || position < 1) return [];
    if (position > this.#maxSeen) this.#maxSeen = position;
    const last = this.#last;
    if (last === null) {
      this.#store(message);
      return [];
    }
    if (position <= last) return [];
    if (position > last + 1) {
      this.#store(message);
      return [];
    }
    this.#last = position;
    const out = [message];
    this.#drain(out);
    return out;
  }

  /** A room head from `joined`, `resume_result` or `history_page`: positions up to it exist. */
  noteHead(head: number): void {
    if (Number.isSafeInteger(head) && head > this.#maxSeen) this.#maxSeen = head;
  }

  /**
   * An authoritative head (a complete `resume_result`, a `history_page`, answered by a read that
   * reflects every earlier commit): forget larger positions heard of earlier unless a buffered
   * message proves them, so a position announced by mistake cannot keep a gap open for ever.
   */
  acceptHead(head: number): void {
    if (!Number.isSafeInteger(head) || head < 0) return;
    let highest = Math.max(this.#last ?? 0, head);
    for (const p of this.#buffer.keys()) if (p > highest) highest = p;
    this.#maxSeen = highest;
  }

  /**
   * Fix the starting point of an unanchored cursor: everything up to `base` counts as seen.
   * Returns buffered messages that became deliverable.
   */
  anchor(base: number): ChatMessage[] {
    if (this.#last !== null) throw new Error(`room ${this.room} is already anchored at ${this.#last}`);
    if (!(Number.isSafeInteger(base) && base >= 0))
      throw new RangeError('base must be a non-negative integer');
    this.#last = base;
    if (base > this.#maxSeen) this.#maxSeen = base;
    this.#prune();
    const out: ChatMessage[] = [];
    this.#drain(out);
    return out;
  }

  /**
   * The server cannot fill the gap after `last` any more (`resume_result` with
   * `recovered: false`): skip ahead to `base` (the position before the newest history page) and
   * deliver `page`. Never moves backwards. Returns the skipped range (empty when nothing was
   * actually lost) and the messages now deliverable.
   */
  reset(
    base: number,
    page: readonly ChatMessage[],
  ): {
    readonly missed: { readonly from: number; readonly to: number } | null;
    readonly delivered: ChatMessage[];
  } {
    if (!(Number.isSafeInteger(base) && base >= 0))
      throw new RangeError('base must be a non-negative integer');
    const previous = this.#last ?? 0;
    const missed = base > previous ? { from: previous + 1, to: base } : null;
    this.#last = Math.max(previous, base);
    if (this.#last > this.#maxSeen) this.#maxSeen = this.#last;
    this.#prune();
    const delivered: ChatMessage[] = [];
    this.#drain(delivered);
    for (const message of page) delivered.push(...this.offer(message));
    return { missed, delivered };
  }

  #store(message: ChatMessage): void {
    const position = message.position;
    if (this.#buffer.has(position)) return;
    if (this.#buffer.size >= this.maxBuffered) {
      // Keep the lowest positions: they are the ones that drain first.
      let highest = -1;
      for (const p of this.#buffer.keys()) if (p > highest) highest = p;
      if (position > highest) {
        this.#dropped += 1;
        return;
      }
      this.#buffer.delete(highest);
      this.#dropped += 1;
    }
    this.#buffer.set(position, message);
  }

  #drain(out: ChatMessage[]): void {
    if (this.#last === null) return;
    for (;;) {
      const next = this.#buffer.get(this.#last + 1);
      if (next === undefined) return;
      this.#buffer.delete(this.#last + 1);
      this.#last += 1;
      out.push(next);
    }
  }

  #prune(): void {
    const last = this.#last ?? 0;
    for (const p of [...this.#buffer.keys()]) if (p <= last) this.#buffer.delete(p);
  }
}
