import { describe, expect, it } from 'vitest';
import { Replica, TestClient } from './helpers.js';

describe('register', () => {
  it('stores the user and the given password hash, display name defaults to the user name', () => {
    const replica = new Replica();
    const ann = new TestClient('ann');
    const effect = replica.one(ann.register('argon2id$abc'));
    expect(effect).toMatchObject({
      ok: true,
      dedup: 'new',
      result: { op: 'register', user: 'ann' },
      events: [],
    });
    expect(replica.state.userExists('ann')).toBe(true);
    expect(replica.state.passwordHashOf('ann')).toBe('argon2id$abc');
    expect(replica.state.displayName('ann')).toBe('ann');
  });

  it('refuses a taken name with user_exists and keeps the first hash', () => {
    const replica = new Replica();
    replica.one(new TestClient('ann', 'client-one').register('first'));
    const effect = replica.one(new TestClient('ann', 'client-two').register('second'));
    expect(effect).toMatchObject({ ok: false, code: 'user_exists' });
    expect(replica.state.passwordHashOf('ann')).toBe('first');
  });

  it('answers null for unknown users', () => {
    const replica = new Replica();
    expect(replica.state.userExists('nobody')).toBe(false);
    expect(replica.state.passwordHashOf('nobody')).toBeNull();
    expect(replica.state.displayName('nobody')).toBeNull();
  });
});

describe('set_display_name', () => {
  it('changes the display name and emits a display_name event', () => {
    const replica = new Replica();
    const ann = new TestClient('ann');
    replica.one(ann.register());
    const effect = replica.one(ann.setDisplayName('Ann Lee'));
    expect(effect).toMatchObject({
      ok: true,
      result: { op: 'set_display_name', user: 'ann', displayName: 'Ann Lee', changed: true },
      events: [{ type: 'display_name', user: 'ann', displayName: 'Ann Lee' }],
    });
    expect(replica.state.displayName('ann')).toBe('Ann Lee');
  });

  it('setting the same name again succeeds without an event', () => {
    const replica = new Replica();
    const ann = new TestClient('ann');
    replica.run(ann.register(), ann.setDisplayName('A'));
    const effect = replica.one(ann.setDisplayName('A'));
    expect(effect).toMatchObject({ ok: true, result: { changed: false }, events: [] });
  });

  it('refuses an unknown user with not_authenticated', () => {
    const replica = new Replica();
    const effect = replica.one(new TestClient('ghost').setDisplayName('Boo'));
    expect(effect).toMatchObject({ ok: false, code: 'not_authenticated', events: [] });
  });
});

describe('set_password_hash', () => {
  it("replaces the user's own stored hash, and only an existing user's", () => {
    const replica = new Replica();
    const ann = new TestClient('ann');
    replica.one(ann.register('scrypt$old'));
    const upgrade = {
      op: 'set_password_hash' as const,
      ...ann.meta(),
      user: 'ann',
      passwordHash: '$argon2id$new',
    };
    expect(replica.one(upgrade)).toMatchObject({
      ok: true,
      result: { op: 'set_password_hash', user: 'ann' },
    });
    expect(replica.state.passwordHashOf('ann')).toBe('$argon2id$new');
    const ghost = new TestClient('ghost');
    const nobody = { op: 'set_password_hash' as const, ...ghost.meta(), user: 'ghost', passwordHash: 'x' };
    expect(replica.one(nobody)).toMatchObject({ ok: false, code: 'not_authenticated' });
    expect(replica.state.userExists('ghost')).toBe(false);
  });
});
