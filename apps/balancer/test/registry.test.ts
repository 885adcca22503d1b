import { ClusterStatus } from '@quorum/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Registry, type ServerReport } from '../src/registry.js';
import { assertMatches } from './helpers/schema.js';

function report(load: number, extra: Partial<ServerReport> = {}): ServerReport {
  return {
    load,
    role: 'follower',
    leaderId: null,
    ballot: { round: 0, node: 0 },
    committed: 0,
    applied: 0,
    snapshot: 0,
    peersUp: [],
    ...extra,
  };
}

/** A registry over ids with a hand-driven clock. */
function setup(ids: number[] = [1, 2, 3], deadAfterMs = 1_000) {
  let now = 0;
  const registry = new Registry({ servers: ids, deadAfterMs, now: () => now });
  const sessions = new Map<number, number>();
  return {
    registry,
    sessions,
    advance(ms: number) {
      now += ms;
    },
    up(id: number, load = 0) {
      const session = registry.register(id, `ws://127.0.0.1:${7000 + id}/ws`);
      sessions.set(id, session);
      registry.heartbeat(id, session, report(load));
      return session;
    },
    beat(id: number, load: number, extra: Partial<ServerReport> = {}) {
      return registry.heartbeat(id, sessions.get(id) ?? -1, report(load, extra));
    },
    assignId(exclude: number[] = []) {
      const result = registry.assign(exclude);
      if (!result.ok) throw new Error(`assign failed: ${result.code}`);
      return result.value.serverId;
    },
  };
}

describe('Registry configuration', () => {
  it('refuses an empty, duplicated or out-of-range membership', () => {
    const now = () => 0;
    expect(() => new Registry({ servers: [], deadAfterMs: 1000, now })).toThrow(/at least one/);
    expect(() => new Registry({ servers: [1, 1], deadAfterMs: 1000, now })).toThrow(/twice/);
    expect(() => new Registry({ servers: [0], deadAfterMs: 1000, now })).toThrow(/invalid/);
    expect(() => new Registry({ servers: [1], deadAfterMs: 0, now })).toThrow(/deadAfterMs/);
  });

  it('knows only the configured ids', () => {
    const { registry } = setup([2, 4, 6]);
    expect(registry.isConfigured(4)).toBe(true);
    expect(registry.isConfigured(3)).toBe(false);
    expect(() => registry.register(3, 'ws://x')).toThrow(/not configured/);
  });
});

describe('majority gating', () => {
  it('answers no_quorum until a majority has registered, then serves', () => {
    const t = setup([1, 2, 3]);
    expect(t.registry.assign()).toMatchObject({ ok: false, code: 'no_quorum' });
    t.up(1);
    expect(t.registry.ready()).toBe(false);
    expect(t.registry.assign()).toMatchObject({ ok: false, code: 'no_quorum' });
    t.up(2);
    expect(t.registry.ready()).toBe(true);
    expect(t.registry.assign()).toMatchObject({ ok: true });
  });

  it('does not wait for the last server (one dead box must not block start-up)', () => {
    const t = setup([1, 2, 3, 4, 5]);
    t.up(1);
    t.up(2);
    expect(t.registry.ready()).toBe(false);
    t.up(5);
    expect(t.registry.ready()).toBe(true);
  });

  it('stays ready once reached, and says no_servers when nobody is healthy', () => {
    const t = setup([1, 2, 3]);
    const s1 = t.up(1);
    const s2 = t.up(2);
    t.registry.disconnect(1, s1);
    t.registry.disconnect(2, s2);
    expect(t.registry.ready()).toBe(true);
    expect(t.registry.assign()).toMatchObject({ ok: false, code: 'no_servers' });
  });
});

