import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createRegistrationVerifier,
  macMatches,
  NonceCache,
  type RegistrationClaim,
  registrationMac,
} from '../src/auth.js';

const SECRET = 'correct horse battery staple';
const NOW = 1_700_000_000_000;

function claim(overrides: Partial<RegistrationClaim> = {}, secret = SECRET): RegistrationClaim {
  const base = {
    id: 1,
    url: 'ws://127.0.0.1:7001/ws',
    ts: NOW,
    nonce: 'nonce-0123456789abcdef',
    ...overrides,
  };
  return { ...base, mac: overrides.mac ?? registrationMac(secret, base) };
}

function verifier(now = () => NOW, maxNonces?: number) {
  return createRegistrationVerifier({
    secret: SECRET,
    isConfigured: (id) => id >= 1 && id <= 3,
    wallNow: now,
    ...(maxNonces === undefined ? {} : { maxNonces }),
  });
}

describe('registration MAC', () => {
  it('is HMAC-SHA256 over the documented payload, in hex', () => {
    const expected = createHmac('sha256', SECRET)
      .update('quorum-register|1|ws://127.0.0.1:7001/ws|1700000000000|nonce-0123456789abcdef')
      .digest('hex');
    expect(claim().mac).toBe(expected);
    expect(macMatches(SECRET, claim())).toBe(true);
  });

  it('fails for another secret, a changed field, or a malformed MAC', () => {
    expect(macMatches(SECRET, claim({}, 'wrong secret'))).toBe(false);
    expect(macMatches(SECRET, { ...claim(), url: 'ws://evil.example/ws' })).toBe(false);
    expect(macMatches(SECRET, { ...claim(), id: 2 })).toBe(false);
    expect(macMatches(SECRET, { ...claim(), mac: 'ab' })).toBe(false);
    expect(macMatches(SECRET, { ...claim(), mac: 'zz'.repeat(32) })).toBe(false);
    expect(macMatches(SECRET, { ...claim(), mac: claim().mac.toUpperCase() })).toBe(false);
  });

  it('never accepts a MAC made with a different secret (property)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (other) => {
        fc.pre(other !== SECRET);
        expect(macMatches(SECRET, claim({}, other))).toBe(false);
      }),
    );
  });
});

describe('registration verifier', () => {
  it('accepts a fresh, correctly signed registration of a configured server', () => {
    expect(verifier().verify(claim())).toEqual({ ok: true });
  });

  it('refuses an id outside the configuration first', () => {
    expect(verifier().verify(claim({ id: 9 }, 'wrong'))).toMatchObject({ ok: false, code: 'unknown_server' });
  });

  it('refuses a wrong secret', () => {
    expect(verifier().verify(claim({}, 'wrong'))).toMatchObject({ ok: false, code: 'bad_secret' });
  });

  it('refuses timestamps more than 30 s away, either way', () => {
    const v = verifier();
    expect(v.verify(claim({ ts: NOW - 30_001, nonce: 'a'.repeat(16) }))).toMatchObject({
      code: 'stale_registration',
    });
    expect(v.verify(claim({ ts: NOW + 30_001, nonce: 'b'.repeat(16) }))).toMatchObject({
      code: 'stale_registration',
    });
    expect(v.verify(claim({ ts: NOW - 30_000, nonce: 'c'.repeat(16) }))).toEqual({ ok: true });
    expect(v.verify(claim({ ts: NOW + 30_000, nonce: 'd'.repeat(16) }))).toEqual({ ok: true });
  });

  it('refuses a nonce it has seen, but not one only seen in a refused attempt', () => {
    const v = verifier();
    expect(v.verify(claim({}, 'wrong'))).toMatchObject({ code: 'bad_secret' });
    expect(v.verify(claim())).toEqual({ ok: true });
    expect(v.verify(claim())).toMatchObject({ ok: false, code: 'replayed' });
    expect(v.verify(claim({ nonce: 'another-nonce-0000' }))).toEqual({ ok: true });
  });

  it('keeps refusing a replay for as long as its timestamp could pass', () => {
    let now = NOW;
    const v = verifier(() => now);
    expect(v.verify(claim())).toEqual({ ok: true });
    now = NOW + 30_000;
    expect(v.verify(claim())).toMatchObject({ code: 'replayed' });
    now = NOW + 30_001;
    expect(v.verify(claim())).toMatchObject({ code: 'stale_registration' });
  });

  it('never puts the secret in a refusal message', () => {
    const v = verifier();
    for (const c of [claim({ id: 9 }), claim({}, 'x'), claim({ ts: 0 }), claim(), claim()]) {
      const verdict = v.verify(c);
      if (!verdict.ok) expect(verdict.message).not.toContain(SECRET);
    }
  });

  it('refuses an empty secret at construction', () => {
    expect(() =>
      createRegistrationVerifier({ secret: '', isConfigured: () => true, wallNow: () => NOW }),
    ).toThrow(/secret/);
  });
});

describe('NonceCache', () => {
  it('forgets entries after their retention time', () => {
    const cache = new NonceCache(1_000);
    expect(cache.remember('a', 0)).toBe(true);
    expect(cache.remember('a', 999)).toBe(false);
    expect(cache.remember('a', 1_000)).toBe(true);
  });

  it('never holds more than its bound, dropping the oldest', () => {
    const cache = new NonceCache(60_000, 3);
    for (const key of ['a', 'b', 'c', 'd']) expect(cache.remember(key, 0)).toBe(true);
    expect(cache.size).toBe(3);
    expect(cache.remember('d', 1)).toBe(false);
    expect(cache.remember('a', 1)).toBe(true); // evicted, so no longer known
  });
});
