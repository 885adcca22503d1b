import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { PeerAuth } from '@quorum/protocol';

/** How far a peer's handshake clock may be off ours before we refuse it (also bounds replay). */
export const PEER_AUTH_SKEW_MS = 30_000;

/**
 * The dialling server's cluster id (see cluster-identity.ts), sent with the other handshake
 * headers and covered by the MAC. Empty: a recovering server that has not learned it yet.
 */
export const CLUSTER_ID_HEADER = 'x-quorum-cluster-id';

/** A peer handshake: the protocol's fields and the cluster id ('' for none). */
export interface ClusterPeerAuth extends PeerAuth {
  readonly clusterId: string;
}

export function peerMac(
  secret: string,
  from: number,
  to: number,
  ts: number,
  nonce: string,
  clusterId: string,
): string {
  return createHmac('sha256', secret)
    .update(`quorum-peer|${from}|${to}|${ts}|${nonce}|${clusterId}`)
    .digest('hex');
}

export function signPeerAuth(
  secret: string,
  from: number,
  to: number,
  now: number,
  clusterId = '',
): ClusterPeerAuth {
  const nonce = randomBytes(18).toString('base64url');
  return { from, to, ts: now, nonce, clusterId, mac: peerMac(secret, from, to, now, nonce, clusterId) };
}

/**
 * Remembers nonces seen within the skew window so a captured handshake cannot be replayed.
 * Bounded: entries older than the window are dropped, and past `max` the oldest go first.
 */
export class NonceCache {
  private readonly seen = new Map<string, number>();
  constructor(private readonly max = 10_000) {}

  /** True if the nonce is fresh (and records it); false if it was seen before. */
  admit(nonce: string, now: number): boolean {
    for (const [n, at] of this.seen) {
      if (now - at <= 2 * PEER_AUTH_SKEW_MS && this.seen.size < this.max) break;
      this.seen.delete(n);
    }
    if (this.seen.has(nonce)) return false;
    this.seen.set(nonce, now);
    return true;
  }
}

export type PeerAuthVerdict = { ok: true } | { ok: false; reason: string };

/**
 * Checks a handshake's id, freshness, MAC (over the cluster id too) and nonce. Whether its
 * cluster id is acceptable is the caller's next question (ClusterIdentity.admit), asked only once
 * the MAC proved who presents it.
 */
export function verifyPeerAuth(
  auth: ClusterPeerAuth,
  options: { secret: string; self: number; members: readonly number[]; now: number; nonces: NonceCache },
): PeerAuthVerdict {
  if (auth.to !== options.self) return { ok: false, reason: 'handshake addressed to another replica' };
  if (auth.from === options.self || !options.members.includes(auth.from)) {
    return { ok: false, reason: 'unknown peer id' };
  }
  if (Math.abs(options.now - auth.ts) > PEER_AUTH_SKEW_MS) return { ok: false, reason: 'stale handshake' };
  const expected = Buffer.from(
    peerMac(options.secret, auth.from, auth.to, auth.ts, auth.nonce, auth.clusterId),
    'hex',
  );
  const given = Buffer.from(auth.mac, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'bad cluster secret' };
  }
  if (!options.nonces.admit(auth.nonce, options.now)) return { ok: false, reason: 'replayed handshake' };
  return { ok: true };
}
