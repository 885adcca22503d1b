import type { Command } from '@quorum/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, chainDigest, Fnv64, fnv1a64, GENESIS_DIGEST } from '../src/index.js';

describe('fnv1a64', () => {
  it('matches the published FNV-1a 64 test vectors', () => {
    expect(fnv1a64('')).toBe('cbf29ce484222325');
    expect(fnv1a64('a')).toBe('af63dc4c8601ec8c');
    expect(fnv1a64('foobar')).toBe('85944171f73967e8');
    expect(GENESIS_DIGEST).toBe('cbf29ce484222325');
  });

  it('hashes the UTF-8 bytes of non-ASCII text', () => {
    const bytes = new Fnv64();
    for (const b of Buffer.from('héllo €𝄞', 'utf8')) bytes.byte(b);
    expect(fnv1a64('héllo €𝄞')).toBe(bytes.hex());
  });

  it('streams: feeding pieces equals feeding the whole', () => {
    expect(new Fnv64().text('foo').text('bar').hex()).toBe(fnv1a64('foobar'));
  });
});

describe('canonicalJson', () => {
  it('sorts object keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, 1], c: 'x' } })).toBe('{"a":{"c":"x","d":[3,1]},"b":1}');
  });

  it('gives the same text whatever the insertion order', () => {
    expect(canonicalJson({ x: 1, y: 2 })).toBe(canonicalJson({ y: 2, x: 1 }));
  });

  it('follows JSON.stringify for undefined and non-finite values', () => {
    expect(canonicalJson({ a: undefined, b: Number.NaN, c: [undefined] })).toBe('{"b":null,"c":[null]}');
  });
});

describe('chainDigest', () => {
  const command: Command = {
    op: 'register',
    clientId: 'client-1',
    seq: 1,
    ts: 5,
    user: 'ann',
    passwordHash: 'h',
  };

  it('depends on the previous digest, the slot and the command', () => {
    const base = chainDigest(GENESIS_DIGEST, 1, command);
    expect(chainDigest(GENESIS_DIGEST, 1, command)).toBe(base);
    expect(chainDigest(fnv1a64('x'), 1, command)).not.toBe(base);
    expect(chainDigest(GENESIS_DIGEST, 2, command)).not.toBe(base);
    expect(chainDigest(GENESIS_DIGEST, 1, { ...command, seq: 2 })).not.toBe(base);
  });

  it('does not depend on the key order of the command object', () => {
    const reordered = JSON.parse(
      '{"user":"ann","passwordHash":"h","ts":5,"seq":1,"op":"register","clientId":"client-1"}',
    ) as Command;
    expect(chainDigest(GENESIS_DIGEST, 1, reordered)).toBe(chainDigest(GENESIS_DIGEST, 1, command));
  });
});

/** The textbook FNV-1a 64 with BigInt: the reference the fast two-half version must match. */
function referenceFnv(bytes: Uint8Array): string {
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h.toString(16).padStart(16, '0');
}

describe('Fnv64 against a BigInt reference', () => {
  it('agrees on every byte value and on random texts', () => {
    for (let b = 0; b < 256; b++) {
      expect(
        new Fnv64()
          .byte(b)
          .byte(255 - b)
          .hex(),
      ).toBe(referenceFnv(Uint8Array.of(b, 255 - b)));
    }
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (text) => {
        expect(fnv1a64(text)).toBe(referenceFnv(new TextEncoder().encode(text)));
      }),
      { numRuns: 300 },
    );
  });
});
