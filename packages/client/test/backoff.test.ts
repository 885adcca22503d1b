import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Backoff,
  backoffCap,
  backoffDelay,
  backoffFloor,
  backoffOptions,
  DEFAULT_BACKOFF,
  isCycleExhausted,
} from '../src/backoff.js';

const optionsArb = fc
  .record({
    minDelayMs: fc.integer({ min: 0, max: 1_000 }),
    initialDelayMs: fc.integer({ min: 0, max: 5_000 }),
    maxDelayMs: fc.integer({ min: 0, max: 60_000 }),
    factor: fc.double({ min: 1, max: 4, noNaN: true }),
    maxAttemptsPerCycle: fc.integer({ min: 1, max: 20 }),
  })
  .filter((o) => o.minDelayMs <= o.maxDelayMs && o.initialDelayMs <= o.maxDelayMs)
  .map((o) => backoffOptions(o));

describe('backoff', () => {
  it('every delay lies within [min, max] and within the attempt bounds', () => {
    fc.assert(
      fc.property(
        optionsArb,
        fc.integer({ min: 0, max: 100 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (o, attempt, r) => {
          const d = backoffDelay(attempt, o, () => r);
          expect(d).toBeGreaterThanOrEqual(o.minDelayMs);
          expect(d).toBeLessThanOrEqual(o.maxDelayMs);
          expect(d).toBeGreaterThanOrEqual(backoffFloor(attempt, o));
          expect(d).toBeLessThanOrEqual(backoffCap(attempt, o));
        },
      ),
    );
  });

  it('caps grow (never shrink) with the attempt and stay at the maximum after the cycle', () => {
    fc.assert(
      fc.property(optionsArb, fc.integer({ min: 0, max: 50 }), (o, attempt) => {
        expect(backoffCap(attempt + 1, o)).toBeGreaterThanOrEqual(backoffCap(attempt, o));
        if (isCycleExhausted(attempt, o)) {
          expect(backoffCap(attempt, o)).toBe(o.maxDelayMs);
          expect(backoffFloor(attempt, o)).toBeGreaterThanOrEqual(o.maxDelayMs / 2);
        }
      }),
    );
  });

  it('is full jitter: the random value spans the whole range', () => {
    const o = backoffOptions({ minDelayMs: 10, initialDelayMs: 100, maxDelayMs: 1_000, factor: 2 });
    expect(backoffDelay(0, o, () => 0)).toBe(10);
    expect(backoffDelay(0, o, () => 0.999999)).toBeCloseTo(100, 2);
    expect(backoffDelay(3, o, () => 0.5)).toBeCloseTo(10 + 0.5 * (800 - 10));
    expect(backoffDelay(4, o, () => 1)).toBe(1_000);
  });

  it('tolerates a misbehaving random source', () => {
    const o = DEFAULT_BACKOFF;
    for (const r of [Number.NaN, -5, 7, Number.POSITIVE_INFINITY]) {
      const d = backoffDelay(2, o, () => r);
      expect(d).toBeGreaterThanOrEqual(o.minDelayMs);
      expect(d).toBeLessThanOrEqual(o.maxDelayMs);
    }
  });

  it('refuses nonsense options', () => {
    expect(() => backoffOptions({ minDelayMs: 100, maxDelayMs: 10 })).toThrow(RangeError);
    expect(() => backoffOptions({ initialDelayMs: 100, maxDelayMs: 10, minDelayMs: 0 })).toThrow(RangeError);
    expect(() => backoffOptions({ factor: 0.5 })).toThrow(RangeError);
    expect(() => backoffOptions({ maxAttemptsPerCycle: 0 })).toThrow(RangeError);
    expect(() => backoffOptions({ maxDelayMs: Number.POSITIVE_INFINITY })).toThrow(RangeError);
  });

  it('counts attempts, reports the exhausted cycle, keeps going and resets', () => {
    const b = new Backoff(
      { minDelayMs: 1, initialDelayMs: 10, maxDelayMs: 100, maxAttemptsPerCycle: 3 },
      () => 1,
    );
    expect([b.next(), b.next(), b.next()]).toEqual([10, 20, 40]);
    expect(b.exhausted).toBe(true);
    expect(b.next()).toBe(100);
    expect(b.next()).toBe(100);
    expect(b.attempt).toBe(5);
    b.reset();
    expect(b.attempt).toBe(0);
    expect(b.exhausted).toBe(false);
    expect(b.next()).toBe(10);
  });
});
