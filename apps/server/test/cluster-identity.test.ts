import { describe, expect, it } from 'vitest';
import { ClusterIdentity, legacyClusterId } from '../src/cluster-identity.js';
import { NonceCache, signPeerAuth, verifyPeerAuth } from '../src/peer-auth.js';
import { isClusterId } from '../src/storage/index.js';

describe('cluster identity at the peer handshake', () => {
  it('a server with a cluster id admits its own cluster and recovering peers, and refuses another cluster', () => {
    const identity = new ClusterIdentity('cluster-a');
    expect(identity.presented()).toBe('cluster-a');
    expect(identity.admit('cluster-a')).toEqual({ ok: true, learned: false });
    expect(identity.admit('')).toEqual({ ok: true, learned: false }); // recovering, id not learned yet
    expect(identity.admit('cluster-b')).toEqual({
      ok: false,
      reason: 'cluster id mismatch: this server belongs to cluster cluster-a, the peer to cluster cluster-b',
    });
    expect(identity.id).toBe('cluster-a');
    expect(identity.persisted).toBe(true);
  });

  it('a recovering server pins the first id an authenticated peer presents, and refuses any other after it', () => {
    const identity = new ClusterIdentity(null);
    expect(identity.presented()).toBe('');
    expect(identity.admit('')).toEqual({ ok: true, learned: false });
    expect(identity.id).toBeNull();
    expect(identity.admit('cluster-a')).toEqual({ ok: true, learned: true });
    expect(identity.presented()).toBe('cluster-a');
    expect(identity.persisted).toBe(false);
    expect(identity.admit('cluster-a')).toEqual({ ok: true, learned: false });
    expect(identity.admit('cluster-b')).toMatchObject({ ok: false });
    identity.markPersisted();
    expect(identity.persisted).toBe(true);
  });

  it('the MAC covers the cluster id', () => {
    const options = { secret: 's3cret', self: 2, members: [1, 2, 3], now: 1000, nonces: new NonceCache() };
    const auth = signPeerAuth('s3cret', 1, 2, 1000, 'cluster-a');
    expect(verifyPeerAuth(auth, options)).toEqual({ ok: true });
    const relabelled = { ...signPeerAuth('s3cret', 1, 2, 1000, 'cluster-a'), clusterId: 'cluster-b' };
    expect(verifyPeerAuth(relabelled, options)).toEqual({ ok: false, reason: 'bad cluster secret' });
  });

  it('a store from before cluster ids derives the same well-formed id on every server from the secret', () => {
    const id = legacyClusterId('the secret');
    expect(isClusterId(id)).toBe(true);
    expect(legacyClusterId('the secret')).toBe(id);
    expect(legacyClusterId('another secret')).not.toBe(id);
  });
});
