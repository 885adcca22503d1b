/**
 * A log-linear latency histogram in the spirit of HdrHistogram: values (integers, microseconds
 * here) below 2^SUB_BITS are counted exactly; above, every power of two is split into 2^SUB_BITS
 * equal sub-buckets, so a reported percentile is within 1/2^SUB_BITS (0.8%) of the true value.
 * Memory is fixed (a few thousand counters) whatever the number of samples; histograms merge by
 * adding counters, so load-generator processes can each keep one and send it to the parent.
 */

const SUB_BITS = 7;
const SUB_COUNT = 1 << SUB_BITS; // 128
/** Values up to 2^MAX_BITS - 1 (2^40 µs is 12.7 days); larger ones are clamped. */
const MAX_BITS = 40;
const BUCKETS = (MAX_BITS - SUB_BITS + 1) * SUB_COUNT;
const MAX_VALUE = 2 ** MAX_BITS - 1;

/** The counter index of a (non-negative, integer) value. */
export function bucketIndex(value: number): number {
  const v = Math.min(MAX_VALUE, Math.max(0, Math.floor(value)));
  if (v < SUB_COUNT) return v;
  const msb = Math.floor(Math.log2(v)); // position of the highest set bit, >= SUB_BITS
  // Math.log2 can round up just below a power of two: correct it.
  const bit = 2 ** msb > v ? msb - 1 : msb;
  const shift = bit - SUB_BITS;
  const sub = Math.floor(v / 2 ** shift) - SUB_COUNT; // in [0, SUB_COUNT)
  return (shift + 1) * SUB_COUNT + sub;
}

/** The smallest value counted by `index`. */
export function bucketLow(index: number): number {
  if (index < SUB_COUNT) return index;
  const shift = Math.floor(index / SUB_COUNT) - 1;
  const sub = index % SUB_COUNT;
  return (SUB_COUNT + sub) * 2 ** shift;
}

/** The largest value counted by `index`. */
export function bucketHigh(index: number): number {
  if (index < SUB_COUNT) return index;
  const shift = Math.floor(index / SUB_COUNT) - 1;
  return bucketLow(index) + 2 ** shift - 1;
}

/** The wire form: sparse `[index, count]` pairs plus the exact extremes. */
export interface HistogramData {
  readonly counts: readonly (readonly [number, number])[];
  readonly min: number;
  readonly max: number;
  readonly sum: number;
  readonly total: number;
}

export interface Summary {
  readonly count: number;
  readonly mean: number;
  readonly min: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

export class Histogram {
  private readonly counts = new Float64Array(BUCKETS);
  private total = 0;
  private sum = 0;
  private min = Number.POSITIVE_INFINITY;
  private max = 0;

  static from(data: HistogramData): Histogram {
    const h = new Histogram();
    h.add(data);
    return h;
  }

  get count(): number {
    return this.total;
  }

  record(value: number, times = 1): void {
    if (!(value >= 0) || times <= 0) return; // NaN and negatives are not latencies
    const v = Math.min(MAX_VALUE, Math.floor(value));
    this.counts[bucketIndex(v)]! += times;
    this.total += times;
    this.sum += v * times;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  /** Adds another histogram's counts (a merge). */
  add(other: Histogram | HistogramData): void {
    const data = other instanceof Histogram ? other.toJSON() : other;
    if (data.total === 0) return;
    for (const [index, count] of data.counts) this.counts[index]! += count;
    this.total += data.total;
    this.sum += data.sum;
    this.min = Math.min(this.min, data.min);
    this.max = Math.max(this.max, data.max);
  }

  /**
   * The value at quantile `q` (0..1): the highest value of the bucket holding the q-th sample,
   * clamped to the exact min and max (HdrHistogram reports the same "highest equivalent value").
   */
  quantile(q: number): number {
    if (this.total === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(this.max, Math.max(this.min, bucketHigh(i)));
    }
    return this.max;
  }

  summary(): Summary {
    return {
      count: this.total,
      mean: this.total === 0 ? Number.NaN : this.sum / this.total,
      min: this.total === 0 ? Number.NaN : this.min,
      p50: this.quantile(0.5),
      p90: this.quantile(0.9),
      p99: this.quantile(0.99),
      p999: this.quantile(0.999),
      max: this.total === 0 ? Number.NaN : this.max,
    };
  }

  toJSON(): HistogramData {
    const counts: [number, number][] = [];
    for (let i = 0; i < BUCKETS; i++) {
      const c = this.counts[i]!;
      if (c > 0) counts.push([i, c]);
    }
    return { counts, min: this.total === 0 ? 0 : this.min, max: this.max, sum: this.sum, total: this.total };
  }
}
