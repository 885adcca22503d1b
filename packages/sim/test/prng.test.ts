import { describe, expect, it } from 'vitest';
import { hashString, Prng } from '../src/prng.js';

describe('Prng', () => {
  it('is a pure function of its seed', () => {
    const a = new Prng(42);
    const b = new Prng(42);
    const xs = Array.from({ length: 100 }, () => a.nextU32());
    const ys = Array.from({ length: 100 }, () => b.nextU32());
    expect(xs).toEqual(ys);
    expect(new Set(xs).size).toBe(100);
  });

  it('gives different streams for different seeds (numbers or strings)', () => {
    expect(new Prng(1).nextU32()).not.toBe(new Prng(2).nextU32());
    expect(new Prng('a').nextU32()).not.toBe(new Prng('b').nextU32());
    expect(new Prng(0).nextU32()).not.toBe(new Prng(0).fork('x').nextU32());
  });

  it('draws floats in [0, 1) with a sane mean, and integers within inclusive bounds', () => {
    const r = new Prng(7);
    let sum = 0;
    let lo = 1;
    let hi = 0;
    const seen = new Set<number>();
    for (let i = 0; i < 20_000; i++) {
      const f = r.float();
      lo = Math.min(lo, f);
      hi = Math.max(hi, f);
      sum += f;
      seen.add(r.int(3, 6));
    }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
    expect(sum / 20_000).toBeGreaterThan(0.48);
    expect(sum / 20_000).toBeLessThan(0.52);
    expect([...seen].sort()).toEqual([3, 4, 5, 6]);
    expect(() => r.int(2, 1)).toThrow(RangeError);
  });

  it('chance(p) hits about p of the time, and never/always at the ends', () => {
    const r = new Prng(9);
    let hits = 0;
    for (let i = 0; i < 10_000; i++) if (r.chance(0.05)) hits++;
    expect(hits).toBeGreaterThan(400);
    expect(hits).toBeLessThan(600);
    expect(r.chance(0)).toBe(false);
    expect(r.chance(1)).toBe(true);
  });

  it('forks by label, independently of how much the parent has drawn', () => {
    const a = new Prng(5);
    const b = new Prng(5);
    for (let i = 0; i < 10; i++) b.nextU32();
    expect(a.fork('net').nextU32()).toBe(b.fork('net').nextU32());
    expect(a.fork('net').nextU32()).not.toBe(a.fork('disk').nextU32());
  });

  it('shuffles into a permutation and picks members', () => {
    const r = new Prng(3);
    const items = [1, 2, 3, 4, 5, 6, 7, 8];
    const shuffled = r.shuffle(items);
    expect([...shuffled].sort()).toEqual(items);
    expect(items).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(items).toContain(r.pick(items));
    expect(() => r.pick([])).toThrow(RangeError);
  });

  it('hashes strings with FNV-1a', () => {
    expect(hashString('')).toBe(0x811c9dc5);
    expect(hashString('a')).toBe(0xe40c292c);
    expect(hashString('ab', hashString('x'))).not.toBe(hashString('ab'));
  });
});
