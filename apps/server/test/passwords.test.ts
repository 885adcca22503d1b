import { randomBytes, scryptSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DUMMY_PASSWORD_HASH, hashPassword, needsRehash, verifyPassword } from '../src/passwords.js';

/** A hash in the format stored before argon2id: `scrypt$N$r$p$salt$key` (N=2^14, r=8, p=1). */
function legacyScryptHash(password: string): string {
  const salt = randomBytes(16);
  const key = scryptSync(password.normalize('NFC'), salt, 32, { N: 16384, r: 8, p: 1, maxmem: 64 << 20 });
  return `scrypt$16384$8$1$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

describe('password hashing', () => {
  it('hashes the NFC form with argon2id at OWASP parameters (m=19 MiB, t=2, p=1), salted', async () => {
    const first = await hashPassword('correct horse battery');
    const second = await hashPassword('correct horse battery');
    expect(first).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(second).not.toBe(first);
    expect(await verifyPassword('correct horse battery', first)).toBe(true);
    expect(await verifyPassword('correct horse batterY', first)).toBe(false);
    // Canonically equal passwords are the same password (NFC), as with scrypt before.
    const accented = await hashPassword('caf\u00e9-password');
    expect(accented.startsWith('$argon2id$')).toBe(true);
    expect(await verifyPassword('cafe\u0301-password', accented)).toBe(true);
  });

  it('still verifies scrypt hashes stored before argon2id, and asks for them to be rehashed', async () => {
    const old = legacyScryptHash('an old password');
    expect(await verifyPassword('an old password', old)).toBe(true);
    expect(await verifyPassword('another password', old)).toBe(false);
    expect(needsRehash(old)).toBe(true);
  });

  it('asks for a rehash of anything not made with the current parameters', async () => {
    expect(needsRehash(await hashPassword('fresh password'))).toBe(false);
    const weaker =
      '$argon2id$v=19$m=4096,t=3,p=1$c29tZXNhbHRzb21lc2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    expect(needsRehash(weaker)).toBe(true);
    expect(needsRehash('$argon2i$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$AAAA')).toBe(true);
    expect(needsRehash('garbage')).toBe(true);
  });

  it('answers false, never throws, for malformed stored hashes', async () => {
    for (const stored of [
      '',
      'garbage',
      '$argon2id$v=19$m=19456,t=2,p=1$!!$!!',
      'scrypt$3$8$1$AAAA$AAAA', // N not a power of two: scrypt refuses it outright
      'scrypt$16384$8$1$AAAA',
    ]) {
      expect(await verifyPassword('whatever-password', stored)).toBe(false);
    }
  });

  it('has a dummy hash for unknown users that uses the current parameters and matches no password', async () => {
    expect(needsRehash(DUMMY_PASSWORD_HASH)).toBe(false);
    expect(await verifyPassword('', DUMMY_PASSWORD_HASH)).toBe(false);
    expect(await verifyPassword('correct horse battery', DUMMY_PASSWORD_HASH)).toBe(false);
  });
});
