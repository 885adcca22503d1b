import type { Command } from '@quorum/protocol';
import { canonicalJson } from './canonical.js';

/**
 * FNV-1a, 64-bit, over the UTF-8 bytes of the text fed to it. Pure JavaScript (no node:crypto,
 * no BigInt). The state is a high 32-bit half (an int32) and a low half kept as two 16-bit
 * limbs, so that every product is exact in small integers: multiplying by the FNV prime
 * 2^40 + 0x1b3 modulo 2^64 is `low * 0x1b3` (limb by limb, with the carry into the high half)
 * plus `high * 0x1b3 + low * 2^8` modulo 2^32 for the high half. ASCII is mixed inline on
 * locals: a snapshot is hashed at ~1.6 ns per byte. Not cryptographic: it detects divergence
 * between replicas and corruption of a snapshot, not an attacker.
 */
export class Fnv64 {
  // Offset basis 0xcbf29ce484222325.
  #hi = 0xcbf29ce4 | 0;
  #midLimb = 0x8422;
  #lowLimb = 0x2325;

  /** Mixes one byte (0..255) in. */
  byte(value: number): this {
    const ll = this.#lowLimb ^ (value & 0xff);
    const lh = this.#midLimb;
    const pl = ll * 0x1b3;
    const ph = lh * 0x1b3 + (pl >>> 16);
    this.#hi = (Math.imul(this.#hi, 0x1b3) + (((lh << 16) | ll) << 8) + (ph >>> 16)) | 0;
    this.#lowLimb = pl & 0xffff;
    this.#midLimb = ph & 0xffff;
    return this;
  }

  /** Mixes the UTF-8 encoding of `text` in (a lone surrogate is encoded as its 3-byte form). */
  text(text: string): this {
    let hi = this.#hi;
    let lh = this.#midLimb;
    let ll = this.#lowLimb;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code < 0x80) {
        ll ^= code;
        const pl = ll * 0x1b3;
        const ph = lh * 0x1b3 + (pl >>> 16);
        hi = (Math.imul(hi, 0x1b3) + (((lh << 16) | ll) << 8) + (ph >>> 16)) | 0;
        ll = pl & 0xffff;
        lh = ph & 0xffff;
        continue;
      }
      this.#hi = hi;
      this.#midLimb = lh;
      this.#lowLimb = ll;
      i = this.#multibyte(text, i);
      hi = this.#hi;
      lh = this.#midLimb;
      ll = this.#lowLimb;
    }
    this.#hi = hi;
    this.#midLimb = lh;
    this.#lowLimb = ll;
    return this;
  }

  /** Mixes the non-ASCII code point at `i`; returns the index of its last code unit. */
  #multibyte(text: string, i: number): number {
    let code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
        i++;
      }
    }
    if (code < 0x800) {
      this.byte(0xc0 | (code >> 6)).byte(0x80 | (code & 0x3f));
    } else if (code < 0x10000) {
      this.byte(0xe0 | (code >> 12))
        .byte(0x80 | ((code >> 6) & 0x3f))
        .byte(0x80 | (code & 0x3f));
    } else {
      this.byte(0xf0 | (code >> 18))
        .byte(0x80 | ((code >> 12) & 0x3f))
        .byte(0x80 | ((code >> 6) & 0x3f))
        .byte(0x80 | (code & 0x3f));
    }
    return i;
  }

  /** The current value as 16 lower-case hex digits. */
  hex(): string {
    return (
      (this.#hi >>> 0).toString(16).padStart(8, '0') +
      this.#midLimb.toString(16).padStart(4, '0') +
      this.#lowLimb.toString(16).padStart(4, '0')
    );
  }
}

/** FNV-1a 64 of a string's UTF-8 bytes, as 16 hex digits. */
export function fnv1a64(text: string): string {
  return new Fnv64().text(text).hex();
}

/** The digest of an empty history: FNV-1a 64 of the empty string. */
export const GENESIS_DIGEST = fnv1a64('');

/**
 * One link of the applied-history chain: `H(previous || "|" || slot || "|" || canonical command)`.
 *
 * Every command of every applied slot is chained, duplicates and rejected commands included, so
 * two replicas that applied the same log have the same digest. Exported so that a checker (the
 * simulator) can recompute the chain from a log without a state machine.
 */
export function chainDigest(previous: string, slot: number, command: Command): string {
  return new Fnv64().text(previous).text(`|${slot}|`).text(canonicalJson(command)).hex();
}
