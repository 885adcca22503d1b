/**
 * Coalesces a signal per key (typing of a user in a room, presence of a user in a room): at most
 * one emission per key per `intervalMs`. A value offered inside the interval waits for its end,
 * and only the latest waiting value goes out (and only if it differs from the last one sent), so
 * 20,000 typing frames become a handful of events and a user flapping connections does not
 * flood a room with presence.
 *
 * Bounded: at most `maxKeys` keys are tracked; past that, offers are emitted at once (an
 * overloaded server degrades to passing signals through rather than growing memory).
 */
export interface CoalescerOptions<V> {
  readonly intervalMs: number;
  readonly maxKeys: number;
  readonly emit: (key: string, value: V) => void;
  readonly equal?: (a: V, b: V) => boolean;
  /** Injected for tests; defaults to the real timers. */
  readonly now?: () => number;
  readonly schedule?: (fn: () => void, ms: number) => { unref?: () => void };
}

interface Entry<V> {
  lastSent: V;
  sentAt: number;
  waiting: { value: V } | null;
}

export class Coalescer<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly now: () => number;
  private readonly schedule: (fn: () => void, ms: number) => { unref?: () => void };
  private readonly equal: (a: V, b: V) => boolean;
  private lastSweep = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: CoalescerOptions<V>) {
    this.now = options.now ?? Date.now;
    this.schedule = options.schedule ?? ((fn, ms) => setTimeout(fn, ms));
    this.equal = options.equal ?? Object.is;
  }

  get size(): number {
    return this.entries.size;
  }

  offer(key: string, value: V): void {
    const now = this.now();
    const entry = this.entries.get(key);
    if (entry === undefined) {
      if (this.entries.size >= this.options.maxKeys) this.sweep(now);
      if (this.entries.size >= this.options.maxKeys) {
        this.options.emit(key, value);
        return;
      }
      this.send(key, { lastSent: value, sentAt: now, waiting: null }, value, now);
      return;
    }
    if (entry.waiting !== null) {
      entry.waiting.value = value; // the latest wins
      return;
    }
    const due = entry.sentAt + this.options.intervalMs;
    if (now >= due) {
      this.send(key, entry, value, now); // a repeat after the interval is a refresh: it goes out
      return;
    }
    entry.waiting = { value };
    this.schedule(() => this.flush(key), due - now).unref?.();
  }

  private flush(key: string): void {
    const entry = this.entries.get(key);
    if (entry?.waiting == null) return;
    const { value } = entry.waiting;
    entry.waiting = null;
    if (!this.equal(entry.lastSent, value)) this.send(key, entry, value, this.now());
  }

  private send(key: string, entry: Entry<V>, value: V, now: number): void {
    entry.lastSent = value;
    entry.sentAt = now;
    this.entries.set(key, entry);
    this.options.emit(key, value);
  }

  /** Forgets keys whose interval has passed with nothing waiting; at most once an interval. */
  private sweep(now: number): void {
    if (now - this.lastSweep < this.options.intervalMs) return;
    this.lastSweep = now;
    for (const [key, entry] of this.entries) {
      if (entry.waiting === null && now - entry.sentAt >= this.options.intervalMs) this.entries.delete(key);
    }
  }
}
