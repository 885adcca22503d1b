import { Value } from '@sinclair/typebox/value';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MIN_PASSWORD_LENGTH } from '../src/index.js';
import { anyChar, arbitraryOf } from './support/arbitrary.js';
import { anyMessage, CODECS, kindOf, membersOf } from './support/codecs.js';
import { apply, type Mutation, mutationOf, pointer } from './support/mutate.js';

/**
 * Well-formed JSON that is not a valid message: unknown kinds are `unknown_type`, everything else
 * (wrong field types, missing or extra fields, out-of-range numbers, overlong strings, wrong
 * top-level values) is `invalid_message`, with a JSON pointer to the offending field.
 */

const PROTOTYPE_NAMES = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  'isPrototypeOf',
  '__defineGetter__',
  '__lookupSetter__',
];

function targetOf(mutation: Mutation): string {
  return mutation.kind === 'extra' ? pointer([...mutation.path, mutation.key]) : pointer(mutation.path);
}

/** Whether one JSON pointer is the other, or an ancestor of it. */
function related(a: string, b: string): boolean {
  const [short, long] = a.length <= b.length ? [a, b] : [b, a];
  return short === long || long.startsWith(`${short}/`) || short === '';
}

describe.each(CODECS)('$name', (c) => {
  it('refuses every single-field mutation of a valid message with invalid_message', () => {
    const members = new Map(membersOf(c));
    const cases = fc.oneof(
      ...membersOf(c).map(([, member]) =>
        arbitraryOf(member).chain((message) =>
          mutationOf(member, message, c.key).map((mutation) => ({
            kind: kindOf(member, c.key),
            message,
            mutation,
          })),
        ),
      ),
    );
    fc.assert(
      fc.property(cases, ({ kind, message, mutation }) => {
        const member = members.get(kind)!;
        const mutated = apply(message, mutation);
        // A mutation may by chance yield another valid value (e.g. a nested `op` swapped for a
        // twin): that is no counterexample.
        fc.pre(!Value.Check(member, mutated));
        const result = c.codec.decode(JSON.stringify(mutated));
        expect(result.ok).toBe(false);
        if (result.ok) return;
        expect(result.error.code).toBe('invalid_message');
        // The pointer leads to the mutated field, one of its ancestors or one of its descendants.
        expect(related(targetOf(mutation), result.error.path ?? '?')).toBe(true);
        expect(c.codec.check(JSON.parse(JSON.stringify(mutated)))).toStrictEqual(result);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses an unknown kind with unknown_type, prototype names included, and pollutes nothing', () => {
    const before = Object.getOwnPropertyNames(Object.prototype).sort();
    const unknownKind = fc.oneof(
      fc.constantFrom(...PROTOTYPE_NAMES, '', 'HELLO', 'ping ', ' ping', 'hello\u0000'),
      fc.string({ maxLength: 100 }),
      fc.string({ unit: anyChar, maxLength: 100 }),
    );
    fc.assert(
      fc.property(
        anyMessage(c),
        unknownKind.filter((k) => !c.codec.kinds.includes(k)),
        (message, kind) => {
          const frame = JSON.stringify({ ...message, [c.key]: kind });
          const result = c.codec.decode(frame);
          expect(result).toMatchObject({ ok: false, error: { code: 'unknown_type', path: `/${c.key}` } });
          expect(result.ok || result.error.message.length <= 100).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses prototype-pollution payloads without polluting', () => {
    const payloads = fc.constantFrom(
      '"__proto__":{"polluted":true}',
      '"constructor":{"prototype":{"polluted":true}}',
      '"__proto__":null',
      '"prototype":{"polluted":true}',
    );
    fc.assert(
      fc.property(anyMessage(c), payloads, fc.boolean(), (message, payload, first) => {
        const frame = c.codec.encode(message);
        const polluted = first ? `{${payload},${frame.slice(1)}` : `${frame.slice(0, -1)},${payload}}`;
        const key = payload.slice(1, payload.indexOf('"', 1));
        expect(c.codec.decode(polluted)).toMatchObject({
          ok: false,
          error: { code: 'invalid_message', path: `/${key}` },
        });
      }),
      { numRuns: 50 },
    );
    const kind = c.codec.kinds[0]!;
    // The discriminator only counts as an own property, never through a prototype.
    expect(c.codec.decode(`{"__proto__":{"${c.key}":"${kind}","polluted":true}}`)).toMatchObject({
      error: { code: 'invalid_message', path: `/${c.key}` },
    });
    expect(c.codec.decode(`{"${c.key}":{"__proto__":"${kind}"}}`)).toMatchObject({
      error: { code: 'invalid_message', path: `/${c.key}` },
    });
    expect(c.codec.decode(`{"${c.key}":"__proto__","polluted":true}`)).toMatchObject({
      error: { code: 'unknown_type' },
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('refuses JSON that is not an object, or has no string discriminator, with invalid_message', () => {
    const notAnObject = fc.oneof(
      fc.jsonValue().filter((v) => typeof v !== 'object' || v === null || Array.isArray(v)),
      fc.array(anyMessage(c), { minLength: 1, maxLength: 3 }),
      fc.constantFrom(null, 0, -1, 1.5, true, false, '', 'hello', [], [{}]),
    );
    const noDiscriminator = fc.oneof(
      fc
        .dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }))
        .filter((o) => !Object.hasOwn(o, c.key)),
      anyMessage(c).chain((m) =>
        fc
          .oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string()), fc.object())
          .map((k) => ({ ...m, [c.key]: k })),
      ),
    );
    fc.assert(
      fc.property(fc.oneof(notAnObject, noDiscriminator), (value) => {
        const result = c.codec.decode(JSON.stringify(value));
        expect(result).toMatchObject({ ok: false, error: { code: 'invalid_message' } });
        expect(c.codec.check(value)).toStrictEqual(result);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses huge and deeply nested values in place of a field with invalid_message', () => {
    const depth = Math.floor((Math.min(c.maxBytes, 1 << 20) - 200) / 2);
    const kind = c.codec.kinds[0]!;
    const nest = (open: string, close: string, inner: string, n: number) =>
      open.repeat(n) + inner + close.repeat(n);
    const frames = [
      nest('[', ']', '', depth),
      nest('{"a":', '}', '1', Math.floor(depth / 3)),
      `{"${c.key}":"${kind}","deep":${nest('[', ']', '', depth - 50)}}`,
      `{"${c.key}":"${kind}","deep":${nest('{"a":', '}', 'null', Math.floor(depth / 3) - 50)}}`,
      `{"${c.key}":"${kind}","huge":[${'0,'.repeat(depth - 60)}0]}`,
      `{"${c.key}":"${kind}","huge":"${'x'.repeat(2 * depth - 100)}"}`,
    ];
    for (const frame of frames) {
      expect(frame.length).toBeLessThanOrEqual(c.maxBytes);
      expect(c.codec.decode(frame)).toMatchObject({ ok: false, error: { code: 'invalid_message' } });
    }
  });
});

describe('specific limits', () => {
  const client = CODECS.find((c) => c.name === 'clientToServer')!;
  const peer = CODECS.find((c) => c.name === 'peerMessages')!;
  const decode = (value: unknown) => client.codec.decode(JSON.stringify(value));
  const send = { type: 'send', rid: 1, room: 'lobby', clientId: 'client-1', seq: 1, text: 'hi' };

  it('takes lengths in UTF-16 code units, inclusive', () => {
    expect(decode({ ...send, text: 'x'.repeat(4000) }).ok).toBe(true);
    expect(decode({ ...send, text: '😀'.repeat(2000) }).ok).toBe(true);
    expect(decode({ ...send, text: 'x'.repeat(4001) })).toMatchObject({ error: { path: '/text' } });
    expect(decode({ ...send, text: '😀'.repeat(2000) + 'x' })).toMatchObject({ error: { path: '/text' } });
    expect(decode({ ...send, text: '' })).toMatchObject({
      error: { code: 'invalid_message', path: '/text' },
    });
    expect(decode({ ...send, room: 'r'.repeat(64) }).ok).toBe(true);
    expect(decode({ ...send, room: 'r'.repeat(65) })).toMatchObject({ error: { path: '/room' } });
    expect(decode({ ...send, clientId: 'c'.repeat(7) })).toMatchObject({ error: { path: '/clientId' } });
  });

  it('refuses control characters in text, display names and emoji, but not tab and newline in text', () => {
    expect(decode({ ...send, text: 'line one\nline\ttwo' }).ok).toBe(true);
    for (const bad of ['\u001b[2J', 'a\rb', 'a\u0000', '\u0007', 'a\u007f', '\u009b31m', '\u0085']) {
      expect(decode({ ...send, text: bad })).toMatchObject({
        error: { code: 'invalid_message', path: '/text' },
      });
      expect(decode({ type: 'set_display_name', rid: 1, displayName: bad }).ok).toBe(false);
    }
    expect(decode({ type: 'set_display_name', rid: 1, displayName: 'Ada Lovelace 🚀' }).ok).toBe(true);
    expect(decode({ type: 'set_display_name', rid: 1, displayName: 'a\nb' }).ok).toBe(false);
    const react = { type: 'react', rid: 1, room: 'r', clientId: 'client-1', seq: 2, position: 1, on: true };
    expect(decode({ ...react, emoji: '👍🏽' }).ok).toBe(true);
    expect(decode({ ...react, emoji: '\t' }).ok).toBe(false);
  });

  it('asks a new password for MIN_PASSWORD_LENGTH characters, and takes any to log in', () => {
    const register = { type: 'register', rid: 1, user: 'ada' };
    expect(decode({ ...register, password: 'x'.repeat(MIN_PASSWORD_LENGTH) }).ok).toBe(true);
    expect(decode({ ...register, password: 'x'.repeat(MIN_PASSWORD_LENGTH - 1) })).toMatchObject({
      error: { code: 'invalid_message', path: '/password' },
    });
    expect(decode({ type: 'login', rid: 1, user: 'ada', password: 'x' }).ok).toBe(true);
    expect(decode({ type: 'login', rid: 1, user: 'ada', password: '' }).ok).toBe(false);
  });

  it('takes integers only, within their bounds', () => {
    expect(decode({ ...send, seq: Number.MAX_SAFE_INTEGER }).ok).toBe(true);
    expect(decode({ type: 'ping', rid: 2 ** 31 - 1 }).ok).toBe(true);
    expect(client.codec.decode('{"type":"ping","rid":1.0}').ok).toBe(true); // JSON has one number type
    for (const bad of [0, -1, 1.5, 2 ** 53, 1e300]) {
      expect(decode({ ...send, seq: bad })).toMatchObject({
        error: { code: 'invalid_message', path: '/seq' },
      });
    }
    for (const bad of [-1, 2 ** 31, 0.5, '1']) {
      expect(decode({ type: 'ping', rid: bad })).toMatchObject({
        error: { code: 'invalid_message', path: '/rid' },
      });
    }
    expect(client.codec.decode('{"type":"ping","rid":1e400}')).toMatchObject({ error: { path: '/rid' } });
    expect(decode({ type: 'hello', version: 65536 })).toMatchObject({ error: { path: '/version' } });
  });

  it('caps arrays at their maxItems', () => {
    const entry = { slot: 1, value: { commands: [] } };
    const accept = { type: 'accept', from: 1, ballot: { round: 1, node: 1 }, committed: 0 };
    const encode = (n: number) =>
      JSON.stringify({ ...accept, entries: Array.from({ length: n }, () => entry) });
    expect(peer.codec.decode(encode(1024)).ok).toBe(true);
    expect(peer.codec.decode(encode(1025))).toMatchObject({
      error: { code: 'invalid_message', path: '/entries' },
    });
  });
});
