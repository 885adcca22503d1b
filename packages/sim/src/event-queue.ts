/**
 * The simulated clock: a priority queue of timed events. Events at the same time come out in
 * the order they were scheduled, so a run depends only on the seed.
 */
interface Slot<T> {
  readonly time: number;
  readonly seq: number;
  readonly event: T;
}

export class EventQueue<T> {
  private heap: Slot<T>[] = [];
  private seq = 0;
  private clock = 0;

  /** The current simulated time, in milliseconds: the time of the last event popped. */
  get now(): number {
    return this.clock;
  }

  get size(): number {
    return this.heap.length;
  }

  /** Schedules `event` at absolute time `time` (never in the past). */
  at(time: number, event: T): void {
    const slot: Slot<T> = { time: Math.max(time, this.clock), seq: this.seq++, event };
    const heap = this.heap;
    heap.push(slot);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as Slot<T>;
      if (!before(slot, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = slot;
  }

  /** Schedules `event` `delay` milliseconds from now. */
  after(delay: number, event: T): void {
    this.at(this.clock + Math.max(0, delay), event);
  }

  /** The time of the next event, or null when the queue is empty. */
  peekTime(): number | null {
    return this.heap[0]?.time ?? null;
  }

  /** Removes the next event and advances the clock to its time. */
  pop(): T | undefined {
    const heap = this.heap;
    const top = heap[0];
    if (top === undefined) return undefined;
    const last = heap.pop() as Slot<T>;
    if (heap.length > 0) {
      let i = 0;
      const n = heap.length;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        let child = l;
        if (r < n && before(heap[r] as Slot<T>, heap[l] as Slot<T>)) child = r;
        const c = heap[child] as Slot<T>;
        if (!before(c, last)) break;
        heap[i] = c;
        i = child;
      }
      heap[i] = last;
    }
    this.clock = top.time;
    return top.event;
  }
}

function before<T>(a: Slot<T>, b: Slot<T>): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}