describe('least-loaded assignment', () => {
  it('picks the healthy server with the lowest reported load', () => {
    const t = setup();
    t.up(1, 5);
    t.up(2, 2);
    t.up(3, 7);
    const result = t.registry.assign();
    expect(result).toMatchObject({ ok: true, value: { serverId: 2, url: 'ws://127.0.0.1:7002/ws' } });
  });

  it('lists every healthy server, least loaded first', () => {
    const t = setup();
    t.up(1, 5);
    t.up(2, 2);
    t.up(3, 7);
    const result = t.registry.assign();
    if (!result.ok) throw new Error('expected an assignment');
    // Server 2 now counts 3 (2 reported + 1 assigned).
    expect(result.value.servers.map((s) => s.id)).toEqual([2, 1, 3]);
  });

  it('counts each assignment as load until the next heartbeat', () => {
    const t = setup();
    t.up(1, 0);
    t.up(2, 0);
    t.up(3, 0);
    expect([t.assignId(), t.assignId(), t.assignId(), t.assignId()]).toEqual([1, 2, 3, 1]);
    // Server 1 reports its real load (still 0: the clients never came); assignments restart from it.
    t.beat(1, 0);
    expect(t.assignId()).toBe(1);
  });

  it('spreads a burst over equally loaded servers round-robin', () => {
    const t = setup([1, 2, 3, 4, 5]);
    for (const id of [1, 2, 3, 4, 5]) t.up(id, 10);
    const counts = new Map<number, number>();
    for (let i = 0; i < 100; i++) {
      const id = t.assignId();
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    expect([...counts.values()]).toEqual([20, 20, 20, 20, 20]);
  });

  it('rotates among ties even when heartbeats keep resetting the counts', () => {
    const t = setup();
    t.up(1, 0);
    t.up(2, 0);
    t.up(3, 0);
    const picks: number[] = [];
    for (let i = 0; i < 6; i++) {
      picks.push(t.assignId());
      for (const id of [1, 2, 3]) t.beat(id, 0);
    }
    expect(picks).toEqual([1, 2, 3, 1, 2, 3]);
  });
});

describe('exclusion', () => {
  it('honours the exclude list', () => {
    const t = setup();
    t.up(1, 0);
    t.up(2, 5);
    t.up(3, 9);
    expect(t.assignId([1])).toBe(2);
    expect(t.assignId([1, 2])).toBe(3);
  });

  it('falls back to every healthy server when all of them are excluded', () => {
    const t = setup();
    t.up(1, 4);
    t.up(2, 3);
    t.up(3, 9);
    expect(t.assignId([1, 2, 3])).toBe(2);
  });

  it('ignores ids that are not configured', () => {
    const t = setup();
    t.up(1, 4);
    t.up(2, 3);
    expect(t.assignId([99, 2])).toBe(1);
  });

  it('only falls back over healthy servers', () => {
    const t = setup();
    t.up(1, 0);
    t.up(2, 0);
    t.registry.disconnect(1, t.sessions.get(1) ?? -1);
    expect(t.assignId([2])).toBe(2);
  });

  it('never hands out an excluded server while another is healthy (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ healthy: fc.boolean(), load: fc.nat(20) }), { minLength: 3, maxLength: 7 }),
        fc.array(fc.integer({ min: 1, max: 8 }), { maxLength: 8 }),
        fc.nat(20),
        (servers, exclude, assignments) => {
          const ids = servers.map((_, i) => i + 1);
          const t = setup(ids);
          servers.forEach((server, i) => {
            const session = t.up(i + 1, server.load);
            if (!server.healthy) t.registry.disconnect(i + 1, session);
          });
          const healthy = ids.filter((_, i) => servers[i]?.healthy);
          const allowed = healthy.filter((id) => !exclude.includes(id));
          for (let n = 0; n <= assignments; n++) {
            const result = t.registry.assign(exclude);
            if (healthy.length === 0) {
              expect(result).toMatchObject({ ok: false, code: 'no_servers' });
              return;
            }
            if (!result.ok) throw new Error(result.code);
            expect(healthy).toContain(result.value.serverId);
            if (allowed.length > 0) expect(allowed).toContain(result.value.serverId);
            expect(result.value.servers.map((s) => s.id).sort((a, b) => a - b)).toEqual(healthy);
          }
        },
      ),
    );
  });
});

