import type { Command } from '@quorum/protocol';
import { canonicalJson } from './canonical.js';

/**
 * FNV-1a, 64-bit, over the UTF-8 bytes of the text fed to it. Pure JavaScript (no node:crypto,
 * no BigInt): the 64-bit state is four 16-bit limbs, so every intermediate product stays far
 * below 2^53. Not cryptographic: it detects divergence between replicas and corruption of a
 * snapshot, not an attacker.
 */
export class Fnv64 {
  // Offset basis 0xcbf29ce484222325, least significant limb first.
  #l0 = 0x2325;
  #l1 = 0x8422;
  #l2 = 0x9ce4;
  #l3 = 0xcbf2;

  /** Mixes one byte (0..255) in. */
  byte(value: number): this {
    this.#l0 ^= value & 0xff;
    // Multiply by the FNV prime 2^40 + 0x1b3, modulo 2^64.
    const t0 = this.#l0 * 0x1b3;
    const t1 = this.#l1 * 0x1b3 + (t0 >>> 16);
    const t2 = this.#l2 * 0x1b3 + this.#l0 * 0x100 + (t1 >>> 16);
    const t3 = this.#l3 * 0x1b3 + this.#l1 * 0x100 + (t2 >>> 16);
    this.#l0 = t0 & 0xffff;
    this.#l1 = t1 & 0xffff;
    this.#l2 = t2 & 0xffff;
    this.#l3 = t3 & 0xffff;
    return this;
  }

  /** Mixes the UTF-8 encoding of `text` in (a lone surrogate is encoded as its 3-byte form). */
  text(text: string): this {
    for (let i = 0; i < text.length; i++) {
      let code = text.charCodeAt(i);
      if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
        const low = text.charCodeAt(i + 1);
        if (low >= 0xdc00 && low <= 0xdfff) {
          code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
          i++;
        }
      }
      if (code < 0x80) {
        this.byte(code);
      } else if (code < 0x800) {
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
    }
    return this;
  }

  /** The current value as 16 lower-case hex digits. */
  hex(): string {
    return [this.#l3, this.#l2, this.#l1, this.#l0]
      .map((limb) => limb.toString(16).padStart(4, '0'))
      .join('');
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
