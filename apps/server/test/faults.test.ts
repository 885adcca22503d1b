import type { PeerMessage } from '@quorum/protocol';
import { describe, expect, it } from 'vitest';
import { decideFault, isActive, parseFaults } from '../src/faults.js';

const accept: PeerMessage = {
  type: 'accept',
  from: 1,
  ballot: { round: 1, node: 1 },
  entries: [],
  committed: 0,
};
const prepare: PeerMessage = { type: 'prepare', from: 1, ballot: { round: 1, node: 1 }, fromSlot: 1 };
const commit: PeerMessage = { type: 'commit', from: 1, ballot: { round: 1, node: 1 }, committed: 3 };
const never = () => 0.99;

function plan(spec: string) {
  const parsed = parseFaults(spec);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.plan;
}

describe('fault specs', () => {
  it("reads the seed's -mode=p:10::a:20::c:30 as per-phase delays in seconds", () => {
    const p = plan('p:10::a:20::c:30');
    expect(decideFault(p, 2, prepare, 0, never)).toEqual({ drop: false, delayMs: 10_000 });
    expect(decideFault(p, 2, accept, 0, never)).toEqual({ drop: false, delayMs: 20_000 });
    expect(decideFault(p, 2, commit, 0, never)).toEqual({ drop: false, delayMs: 30_000 });
  });

  it('reads d:0 as dropping every outgoing peer message from the start, d:5 from 5 s on', () => {
    expect(decideFault(plan('d:0'), 2, accept, 0, never)).toEqual({ drop: true });
    expect(decideFault(plan('d:5'), 2, accept, 4999, never)).toEqual({ drop: false, delayMs: 0 });
    expect(decideFault(plan('d:5'), 2, accept, 5000, never)).toEqual({ drop: true });
  });

  it('drops at a rate, jitters, and limits faults to chosen peers', () => {
    expect(decideFault(plan('drop:0.05'), 2, accept, 0, () => 0.01)).toEqual({ drop: true });
    expect(decideFault(plan('drop:0.05'), 2, accept, 0, () => 0.5)).toEqual({ drop: false, delayMs: 0 });
    expect(decideFault(plan('jitter:1000'), 2, accept, 0, () => 0.5)).toEqual({ drop: false, delayMs: 500 });
    expect(decideFault(plan('d:0::to:3'), 2, accept, 0, never)).toEqual({ drop: false, delayMs: 0 });
    expect(decideFault(plan('d:0::to:3'), 3, accept, 0, never)).toEqual({ drop: true });
  });

  it('rejects malformed specs with a clear error and treats none as inactive', () => {
    for (const bad of ['x:1', 'p:-1', 'drop:2', 'to:a', 'jitter:1e9'])
      expect(parseFaults(bad).ok).toBe(false);
    expect(isActive(plan('none'))).toBe(false);
    expect(isActive(plan('a:1'))).toBe(true);
  });
});

describe('fault phases', () => {
  it("counts a follower's forwarded proposals as its accept phase", () => {
    const forward: PeerMessage = { type: 'forward', from: 1, commands: [] };
    expect(decideFault(plan('a:2'), 2, forward, 0, never)).toEqual({ drop: false, delayMs: 2000 });
  });
});
