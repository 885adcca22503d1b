import { describe, expect, it } from 'vitest';
import { HOUR, Replica, T0, TestClient, tokenHash } from './helpers.js';

function registered(): { replica: Replica; ann: TestClient; clock: { now: number } } {
  const clock = { now: T0 };
  const replica = new Replica();
  const ann = new TestClient('ann', 'client-ann', clock);
  replica.one(ann.register());
  return { replica, ann, clock };
}

describe('open_session', () => {
  it('stores tokenHash -> user until expiresAt', () => {
    const { replica, ann } = registered();
    const effect = replica.one(ann.openSession('t1', T0 + HOUR));
    expect(effect).toMatchObject({
      ok: true,
      result: { op: 'open_session', user: 'ann', displayName: 'ann', expiresAt: T0 + HOUR },
    });
    expect(replica.state.sessionUser(tokenHash('t1'), T0)).toBe('ann');
    expect(replica.state.session(tokenHash('t1'), T0)).toEqual({ user: 'ann', expiresAt: T0 + HOUR });
    expect(replica.state.sessionUser(tokenHash('t1'), T0 + HOUR - 1)).toBe('ann');
    expect(replica.state.sessionUser(tokenHash('t1'), T0 + HOUR)).toBeNull();
    expect(replica.state.sessionUser(tokenHash('other'), T0)).toBeNull();
  });

  it('refuses an unknown user with auth_failed', () => {
    const replica = new Replica();
    const effect = replica.one(new TestClient('ghost').openSession('t1', T0 + HOUR));
    expect(effect).toMatchObject({ ok: false, code: 'auth_failed' });
    expect(replica.state.sessionUser(tokenHash('t1'), T0)).toBeNull();
  });

  it('refuses a token hash that belongs to another user', () => {
    const { replica, ann } = registered();
    const bob = new TestClient('bob');
    replica.run(bob.register(), ann.openSession('t1', T0 + HOUR));
    const effect = replica.one(bob.openSession('t1', T0 + HOUR));
    expect(effect).toMatchObject({ ok: false, code: 'forbidden' });
    expect(replica.state.sessionUser(tokenHash('t1'), T0)).toBe('ann');
  });
});

describe('close_session', () => {
  it('revokes the token', () => {
    const { replica, ann } = registered();
    replica.one(ann.openSession('t1', T0 + HOUR));
    const effect = replica.one(ann.closeSession('t1'));
    expect(effect).toMatchObject({ ok: true, result: { op: 'close_session', revoked: true } });
    expect(effect.endedSessions).toEqual([tokenHash('t1')]);
    expect(replica.state.sessionUser(tokenHash('t1'), T0)).toBeNull();
  });

  it("refuses to close another user's session", () => {
    const { replica, ann } = registered();
    const mal = new TestClient('mal', 'client-mal', ann.clock);
    replica.one(mal.register());
    replica.one(ann.openSession('t1', T0 + HOUR));
    const effect = replica.one(mal.closeSession('t1'));
    expect(effect).toMatchObject({ ok: false, code: 'forbidden', endedSessions: [] });
    expect(replica.state.sessionUser(tokenHash('t1'), T0)).toBe('ann');
  });

  it('is idempotent: closing an unknown token succeeds with revoked false', () => {
    const { replica, ann } = registered();
    expect(replica.one(ann.closeSession('nope'))).toMatchObject({ ok: true, result: { revoked: false } });
  });
});

describe('expired session sweep', () => {
  it('drops sessions that expired once the replicated clock enters a new hour', () => {
    const { replica, ann, clock } = registered();
    replica.run(ann.openSession('short', T0 + 10), ann.openSession('long', T0 + 10 * HOUR));
    expect(replica.state.stats().sessions).toBe(2);
    clock.now = T0 + 2 * HOUR;
    // One command can move the clock by at most an hour; two commands reach T0 + 2h.
    const effects = replica.run(ann.setDisplayName('x'), ann.setDisplayName('y'));
    expect(effects.flatMap((e) => e.endedSessions)).toEqual([tokenHash('short')]);
    expect(replica.state.clock).toBe(T0 + 2 * HOUR);
    expect(replica.state.stats().sessions).toBe(1);
    expect(replica.state.sessionUser(tokenHash('long'), clock.now)).toBe('ann');
  });
});
