import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Server registration authentication. A server proves it knows the cluster secret with
 * `mac = HMAC-SHA256(secret, "quorum-register|id|url|ts|nonce")` (hex); the secret never
 * crosses the wire. `ts` bounds how long a captured frame stays usable and the nonce cache
 * refuses a second use inside that window. Nothing here logs, and no error message echoes
 * the secret or the expected MAC.
 */

export type RegistrationRefusal = 'unknown_server' | 'bad_secret' | 'stale_registration' | 'replayed';

export interface RegistrationClaim {
  readonly id: number;
  readonly url: string;
  readonly ts: number;
  readonly nonce: string;
  readonly mac: string;
}

export const DEFAULT_MAX_CLOCK_SKEW_MS = 30_000;

export function registrationPayload(claim: Omit<RegistrationClaim, 'mac'>): string {
  return `quorum-register|${claim.id}|${claim.url}|${claim.ts}|${claim.nonce}`;
}

/** The MAC a server sends; exported for servers' tests and the balancer's own. */
export function registrationMac(secret: string, claim: Omit<RegistrationClaim, 'mac'>): string {
  return createHmac('sha256', secret).update(registrationPayload(claim)).digest('hex');
}

/** Constant-time comparison of a presented hex MAC against the expected one. */
export function macMatches(secret: string, claim: RegistrationClaim): boolean {
  const expected = createHmac('sha256', secret).update(registrationPayload(claim)).digest();
  if (!/^[0-9a-f]{64}$/.test(claim.mac)) return false;
  const presented = Buffer.from(claim.mac, 'hex');
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

/**
 * Nonces seen recently, each remembered until its registration could no longer pass the
 * timestamp check anyway, and never more than `maxEntries` at once (oldest dropped first).
 * Only registrations that passed the MAC check are recorded, so filling it needs the secret.
 */
export class NonceCache {
  private readonly expiries = new Map<string, number>();

  constructor(
    private readonly retainMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  get size(): number {
    return this.expiries.size;
  }

  /** Records `key`; returns false if it was already present (a replay). */
  remember(key: string, now: number): boolean {
    this.expire(now);
    if (this.expiries.has(key)) return false;
    this.expiries.set(key, now + this.retainMs);
    while (this.expiries.size > this.maxEntries) {
      const oldest = this.expiries.keys().next();
      if (oldest.done) break;
      this.expiries.delete(oldest.value);
    }
    return true;
  }

  private expire(now: number): void {
    // Insertion order is expiry order (retainMs is fixed and the wall clock mostly moves forward).
    for (const [key, expiry] of this.expiries) {
      if (expiry > now) break;
      this.expiries.delete(key);
    }
  }
}

export interface RegistrationVerifier {
  verify(claim: RegistrationClaim): { ok: true } | { ok: false; code: RegistrationRefusal; message: string };
}

export interface VerifierOptions {
  readonly secret: string;
  readonly isConfigured: (id: number) => boolean;
  /** Wall-clock milliseconds since the epoch (servers stamp `ts` with theirs). */
  readonly wallNow: () => number;
  readonly maxClockSkewMs?: number;
  readonly maxNonces?: number;
}

/** Checks in order: configured id, MAC, timestamp window, nonce reuse. */
export function createRegistrationVerifier(options: VerifierOptions): RegistrationVerifier {
  if (options.secret.length === 0) throw new Error('the cluster secret must not be empty');
  const skew = options.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS;
  // A nonce must be remembered for as long as a frame carrying it could still pass the ts check.
  const nonces = new NonceCache(2 * skew + 1_000, options.maxNonces);
  return {
    verify(claim) {
      if (!options.isConfigured(claim.id)) {
        return {
          ok: false,
          code: 'unknown_server',
          message: `Server id ${claim.id} is not in this cluster.`,
        };
      }
      if (!macMatches(options.secret, claim)) {
        return {
          ok: false,
          code: 'bad_secret',
          message: 'The registration MAC does not match the cluster secret.',
        };
      }
      const now = options.wallNow();
      if (Math.abs(now - claim.ts) > skew) {
        return {
          ok: false,
          code: 'stale_registration',
          message: `The registration timestamp is more than ${skew} ms away from the balancer's clock.`,
        };
      }
      if (!nonces.remember(`${claim.id}|${claim.nonce}`, now)) {
        return { ok: false, code: 'replayed', message: 'This registration nonce was already used.' };
      }
      return { ok: true };
    },
  };
}
