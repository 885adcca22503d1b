import { describe, expect, it } from 'vitest';
import { EventQueue } from '../src/event-queue.js';
import { Prng } from '../src/prng.js';

describe('EventQueue (the simulated clock)', () => {
  it('pops events in time order and advances the clock', () => {
    const q = new EventQueue<string>();
    q.at(30, 'c');
    q.at(10, 'a');
    q.at(20, 'b');
    expect(q.size).toBe(3);
    expect(q.peekTime()).toBe(10);
    expect(q.pop()).toBe('a');
    expect(q.now).toBe(10);
    expect(q.pop()).toBe('b');
    expect(q.pop()).toBe('c');
    expect(q.now).toBe(30);
    expect(q.pop()).toBeUndefined();
    expect(q.peekTime()).toBeNull();
  });

  it('keeps scheduling order among events at the same time', () => {
    const q = new EventQueue<number>();
    for (let i = 0; i < 50; i++) q.at(5, i);
    const out: number[] = [];
    for (let e = q.pop(); e !== undefined; e = q.pop()) out.push(e);
    expect(out).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('never schedules into the past, and `after` is relative to now', () => {
    const q = new EventQueue<string>();
    q.at(100, 'x');
    q.pop();
    q.at(50, 'late');
    q.after(5, 'soon');
    expect(q.peekTime()).toBe(100);
    expect(q.pop()).toBe('late');
    expect(q.pop()).toBe('soon');
    expect(q.now).toBe(105);
  });

  it('sorts a large random load like a stable sort would', () => {
    const rng = new Prng(11);
    const q = new EventQueue<[number, number]>();
    const items: [number, number][] = [];
    for (let i = 0; i < 2000; i++) {
      const t = rng.int(0, 100);
      items.push([t, i]);
      q.at(t, [t, i]);
    }
    const expected = [...items].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const out: [number, number][] = [];
    for (let e = q.pop(); e !== undefined; e = q.pop()) out.push(e);
    expect(out).toEqual(expected);
  });
});