describe('preferring servers that reach a majority', () => {
  it('skips a server cut off from its peers while a connected one is available', () => {
    const t = setup();
    t.up(1, 0);
    t.up(2, 5);
    t.up(3, 9);
    t.beat(1, 0, { peersUp: [], leaderId: 2 }); // isolated: least loaded, but cannot commit
    t.beat(2, 5, { peersUp: [1, 3], leaderId: 2 });
    t.beat(3, 9, { peersUp: [2], leaderId: 2 });
    expect(t.assignId()).toBe(2);
    expect(t.assignId([2])).toBe(3);
  });

  it('skips a server that knows no leader (in an election, or cut off one way)', () => {
    const t = setup();
    t.up(1, 0);
    t.up(2, 5);
    t.up(3, 9);
    t.beat(1, 0, { peersUp: [2, 3], leaderId: null, role: 'candidate' });
    t.beat(2, 5, { peersUp: [1, 3], leaderId: 2, role: 'leader' });
    t.beat(3, 9, { peersUp: [1, 2], leaderId: 2 });
    expect(t.assignId()).toBe(2);
  });

  it('never assigns nor lists a recovering server, and says so when only recovering ones are left', () => {
    const t = setup();
    t.up(1, 5);
    t.up(2, 9);
    t.up(3, 0);
    const recovery = { incarnation: 1_700_000_000_000, answered: [1], needed: 2, target: null };
    t.beat(3, 0, { role: 'recovering', peersUp: [1, 2], leaderId: 1, recovery });
    for (let i = 0; i < 4; i++) expect(t.assignId()).not.toBe(3);
    expect(t.assignId([1, 2])).not.toBe(3); // not even as the last resort
    const result = t.registry.assign();
    expect(result.ok && result.value.servers.map((s) => s.id).sort()).toEqual([1, 2]);
    const shown = t.registry.status().servers.find((s) => s.id === 3);
    expect(shown).toMatchObject({ healthy: true, role: 'recovering', recovery });
    assertMatches(ClusterStatus, { balancerId: 'b', ...t.registry.status() });
    t.advance(2_000); // 1 and 2 miss their heartbeats; 3 still beats
    t.beat(3, 0, { role: 'recovering', peersUp: [], leaderId: null, recovery });
    const none = t.registry.assign();
    expect(none).toMatchObject({
      ok: false,
      code: 'no_servers',
      message: expect.stringMatching(/recovering/),
    });
    t.beat(3, 0, { role: 'follower', peersUp: [1, 2], leaderId: 1 }); // recovered
    expect(t.assignId()).toBe(3);
    expect(t.registry.status().servers.find((s) => s.id === 3)).not.toHaveProperty('recovery');
  });

  it('counts only configured peers, and not the server itself', () => {
    const t = setup([1, 2, 3, 4, 5]);
    for (const id of [1, 2, 3, 4, 5]) t.up(id, 0);
    t.beat(1, 0, { peersUp: [1, 9, 8, 2], leaderId: 2 }); // itself + 2 => 2 of 5: not a majority
    for (const id of [2, 3, 4, 5])
      t.beat(id, 3, { peersUp: [1, 2, 3, 4, 5].filter((p) => p !== id), leaderId: 2 });
    expect(t.assignId()).toBe(2);
  });

  it('falls back to plain least-loaded when nobody reports a majority', () => {
    const t = setup();
    t.up(1, 4);
    t.up(2, 1);
    t.up(3, 6);
    expect(t.assignId()).toBe(2);
  });

  it('lets an explicit exclude win over the preference', () => {
    const t = setup();
    t.up(1, 0);
    t.up(2, 0);
    t.beat(1, 0, { peersUp: [2] });
    t.beat(2, 0, { peersUp: [] });
    expect(t.assignId([1])).toBe(2);
  });
});

describe('leaving rotation', () => {
  it('drops a server the moment its connection closes', () => {
    const t = setup();
    const s1 = t.up(1, 0);
    t.up(2, 5);
    expect(t.registry.disconnect(1, s1)).toBe(true);
    expect(t.registry.isHealthy(1)).toBe(false);
    expect(t.assignId()).toBe(2);
  });

  it('drops a server silent for longer than deadAfterMs, and takes it back when it speaks again', () => {
    const t = setup([1, 2, 3], 1_000);
    t.up(1, 0);
    t.up(2, 5);
    t.up(3, 5);
    t.advance(600);
    t.beat(2, 5);
    t.beat(3, 5);
    t.advance(400); // server 1 silent for exactly 1000 ms: still in
    expect(t.registry.isHealthy(1)).toBe(true);
    t.advance(1);
    expect(t.registry.isHealthy(1)).toBe(false);
    expect(t.registry.healthyIds()).toEqual([2, 3]);
    expect(t.assignId()).toBe(2);
    expect(t.beat(1, 0)).toBe(true);
    expect(t.registry.isHealthy(1)).toBe(true);
    expect(t.assignId()).toBe(1);
  });

  it('counts a registration as being heard from', () => {
    const t = setup([1], 1_000);
    t.registry.register(1, 'ws://a');
    t.advance(1_000);
    expect(t.registry.isHealthy(1)).toBe(true);
    t.advance(1);
    expect(t.registry.isHealthy(1)).toBe(false);
  });

  it('reports joins and leaves since the previous sweep', () => {
    const t = setup();
    t.up(1);
    t.up(2);
    expect(t.registry.sweep()).toEqual({ joined: [1, 2], left: [] });
    expect(t.registry.sweep()).toEqual({ joined: [], left: [] });
    t.advance(500);
    t.beat(2, 0);
    t.advance(501);
    expect(t.registry.sweep()).toEqual({ joined: [], left: [1] });
  });
});

