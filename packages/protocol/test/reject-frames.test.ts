import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Codec, createCodec, utf8Length } from '../src/index.js';
import { anyChar } from './support/arbitrary.js';
import { anyMessage, CODECS, type CodecCase } from './support/codecs.js';

/**
 * Frames that never reach the schema: not JSON or cut short (`malformed_frame`), not UTF-8
 * (`malformed_frame`), or over the codec's byte limit (`frame_too_large`), whether they arrive as
 * a string, as bytes or as fragments.
 */

const encoder = new TextEncoder();

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function isUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Byte sequences that are never valid UTF-8, wherever they stand. */
const INVALID_UTF8: readonly (readonly number[])[] = [
  [0xff],
  [0xfe],
  [0x80], // a continuation byte alone
  [0xc0, 0x80], // overlong NUL
  [0xc1, 0xbf], // overlong
  [0xe0, 0x80, 0x80], // overlong
  [0xed, 0xa0, 0x80], // an encoded surrogate (U+D800)
  [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
  [0xf5, 0x80, 0x80, 0x80],
  [0xe2, 0x82], // a 3-byte character cut short...
  [0xf0, 0x9f, 0x98], // ...and a 4-byte one
];

function splice(bytes: Uint8Array, at: number, insert: readonly number[]): Uint8Array {
  const out = new Uint8Array(bytes.length + insert.length);
  out.set(bytes.subarray(0, at), 0);
  out.set(insert, at);
  out.set(bytes.subarray(at), at + insert.length);
  return out;
}

/** Characters of every UTF-8 width, and lone surrogates (which encoders write as 3 bytes). */
const wideChar = fc.constantFrom('a', '~', 'é', 'ß', '€', '中', '\uffff', '😀', '𝄞', '\ud800', 'x\udfff');

const fixed = (c: CodecCase) => ({ head: `{"${c.key}":"${c.codec.kinds[0]}","pad":"`, tail: '"}' });

/** A frame of exactly `size` UTF-8 bytes, padded with ASCII and ending on `last`. */
function exactFrame(c: CodecCase, size: number, last: string, chunk = 'x'): { text: string; size: number } {
  const { head, tail } = fixed(c);
  // `pad` is `chunk` repeated, topped up with ASCII, and ends on `last`, so that a multi-byte
  // character straddles the limit whenever the size puts it there.
  const room = size - utf8Length(head) - utf8Length(tail) - utf8Length(last);
  const chunkBytes = utf8Length(chunk);
  const copies = Math.floor(room / chunkBytes);
  return { text: head + chunk.repeat(copies) + 'x'.repeat(room - copies * chunkBytes) + last + tail, size };
}

/** Frames of `limit - spread` to `limit + spread` bytes, built from characters of every width. */
function frameNearLimit(
  c: CodecCase,
  limit: number,
  spread = 4,
): fc.Arbitrary<{ text: string; size: number }> {
  return fc
    .tuple(
      fc.array(wideChar, { minLength: 1, maxLength: 16 }),
      wideChar,
      fc.integer({ min: -spread, max: spread }),
    )
    .map(([chunk, last, offset]) => exactFrame(c, limit + offset, last, chunk.join('')));
}

/** Over the limit: frame_too_large, as text, bytes or fragments; within: parsed (`pad` is invalid). */
function expectSizeVerdict(codec: Codec<unknown>, text: string, size: number): void {
  const bytes = encoder.encode(text);
  expect(bytes.byteLength).toBe(size);
  expect(utf8Length(text)).toBe(size);
  const half = bytes.byteLength >> 1;
  for (const frame of [text, bytes, [bytes.subarray(0, half), bytes.subarray(half)]]) {
    const result = codec.decode(frame);
    expect(result).toMatchObject({
      ok: false,
      error: { code: size > codec.maxBytes ? 'frame_too_large' : 'invalid_message' },
    });
  }
}

describe.each(CODECS)('$name', (c) => {
  it('refuses text that is not JSON with malformed_frame', () => {
    const garbage = fc.oneof(
      fc.string().filter((s) => !isJson(s)),
      fc.string({ unit: anyChar }).filter((s) => !isJson(s)),
      fc.constantFrom(
        '',
        ' ',
        '{',
        '}',
        "{'type':'ping'}",
        '{type:"ping"}',
        '{"type":"ping",}',
        '{"type":"ping"}}',
        'undefined',
        'NaN',
        'Infinity',
        '[1,]',
        '"unterminated',
        '{"a":01}',
        '\ufeff{}',
        '{"type":"ping"}\u0000',
        '// comment\n{}',
      ),
    );
    fc.assert(
      fc.property(garbage, (text) => {
        const expected = { ok: false, error: { code: 'malformed_frame' } };
        expect(c.codec.decode(text)).toMatchObject(expected);
        expect(c.codec.decode(encoder.encode(text))).toMatchObject(expected);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses every truncation of a valid frame with malformed_frame', () => {
    fc.assert(
      fc.property(
        anyMessage(c).chain((m) => {
          const frame = c.codec.encode(m);
          return fc.tuple(fc.constant(frame), fc.nat({ max: frame.length - 1 }));
        }),
        ([frame, cut]) => {
          const truncated = frame.slice(0, cut);
          expect(c.codec.decode(truncated)).toMatchObject({ ok: false, error: { code: 'malformed_frame' } });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses bytes that are not UTF-8 with malformed_frame', () => {
    const corrupted = anyMessage(c).chain((m) => {
      const bytes = encoder.encode(c.codec.encode(m));
      return fc
        .tuple(fc.nat({ max: bytes.length }), fc.constantFrom(...INVALID_UTF8))
        .map(([at, insert]) => splice(bytes, at, insert));
    });
    const random = fc.uint8Array({ minLength: 1, maxLength: 64 }).filter((b) => !isUtf8(b));
    fc.assert(
      fc.property(fc.oneof(corrupted, random), fc.nat(), (bytes, cut) => {
        const expected = { ok: false, error: { code: 'malformed_frame' } };
        expect(c.codec.decode(bytes)).toMatchObject(expected);
        const at = cut % (bytes.length + 1);
        expect(c.codec.decode([bytes.subarray(0, at), bytes.subarray(at)])).toMatchObject(expected);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses frames over the limit with frame_too_large, and takes frames at the limit', () => {
    // The size logic is the same for every limit: try it hard on a small copy of this codec,
    // then on the real limit for a few frames (8 MiB frames are slow to build).
    const small = createCodec(c.union, { maxBytes: 3000, discriminator: c.key });
    fc.assert(
      fc.property(frameNearLimit(c, small.maxBytes), ({ text, size }) =>
        expectSizeVerdict(small, text, size),
      ),
      { numRuns: 300 },
    );
    expect(c.codec.maxBytes).toBe(c.maxBytes);
    if (c.maxBytes <= 1 << 16) {
      fc.assert(
        fc.property(frameNearLimit(c, c.maxBytes), ({ text, size }) =>
          expectSizeVerdict(c.codec, text, size),
        ),
        { numRuns: 50 },
      );
    } else {
      // A frame of exactly 8 MiB ending on a 4-byte character takes ~0.3 s to check three ways.
      const { text, size } = exactFrame(c, c.maxBytes, '😀', 'é€');
      expectSizeVerdict(c.codec, text, size);
    }
  });

  it('measures a string frame in UTF-8 bytes, not in UTF-16 code units', () => {
    // Fewer code units than the limit, more bytes: '€' is one unit and three bytes.
    const text = '€'.repeat(Math.floor(c.maxBytes / 3) + 1);
    expect(text.length).toBeLessThan(c.maxBytes);
    expect(c.codec.decode(text)).toMatchObject({ error: { code: 'frame_too_large' } });
    expect(c.codec.decode('\ud800'.repeat(Math.floor(c.maxBytes / 3) + 1))).toMatchObject({
      error: { code: 'frame_too_large' },
    });
    expect(c.codec.decode('x'.repeat(c.maxBytes + 1))).toMatchObject({ error: { code: 'frame_too_large' } });
    // Fragments are measured together, before they are joined.
    const part = new Uint8Array(Math.ceil(c.maxBytes / 2) + 1);
    expect(c.codec.decode([part, part])).toMatchObject({ error: { code: 'frame_too_large' } });
  });
});
