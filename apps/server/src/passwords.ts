import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { type Algorithm, hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2';

/**
 * Passwords are hashed with argon2id at OWASP's first recommended setting (m=19 MiB, t=2, p=1),
 * by the server that receives the request — never inside the replicated apply, which must be
 * cheap and deterministic. On the 2-core build machine one hash costs ~19 ms and 19 MiB on
 * libuv's thread pool; scrypt at OWASP's N=2^17 cost ~700 ms and 128 MiB, which a login storm
 * on two cores cannot afford. The encoded form (PHC string) carries its parameters, so old
 * hashes keep verifying: scrypt ones from before (N=2^14) and argon2id ones with other settings;
 * `needsRehash` tells the login path to store a new hash once it knows the password.
 */
const ARGON2ID = 2 as Algorithm; // Algorithm is a const enum, which isolated modules cannot read
const MEMORY_KIB = 19_456;
const TIME_COST = 2;
const PARALLELISM = 1;
const ARGON2_OPTIONS = {
  algorithm: ARGON2ID,
  memoryCost: MEMORY_KIB,
  timeCost: TIME_COST,
  parallelism: PARALLELISM,
  outputLen: 32,
} as const;
/** What every hash made with today's parameters starts with; anything else is rehashed. */
const CURRENT_PREFIX = `$argon2id$v=19$m=${MEMORY_KIB},t=${TIME_COST},p=${PARALLELISM}$`;

/**
 * Verified against when a login names an unknown user, so that the answer takes as long as for
 * a real one (same algorithm, same parameters). No password matches it: its key is all zeroes.
 */
export const DUMMY_PASSWORD_HASH = `${CURRENT_PREFIX}${'A'.repeat(22)}$${'A'.repeat(43)}`;

export function hashPassword(password: string): Promise<string> {
  return argon2Hash(password.normalize('NFC'), ARGON2_OPTIONS);
}

export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  if (encoded.startsWith('$argon2')) {
    // A malformed stored hash is a wrong password, never an exception on the login path.
    return argon2Verify(encoded, password.normalize('NFC')).catch(() => false);
  }
  if (encoded.startsWith('scrypt$')) return verifyScrypt(password, encoded);
  return false;
}

/**
 * True when `encoded` was not made with today's algorithm and parameters (an scrypt hash from
 * before argon2id, or argon2 with other settings): after a successful login the caller hashes
 * the password again and stores the new hash.
 */
export function needsRehash(encoded: string): boolean {
  return !encoded.startsWith(CURRENT_PREFIX);
}

// ---- scrypt: hashes stored before argon2id (`scrypt$N$r$p$salt$key`) still verify ------------

const SCRYPT_KEY_BYTES = 32;
/** The most an old hash may ask for: N=2^17 with r=8 needs 128 MiB. */
const SCRYPT_MAXMEM = 160 * 1024 * 1024;

function verifyScrypt(password: string, encoded: string): Promise<boolean> {
  const parts = encoded.split('$');
  if (parts.length !== 6) return Promise.resolve(false);
  const [, n, r, p, salt, key] = parts as [string, string, string, string, string, string];
  const expected = Buffer.from(key, 'base64url');
  return new Promise((resolve) => {
    try {
      scrypt(
        password.normalize('NFC'),
        Buffer.from(salt, 'base64url'),
        SCRYPT_KEY_BYTES,
        { N: Number(n), r: Number(r), p: Number(p), maxmem: SCRYPT_MAXMEM },
        (error, actual) =>
          resolve(!error && actual.length === expected.length && timingSafeEqual(actual, expected)),
      );
    } catch {
      resolve(false); // parameters scrypt refuses outright (N not a power of two, ...)
    }
  });
}

/** A session token: 32 random bytes, base64url (43 characters). Only its hash enters the log. */
export function newSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
