import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * Whether an `Authorization` header carries the admin token, in time independent of where the
 * two first differ: a plain `===` stops at the first differing character, which lets a guesser
 * find the token one character at a time from response times. Comparing SHA-256 digests makes the
 * inputs equal in length (timingSafeEqual requires it) without revealing the token's length.
 */
export function adminAuthorized(token: string | null, authorization: string | undefined): boolean {
  if (token === null || authorization === undefined) return false;
  return timingSafeEqual(digest(authorization), digest(`Bearer ${token}`));
}
