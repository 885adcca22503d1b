import { describe, expect, it } from 'vitest';
import { compareBallots, type LeaderReport, pickLeader } from '../src/leader.js';

const r = (
  id: number,
  leaderId: number | null,
  role: LeaderReport['role'] = 'follower',
  round = 0,
): LeaderReport => ({
  id,
  role,
  leaderId,
  ballot: { round, node: id },
});

describe('pickLeader', () => {
  it('is null with no reports or no opinion', () => {
    expect(pickLeader([])).toBeNull();
    expect(pickLeader([r(1, null), r(2, null)])).toBeNull();
  });

  it('follows the leader most servers report', () => {
    expect(pickLeader([r(1, 2), r(2, 2, 'leader', 4), r(3, 3, 'leader', 9)])).toBe(2);
  });

  it('breaks a tie with the self-declared leader holding the highest ballot', () => {
    expect(pickLeader([r(1, 1, 'leader', 3), r(2, 2, 'leader', 7)])).toBe(2);
    expect(pickLeader([r(1, 1, 'leader', 7), r(2, 2, 'leader', 7)])).toBe(2); // same round: node decides
  });

  it('uses a self-declared leader when nobody names one', () => {
    expect(pickLeader([r(1, null, 'leader', 1), r(2, null)])).toBe(1);
  });
});

describe('compareBallots', () => {
  it('orders by round, then node', () => {
    expect(compareBallots({ round: 2, node: 1 }, { round: 1, node: 9 })).toBeGreaterThan(0);
    expect(compareBallots({ round: 2, node: 1 }, { round: 2, node: 3 })).toBeLessThan(0);
    expect(compareBallots({ round: 2, node: 3 }, { round: 2, node: 3 })).toBe(0);
  });
});
