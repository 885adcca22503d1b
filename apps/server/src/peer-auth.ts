import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { PeerAuth } from '@quorum/protocol';

/** How far a peer's handshake clock may be off ours before we refuse it (also bounds replay). */
export const PEER_AUTH_SKEW_MS = 30_000;

export function peerMac(secret: string, from: number, to: number, ts: number, nonce: string): string {
  return createHmac('sha256', secret).update(`quorum-peer|${from}|${to}|${ts}|${nonce}`).digest('hex');
}

export function signPeerAuth(secret: string, from: number, to: number, now: number): PeerAuth {
  const nonce = randomBytes(18).toString('base64url');
  return { from, to, ts: now, nonce, mac: peerMac(secret, from, to, now, nonce) };
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

export function verifyPeerAuth(
  auth: PeerAuth,
  options: { secret: string; self: number; members: readonly number[]; now: number; nonces: NonceCache },
): PeerAuthVerdict {
  if (auth.to !== options.self) return { ok: false, reason: 'handshake addressed to another replica' };
  if (auth.from === options.self || !options.members.includes(auth.from)) {
    return { ok: false, reason: 'unknown peer id' };
  }
  if (Math.abs(options.now - auth.ts) > PEER_AUTH_SKEW_MS) return { ok: false, reason: 'stale handshake' };
  const expected = Buffer.from(peerMac(options.secret, auth.from, auth.to, auth.ts, auth.nonce), 'hex');
  const given = Buffer.from(auth.mac, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'bad cluster secret' };
  }
  if (!options.nonces.admit(auth.nonce, options.now)) return { ok: false, reason: 'replayed handshake' };
  return { ok: true };
}
