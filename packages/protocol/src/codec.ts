import type { Static, TObject, TUnion } from '@sinclair/typebox';
import { type TypeCheck, TypeCompiler } from '@sinclair/typebox/compiler';
import type { DecodeResult, ProtocolError } from './errors.js';

/** What a frame may arrive as: text, bytes, or the fragments `ws` hands over. */
export type RawFrame = string | Uint8Array | ArrayBuffer | readonly Uint8Array[];

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** UTF-8 byte length of a string without allocating when the answer is obvious. */
export function utf8Length(text: string): number {
  // Every non-ASCII code unit costs 2 or 3 bytes; count them without encoding.
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0x800 && (unit < 0xd800 || unit > 0xdfff)) bytes += 2;
    else if (unit >= 0x80) bytes += 1; // 2-byte chars, and each half of a surrogate pair (4 bytes total)
  }
  return bytes;
}

function bytesOf(raw: Exclude<RawFrame, string>): Uint8Array {
  if (raw instanceof Uint8Array) return raw;
  if (raw instanceof ArrayBuffer) return new Uint8Array(raw);
  const total = raw.reduce((n, part) => n + part.byteLength, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of raw) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

function fail(code: ProtocolError['code'], message: string, path?: string): DecodeResult<never> {
  return { ok: false, error: path === undefined ? { code, message } : { code, message, path } };
}

/**
 * A codec for one discriminated union of message objects. Decoding checks the size, parses,
 * dispatches on the discriminator and validates against that one member's compiled schema:
 * it returns a typed value or a typed error and never throws on any input.
 */
export interface Codec<T> {
  readonly maxBytes: number;
  /** The discriminator values this codec knows, e.g. every `type`. */
  readonly kinds: readonly string[];
  decode(raw: RawFrame): DecodeResult<T>;
  /** Validate an already-parsed value (HTTP bodies, nested values). */
  check(value: unknown): DecodeResult<T>;
  encode(message: T): string;
}

export function createCodec<U extends TUnion<TObject[]>>(
  union: U,
  options: { maxBytes: number; discriminator?: string },
): Codec<Static<U>> {
  const key = options.discriminator ?? 'type';
  const checkers = new Map<string, TypeCheck<TObject>>();
  for (const member of union.anyOf) {
    const literal = (member.properties[key] as { const?: unknown } | undefined)?.const;
    if (typeof literal !== 'string') throw new Error(`union member without a literal "${key}"`);
    checkers.set(literal, TypeCompiler.Compile(member));
  }
  const kinds = [...checkers.keys()];

  function check(value: unknown): DecodeResult<Static<U>> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return fail('invalid_message', 'A message must be a JSON object.');
    }
    const kind = (value as Record<string, unknown>)[key];
    if (typeof kind !== 'string') return fail('invalid_message', `Missing "${key}".`, `/${key}`);
    const checker = checkers.get(kind);
    if (checker === undefined) {
      return fail('unknown_type', `Unknown ${key} "${kind.slice(0, 64)}".`, `/${key}`);
    }
    if (checker.Check(value)) return { ok: true, value: value as Static<U> };
    const first = checker.Errors(value).First();
    return fail(
      'invalid_message',
      first ? `${first.path || '/'}: ${first.message}` : 'The message does not match its schema.',
      first?.path ?? '',
    );
  }

  function decode(raw: RawFrame): DecodeResult<Static<U>> {
    let text: string;
    if (typeof raw === 'string') {
      if (raw.length > options.maxBytes || utf8Length(raw) > options.maxBytes) {
        return fail('frame_too_large', `Frames are limited to ${options.maxBytes} bytes.`);
      }
      text = raw;
    } else {
      const bytes = bytesOf(raw);
      if (bytes.byteLength > options.maxBytes) {
        return fail('frame_too_large', `Frames are limited to ${options.maxBytes} bytes.`);
      }
      try {
        text = utf8.decode(bytes);
      } catch {
        return fail('malformed_frame', 'The frame is not valid UTF-8.');
      }
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return fail('malformed_frame', 'The frame is not valid JSON.');
    }
    return check(parsed);
  }

  return {
    maxBytes: options.maxBytes,
    kinds,
    decode,
    check,
    encode: (message) => JSON.stringify(message),
  };
}
