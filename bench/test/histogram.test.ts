import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bucketHigh, bucketIndex, bucketLow, Histogram } from '../src/histogram.js';

describe('bucketIndex', () => {
  it('counts small values exactly', () => {
    for (let v = 0; v < 128; v++) {
      expect(bucketIndex(v)).toBe(v);
      expect(bucketLow(v)).toBe(v);
      expect(bucketHigh(v)).toBe(v);
    }
  });

  it('puts every value in a bucket that contains it, within 1/128 relative width', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 - 1 }), (v) => {
        const i = bucketIndex(v);
        expect(bucketLow(i)).toBeLessThanOrEqual(v);
        expect(bucketHigh(i)).toBeGreaterThanOrEqual(v);
        expect(bucketHigh(i) - bucketLow(i)).toBeLessThanOrEqual(Math.max(0, bucketLow(i) / 128));
      }),
    );
  });

  it('is monotonic across powers of two', () => {
    for (let bit = 7; bit < 40; bit++) {
      const p = 2 ** bit;
      expect(bucketIndex(p - 1)).toBeLessThan(bucketIndex(p));
      expect(bucketIndex(p)).toBeLessThanOrEqual(bucketIndex(p + 1));
      expect(bucketLow(bucketIndex(p))).toBe(p);
    }
  });
});

describe('Histogram', () => {
  it('reports percentiles within 1% of the exact sorted-array answer', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 10_000_000 }), { minLength: 1, maxLength: 2000 }),
        (values) => {
          const h = new Histogram();
          for (const v of values) h.record(v);
          const sorted = [...values].sort((a, b) => a - b);
          for (const q of [0.5, 0.9, 0.99, 0.999, 1]) {
            const exact = sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
            const got = h.quantile(q);
            expect(got).toBeGreaterThanOrEqual(exact);
            expect(got).toBeLessThanOrEqual(exact + Math.max(0, exact / 128));
          }
          expect(h.summary().min).toBe(sorted[0]);
          expect(h.summary().max).toBe(sorted.at(-1));
        },
      ),
    );
  });

  it('merges through its wire form', () => {
    const a = new Histogram();
    const b = new Histogram();
    for (let i = 1; i <= 1000; i++) (i % 2 === 0 ? a : b).record(i * 10);
    const merged = Histogram.from(JSON.parse(JSON.stringify(a.toJSON())));
    merged.add(b.toJSON());
    expect(merged.count).toBe(1000);
    expect(merged.summary().min).toBe(10);
    expect(merged.summary().max).toBe(10_000);
    expect(merged.quantile(0.5)).toBeGreaterThanOrEqual(5000);
    expect(merged.quantile(0.5)).toBeLessThanOrEqual(5040);
    expect(merged.summary().mean).toBeCloseTo(5005, 5);
  });

  it('ignores NaN and negative samples and is empty-safe', () => {
    const h = new Histogram();
    h.record(Number.NaN);
    h.record(-1);
    expect(h.count).toBe(0);
    expect(Number.isNaN(h.quantile(0.5))).toBe(true);
    expect(Histogram.from(h.toJSON()).count).toBe(0);
  });

  it('records repeated values with a weight', () => {
    const h = new Histogram();
    h.record(100, 99);
    h.record(1_000_000);
    expect(h.quantile(0.99)).toBe(100);
    expect(h.quantile(0.999)).toBe(1_000_000);
  });
});
