import { describe, expect, it } from 'vitest';
import { NonceCache, PEER_AUTH_SKEW_MS, signPeerAuth, verifyPeerAuth } from '../src/peer-auth.js';

const options = (now: number, nonces = new NonceCache()) => ({
  secret: 's3cret',
  self: 2,
  members: [1, 2, 3],
  now,
  nonces,
});

describe('peer handshake', () => {
  it('admits a peer holding the secret with an id from the configuration', () => {
    expect(verifyPeerAuth(signPeerAuth('s3cret', 1, 2, 1000), options(1000))).toEqual({ ok: true });
  });

  it('refuses a wrong secret, an unknown id, a handshake meant for another replica, a stale one, and a replay', () => {
    expect(verifyPeerAuth(signPeerAuth('wrong', 1, 2, 1000), options(1000))).toMatchObject({
      reason: 'bad cluster secret',
    });
    expect(verifyPeerAuth(signPeerAuth('s3cret', 9, 2, 1000), options(1000))).toMatchObject({
      reason: 'unknown peer id',
    });
    expect(verifyPeerAuth(signPeerAuth('s3cret', 1, 3, 1000), options(1000))).toMatchObject({ ok: false });
    const late = 1000 + PEER_AUTH_SKEW_MS + 1;
    expect(verifyPeerAuth(signPeerAuth('s3cret', 1, 2, 1000), options(late))).toMatchObject({
      reason: 'stale handshake',
    });
    const nonces = new NonceCache();
    const auth = signPeerAuth('s3cret', 1, 2, 1000);
    expect(verifyPeerAuth(auth, options(1000, nonces))).toEqual({ ok: true });
    expect(verifyPeerAuth(auth, options(1001, nonces))).toMatchObject({ reason: 'replayed handshake' });
  });

  it('keeps the nonce cache bounded', () => {
    const cache = new NonceCache(100);
    for (let i = 0; i < 1000; i++) cache.admit(`nonce-${i}`, 0);
    expect((cache as unknown as { seen: Map<string, number> }).seen.size).toBeLessThanOrEqual(100);
  });
});
