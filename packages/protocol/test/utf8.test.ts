import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { utf8Length } from '../src/index.js';
import { anyChar } from './support/arbitrary.js';

/** `utf8Length` is exactly what TextEncoder (and `ws`) put on the wire, lone surrogates included. */

const encoder = new TextEncoder();
const encodedLength = (text: string) => encoder.encode(text).byteLength;

/** Code units of every kind, lone and paired surrogates mixed in any order. */
const codeUnit = fc.oneof(
  fc.integer({ min: 0, max: 0x7f }),
  fc.integer({ min: 0x80, max: 0x7ff }),
  fc.integer({ min: 0x800, max: 0xd7ff }),
  fc.integer({ min: 0xd800, max: 0xdbff }), // high surrogates
  fc.integer({ min: 0xdc00, max: 0xdfff }), // low surrogates
  fc.integer({ min: 0xe000, max: 0xffff }),
);

describe('utf8Length', () => {
  it('counts like TextEncoder on known strings', () => {
    const cases: [string, number][] = [
      ['', 0],
      ['a', 1],
      ['\u007f', 1],
      ['\u0080', 2],
      ['é', 2],
      ['\u07ff', 2],
      ['\u0800', 3],
      ['€', 3],
      ['\uffff', 3],
      ['😀', 4],
      ['\ud800', 3], // lone high surrogate -> U+FFFD
      ['\udc00', 3], // lone low surrogate -> U+FFFD
      ['\udc00\ud800', 6], // the wrong order: two lone surrogates
      ['\ud800\ud800\udc00', 7], // a lone one, then a pair
      ['a\ud83d', 4], // a high surrogate at the very end
      ['\ude00a', 4],
    ];
    for (const [text, bytes] of cases) {
      expect(utf8Length(text), JSON.stringify(text)).toBe(bytes);
      expect(encodedLength(text)).toBe(bytes);
    }
  });

  it('matches TextEncoder on arbitrary strings', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: anyChar, maxLength: 200 }),
          fc.string({ unit: 'grapheme-composite', maxLength: 100 }),
          fc.array(codeUnit, { maxLength: 200 }).map((units) => String.fromCharCode(...units)),
        ),
        (text) => {
          expect(utf8Length(text)).toBe(encodedLength(text));
        },
      ),
      { numRuns: 1000 },
    );
  });
});
