import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type DecodeResult, type RawFrame, utf8Length } from '../src/index.js';
import { anyChar } from './support/arbitrary.js';
import { CODECS, membersOf } from './support/codecs.js';

/**
 * `decode` and `check` are total: whatever they are given, they return a result with one of the
 * four decode error codes (or a valid message) and never throw. And a frame means the same
 * whether it arrives as text, as bytes, or in fragments.
 */

const DECODE_CODES = ['frame_too_large', 'malformed_frame', 'unknown_type', 'invalid_message'];
const encoder = new TextEncoder();

function expectWellFormed(result: DecodeResult<unknown>): void {
  expect(typeof result.ok).toBe('boolean');
  if (result.ok) {
    expect(typeof result.value).toBe('object');
    return;
  }
  expect(DECODE_CODES).toContain(result.error.code);
  expect(typeof result.error.message).toBe('string');
  expect(result.error.message.length).toBeLessThanOrEqual(1024);
  if (result.error.path !== undefined)
    expect(result.error.path === '' || result.error.path.startsWith('/')).toBe(true);
}

const anything = fc.anything({
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withSparseArray: true,
  withTypedArray: true,
});

/** Splits bytes at arbitrary points, inside characters too. */
const fragmented = (bytes: Uint8Array) =>
  fc
    .uniqueArray(fc.nat({ max: bytes.length }), { maxLength: 5 })
    .map((cuts) => [0, ...cuts.sort((a, b) => a - b), bytes.length])
    .map((points) => points.slice(1).map((end, i) => bytes.subarray(points[i], end)));

describe.each(CODECS)('$name', (c) => {
  /** Objects that look like messages: a real kind, then real and made-up fields with random values. */
  const nearMessage = fc
    .tuple(
      fc.constantFrom(...c.codec.kinds),
      fc.dictionary(
        fc.oneof(
          fc.constantFrom(
            ...new Set(membersOf(c).flatMap(([, m]) => Object.keys(m.properties))),
            '__proto__',
            'constructor',
          ),
          fc.string({ maxLength: 6 }),
        ),
        fc.jsonValue({ maxDepth: 3 }),
        { maxKeys: 8 },
      ),
    )
    .map(([kind, fields]) => JSON.stringify({ ...fields, [c.key]: kind }));

  it('never throws from decode, whatever it is given', () => {
    const inputs = fc.oneof(
      anything,
      fc.string(),
      fc.string({ unit: anyChar }),
      fc.uint8Array({ maxLength: 200 }),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      nearMessage,
      fc.array(fc.uint8Array({ maxLength: 20 }), { maxLength: 5 }),
      fc.array(anything, { minLength: 1, maxLength: 3 }),
      fc.constantFrom(
        new ArrayBuffer(0),
        new ArrayBuffer(3),
        new DataView(new ArrayBuffer(2)),
        new Uint16Array(3),
      ),
    );
    fc.assert(
      fc.property(inputs, (input) => {
        expectWellFormed(c.codec.decode(input as RawFrame));
      }),
      { numRuns: 500 },
    );
  });

  it('never throws from check, whatever it is given', () => {
    const hostile = [
      new Proxy(
        {},
        {
          get() {
            throw new Error('trap');
          },
        },
      ),
      Object.defineProperty({}, c.key, {
        get() {
          throw new Error('getter');
        },
        enumerable: true,
      }),
      Object.create({ [c.key]: c.codec.kinds[0] }),
    ];
    fc.assert(
      fc.property(fc.oneof(anything, fc.constantFrom(...hostile)), (value) => {
        expectWellFormed(c.codec.check(value));
      }),
      { numRuns: 500 },
    );
  });

  it('decodes text, its UTF-8 bytes and any fragmentation of them alike', () => {
    const texts = fc
      .oneof(
        nearMessage,
        fc.string({ unit: anyChar }),
        fc.jsonValue().map((v) => JSON.stringify(v)),
      )
      .filter(
        (text) => encoder.encode(text).byteLength === utf8Length(text) && !/[\ud800-\udfff]/.test(text),
      );
    fc.assert(
      fc.property(
        texts.chain((text) => fc.tuple(fc.constant(text), fragmented(encoder.encode(text)))),
        ([text, parts]) => {
          const fromText = c.codec.decode(text);
          expect(c.codec.decode(encoder.encode(text))).toStrictEqual(fromText);
          expect(c.codec.decode(parts)).toStrictEqual(fromText);
        },
      ),
      { numRuns: 300 },
    );
  });
});

it('reads any typed-array view as bytes and refuses things that are not frames', () => {
  const codec = CODECS[0]!.codec;
  const bytes = encoder.encode('{"type":"ping","rid":7}');
  const padded = new Uint8Array(bytes.length + 6);
  padded.set(bytes, 3);
  const view = new DataView(padded.buffer, 3, bytes.length);
  const expected = { ok: true, value: { type: 'ping', rid: 7 } };
  expect(codec.decode(padded.subarray(3, 3 + bytes.length))).toStrictEqual(expected);
  expect(codec.decode(view as unknown as RawFrame)).toStrictEqual(expected);
  expect(codec.decode(bytes.buffer as ArrayBuffer)).toStrictEqual(expected);
  expect(codec.decode([bytes.subarray(0, 5), bytes.subarray(5)])).toStrictEqual(expected);
  expect(codec.decode([])).toMatchObject({ error: { code: 'malformed_frame' } });
  for (const notAFrame of [null, undefined, 42, {}, [1, 2], ['{}'], new String('{}'), Symbol('x')]) {
    expect(codec.decode(notAFrame as unknown as RawFrame)).toMatchObject({
      error: { code: 'malformed_frame' },
    });
  }
});
