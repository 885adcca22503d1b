import { describe, expect, it } from 'vitest';
import { Coalescer } from '../src/coalescer.js';

/** A coalescer on a fake clock: timers run when the test moves time past them. */
function setup(maxKeys = 100) {
  let now = 0;
  const timers: { at: number; fn: () => void }[] = [];
  const emitted: [string, boolean, number][] = [];
  const coalescer = new Coalescer<boolean>({
    intervalMs: 1000,
    maxKeys,
    emit: (key, value) => emitted.push([key, value, now]),
    now: () => now,
    schedule: (fn, ms) => {
      timers.push({ at: now + ms, fn });
      return {};
    },
  });
  const advance = (to: number) => {
    now = to;
    for (const timer of timers.splice(0).sort((a, b) => a.at - b.at)) {
      if (timer.at <= now) timer.fn();
      else timers.push(timer);
    }
  };
  return { coalescer, emitted, advance };
}

describe('Coalescer', () => {
  it('emits the first value at once, then at most one per interval, the latest waiting value', () => {
    const { coalescer, emitted, advance } = setup();
    for (let i = 0; i < 10_000; i++) coalescer.offer('room\u0000ann', i % 2 === 0);
    coalescer.offer('room\u0000ann', false);
    expect(emitted).toEqual([['room\u0000ann', true, 0]]);
    advance(1000);
    expect(emitted).toEqual([
      ['room\u0000ann', true, 0],
      ['room\u0000ann', false, 1000],
    ]);
  });

  it('drops a waiting value equal to the last one sent, and keys are independent', () => {
    const { coalescer, emitted, advance } = setup();
    coalescer.offer('a', true);
    coalescer.offer('a', false);
    coalescer.offer('a', true);
    coalescer.offer('b', true);
    advance(1000);
    expect(emitted).toEqual([
      ['a', true, 0],
      ['b', true, 0],
    ]);
    // After the interval, a repeat is a refresh and goes out.
    advance(1500);
    coalescer.offer('a', true);
    expect(emitted.at(-1)).toEqual(['a', true, 1500]);
  });

  it('is bounded: past maxKeys it passes values through instead of tracking more keys', () => {
    const { coalescer, emitted } = setup(2);
    coalescer.offer('a', true);
    coalescer.offer('b', true);
    coalescer.offer('c', true);
    coalescer.offer('c', true);
    expect(coalescer.size).toBe(2);
    expect(emitted.map(([key]) => key)).toEqual(['a', 'b', 'c', 'c']);
  });
});
