import { describe, expect, it } from 'vitest';
import { networkPlans } from '../src/nemesis/injector.js';
import { Prng } from '../src/nemesis/prng.js';
import { phases, planSchedule } from '../src/nemesis/schedule.js';

const PROCESS = new Set(['kill', 'stop', 'pause', 'wipe']);

describe('the nemesis schedule', () => {
  it('is a function of the seed', () => {
    const a = planSchedule({ seed: 7, servers: 3, durationMs: 120_000 });
    expect(planSchedule({ seed: 7, servers: 3, durationMs: 120_000 })).toEqual(a);
    expect(planSchedule({ seed: 8, servers: 3, durationMs: 120_000 })).not.toEqual(a);
  });

  it('never faults more than f servers, one network fault at a time, within the fault window', () => {
    for (const servers of [3, 5]) {
      for (let seed = 1; seed <= 200; seed++) {
        const durationMs = 30_000 + seed * 7_000;
        const s = planSchedule({ seed, servers, durationMs });
        const f = (servers - 1) / 2;
        expect(s.f).toBe(f);
        let end = s.faultStartMs;
        for (const e of s.episodes) {
          expect(e.faults.length).toBeGreaterThanOrEqual(1);
          expect(e.faults.length).toBeLessThanOrEqual(f);
          expect(e.faults.filter((x) => !PROCESS.has(x.kind)).length).toBeLessThanOrEqual(1);
          expect(e.atMs).toBeGreaterThanOrEqual(end);
          end = e.atMs + e.durationMs;
          expect(end).toBeLessThanOrEqual(s.faultEndMs);
        }
        expect(s.faultEndMs).toBeLessThan(durationMs);
      }
    }
  });

  it('leaves a warm-up before the faults and a healed tail after them', () => {
    expect(phases(75_000)).toEqual({ faultStartMs: 7_500, faultEndMs: 63_750 });
    expect(phases(20 * 60_000)).toEqual({ faultStartMs: 15_000, faultEndMs: 20 * 60_000 - 30_000 });
  });

  it('refuses an even cluster', () => {
    expect(() => planSchedule({ seed: 1, servers: 4, durationMs: 60_000 })).toThrow(RangeError);
  });
});

describe('network fault plans', () => {
  const prng = new Prng(1);
  it('isolates a server both ways', () => {
    expect(networkPlans({ kind: 'isolate', target: 'leader' }, 2, [1, 3], [2], prng)).toEqual([
      [2, 'd:0'],
      [1, 'to:2::d:0'],
      [3, 'to:2::d:0'],
    ]);
  });

  it('cuts one direction only for mute and deafen', () => {
    expect(networkPlans({ kind: 'mute', target: 'any' }, 1, [2, 3], [1], prng)).toEqual([[1, 'd:0']]);
    expect(networkPlans({ kind: 'deafen', target: 'any' }, 1, [2, 3], [1], prng)).toEqual([
      [2, 'to:1::d:0'],
      [3, 'to:1::d:0'],
    ]);
  });

  it('cuts one link both ways, away from servers already faulty', () => {
    expect(networkPlans({ kind: 'cut', target: 'any' }, 1, [2, 3, 4, 5], [1, 2, 3, 4], prng)).toEqual([
      [1, 'to:5::d:0'],
      [5, 'to:1::d:0'],
    ]);
  });

  it('degrades the target only, and leaves process faults to signals', () => {
    expect(networkPlans({ kind: 'degrade', target: 'any', spec: 'a:1' }, 3, [1, 2], [3], prng)).toEqual([
      [3, 'a:1'],
    ]);
    expect(networkPlans({ kind: 'kill', target: 'any' }, 3, [1, 2], [3], prng)).toBeNull();
  });
});

describe('the PRNG', () => {
  it('repeats its sequence for a seed and stays in [0, 1)', () => {
    const a = new Prng(42);
    const b = new Prng(42);
    for (let i = 0; i < 1_000; i++) {
      const x = a.next();
      expect(b.next()).toBe(x);
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
    expect(new Prng(43).next()).not.toBe(new Prng(42).next());
  });
});

describe('lost disks and stalls in the nemesis schedule', () => {
  it('plans wipes (a process fault, alone or beside another) and stalls (a network fault)', () => {
    const kinds = new Map<string, number>();
    for (let seed = 1; seed <= 100; seed++) {
      for (const e of planSchedule({ seed, servers: 5, durationMs: 600_000 }).episodes) {
        for (const fault of e.faults) kinds.set(fault.kind, (kinds.get(fault.kind) ?? 0) + 1);
      }
    }
    expect(kinds.get('wipe')).toBeGreaterThan(50);
    expect(kinds.get('stall')).toBeGreaterThan(20);
  });

  it('a stall cuts the target off both ways before it is paused', () => {
    const prng = new Prng(1);
    expect(networkPlans({ kind: 'stall', target: 'follower' }, 2, [1, 3], [2], prng)).toEqual([
      [2, 'd:0'],
      [1, 'to:2::d:0'],
      [3, 'to:2::d:0'],
    ]);
    expect(networkPlans({ kind: 'wipe', target: 'any' }, 2, [1, 3], [2], prng)).toBeNull();
  });
});