describe('re-registration', () => {
  it('supersedes the previous session: its heartbeats and its close are ignored', () => {
    const t = setup();
    const old = t.up(1, 3);
    const fresh = t.registry.register(1, 'ws://127.0.0.1:9999/ws');
    expect(fresh).not.toBe(old);
    expect(t.registry.heartbeat(1, old, report(0))).toBe(false);
    expect(t.registry.disconnect(1, old)).toBe(false);
    expect(t.registry.isHealthy(1)).toBe(true);
    expect(t.registry.heartbeat(1, fresh, report(1))).toBe(true);
    expect(t.registry.status().servers[0]).toMatchObject({ id: 1, url: 'ws://127.0.0.1:9999/ws', load: 1 });
  });

  it('brings a disconnected server back', () => {
    const t = setup();
    const s = t.up(1, 0);
    t.registry.disconnect(1, s);
    expect(t.registry.isHealthy(1)).toBe(false);
    t.up(1, 0);
    expect(t.registry.isHealthy(1)).toBe(true);
  });
});

describe('status', () => {
  it('describes every configured server and matches the ClusterStatus schema', () => {
    const t = setup([1, 2, 3]);
    t.up(1, 4);
    t.beat(1, 4, { role: 'leader', leaderId: 1, ballot: { round: 3, node: 1 }, committed: 9, peersUp: [2] });
    const s2 = t.up(2, 1);
    t.beat(2, 1, { leaderId: 1, ballot: { round: 3, node: 1 }, committed: 8, applied: 8 });
    t.advance(250);
    t.registry.disconnect(2, s2);
    const status = t.registry.status();
    assertMatches(ClusterStatus, { balancerId: 'b', ...status });
    expect(status).toMatchObject({ ready: true, size: 3, leaderId: 1 });
    expect(status.servers).toEqual([
      {
        id: 1,
        url: 'ws://127.0.0.1:7001/ws',
        healthy: true,
        load: 4,
        role: 'leader',
        leaderId: 1,
        ballot: { round: 3, node: 1 },
        committed: 9,
        applied: 0,
        snapshot: 0,
        peersUp: [2],
        lastSeenMs: 250,
      },
      {
        id: 2,
        url: 'ws://127.0.0.1:7002/ws',
        healthy: false,
        load: 0,
        role: 'unknown',
        leaderId: null,
        ballot: { round: 3, node: 1 },
        committed: 8,
        applied: 8,
        snapshot: 0,
        peersUp: [],
        lastSeenMs: 250,
      },
      {
        id: 3,
        url: null,
        healthy: false,
        load: 0,
        role: 'unknown',
        leaderId: null,
        ballot: { round: 0, node: 0 },
        committed: 0,
        applied: 0,
        snapshot: 0,
        peersUp: [],
        lastSeenMs: null,
      },
    ]);
  });

  it('shows role unknown between registration and the first heartbeat', () => {
    const t = setup();
    t.registry.register(1, 'ws://a');
    expect(t.registry.status().servers[0]).toMatchObject({ healthy: true, role: 'unknown', lastSeenMs: 0 });
  });

  it('takes the leader only from healthy servers', () => {
    const t = setup();
    t.up(1);
    t.beat(1, 0, { role: 'leader', leaderId: 1, ballot: { round: 2, node: 1 } });
    const s2 = t.up(2);
    t.beat(2, 0, { role: 'leader', leaderId: 2, ballot: { round: 5, node: 2 } });
    expect(t.registry.leaderId()).toBe(2); // one vote each: the higher ballot wins
    t.registry.disconnect(2, s2);
    expect(t.registry.leaderId()).toBe(1);
  });
});
