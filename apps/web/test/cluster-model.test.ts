import { describe, expect, it } from 'vitest';
import {
  type ClusterAction,
  clusterReducer,
  initialClusterModel,
  lagLevel,
  replicaRows,
} from '../src/state/cluster-model.js';
import { frame, replica, server, status } from './fixtures.js';

const run = (...actions: ClusterAction[]) => actions.reduce(clusterReducer, initialClusterModel);

describe('cluster model', () => {
  it('finds the leader and each replica lag from a cluster event', () => {
    const model = run({
      type: 'watch',
      frame: frame([
        replica(1, { committed: 97 }),
        replica(2, { role: 'leader', committed: 120 }),
        replica(3, { committed: 120 }),
      ]),
      now: 1000,
    });
    const rows = replicaRows(model, 1000);
    expect(rows.map((r) => [r.id, r.isLeader, r.lag])).toEqual([
      [1, false, 23],
      [2, true, 0],
      [3, false, 0],
    ]);
    expect(model.leaderId).toBe(2);
    expect(model.leaderSince).toBeNull(); // the first leader seen is not a change
    expect(model.log).toEqual([{ at: 1000, from: null, to: 2, ballot: '3.2' }]);
    expect(lagLevel(23)).toBe('large');
    expect(lagLevel(3)).toBe('small');
    expect(lagLevel(0)).toBe('none');
  });

  it('shows servers the balancer reports down, and never names a down server leader', () => {
    const model = run({
      type: 'balancer',
      status: status(
        [
          server(1, { healthy: false, role: 'leader', ballot: { round: 3, node: 1 }, lastSeenMs: 5000 }),
          server(2, { committed: 140 }),
          server(3, { role: 'unknown', url: null, lastSeenMs: null, committed: 0 }),
        ],
        null,
      ),
      now: 0,
    });
    const rows = replicaRows(model, 0);
    expect(rows.map((r) => r.health)).toEqual(['down', 'up', 'up']);
    expect(rows.find((r) => r.isLeader)).toBeUndefined();
    expect(rows[2]?.role).toBe('unknown');
    expect(rows[2]?.lag).toBeNull();
  });

  it('logs a leader change when a higher ballot takes over, and prefers fresher reports', () => {
    const first = frame([replica(1), replica(2, { role: 'leader' }), replica(3)]);
    const second = frame(
      [
        replica(1, { role: 'leader', ballot: { round: 4, node: 1 }, committed: 130, leaderId: 1 }),
        replica(2, { role: 'leader', committed: 120 }), // the old leader, not yet deposed
        replica(3, { ballot: { round: 4, node: 1 }, committed: 130, leaderId: 1 }),
      ],
      1,
      1,
    );
    const model = run(
      { type: 'watch', frame: first, now: 10 },
      { type: 'balancer', status: status([server(1), server(2, { role: 'leader' }), server(3)]), now: 20 },
      { type: 'watch', frame: second, now: 30 },
    );
    expect(model.leaderId).toBe(1);
    expect(model.leaderSince).toBe(30); // a real change: highlighted
    expect(model.log.map((c) => [c.from, c.to, c.ballot])).toEqual([
      [2, 1, '4.1'],
      [null, 2, '3.2'],
    ]);
    const rows = replicaRows(model, 30);
    expect(rows.find((r) => r.id === 2)?.lag).toBe(10);
    // The balancer's older report of server 1 (committed 100) loses to the watch's 130.
    expect(rows.find((r) => r.id === 1)?.committed).toBe(130);
  });

  it('forgets the chat connection view when it is lost', () => {
    const model = run(
      { type: 'watch', frame: frame([replica(2, { role: 'leader' })]), now: 0 },
      { type: 'watch_lost' },
    );
    expect(model.watch).toBeNull();
    expect(replicaRows(model, 0)).toEqual([]);
  });
});
