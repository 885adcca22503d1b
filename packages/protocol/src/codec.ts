import type { Static, TObject, TUnion } from '@sinclair/typebox';
import { type TypeCheck, TypeCompiler } from '@sinclair/typebox/compiler';
import type { DecodeResult, ProtocolError } from './errors.js';

/**
 * What a frame may arrive as: text, bytes, or the fragments `ws` hands over. (Any other
 * typed-array view is read as bytes too; anything else decodes to `malformed_frame`.)
 */
export type RawFrame = string | Uint8Array | ArrayBuffer | readonly Uint8Array[];

/**
 * Strict UTF-8: invalid byte sequences are a `malformed_frame`, never silently replaced. The BOM
 * is kept (and then refused by the JSON parser) so that a frame means the same whether it
 * arrives as text or as bytes.
 */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * UTF-8 byte length of a string, exactly as TextEncoder (and `ws`) would encode it, without
 * encoding it. A lone surrogate counts 3 bytes: encoders replace it with U+FFFD.
 */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) continue;
    if (unit < 0x800) {
      bytes += 1;
      continue;
    }
    if (unit <= 0xdbff && unit >= 0xd800 && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 2; // a surrogate pair: two code units, one 4-byte character
        i++;
        continue;
      }
    }
    bytes += 2; // a 3-byte character, or a lone surrogate (encoded as U+FFFD)
  }
  return bytes;
}

function isArrayBuffer(raw: unknown): raw is ArrayBuffer {
  return raw instanceof ArrayBuffer || Object.prototype.toString.call(raw) === '[object ArrayBuffer]';
}

/** The byte parts of a binary frame, or null when `raw` is not a frame at all. */
function partsOf(raw: unknown): Uint8Array[] | null {
  if (raw instanceof Uint8Array) return [raw];
  if (ArrayBuffer.isView(raw)) return [new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength)];
  if (isArrayBuffer(raw)) return [new Uint8Array(raw)];
  if (!Array.isArray(raw)) return null;
  const parts: Uint8Array[] = [];
  for (const part of raw as unknown[]) {
    if (part instanceof Uint8Array) parts.push(part);
    else if (ArrayBuffer.isView(part))
      parts.push(new Uint8Array(part.buffer, part.byteOffset, part.byteLength));
    else if (isArrayBuffer(part)) parts.push(new Uint8Array(part));
    else return null;
  }
  return parts;
}

function join(parts: readonly Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
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
    if (checkers.has(literal)) throw new Error(`two union members with ${key} "${literal}"`);
    checkers.set(literal, TypeCompiler.Compile(member));
  }
  const kinds = [...checkers.keys()];

  function checkUnsafe(value: unknown): DecodeResult<Static<U>> {
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

  function check(value: unknown): DecodeResult<Static<U>> {
    try {
      return checkUnsafe(value);
    } catch {
      // Only a hostile in-process value (a throwing getter, a revoked Proxy) gets here, never JSON.
      return fail('invalid_message', 'The value cannot be inspected.');
    }
  }

  const tooLarge = () => fail('frame_too_large', `Frames are limited to ${options.maxBytes} bytes.`);

  function decode(raw: RawFrame): DecodeResult<Static<U>> {
    const max = options.maxBytes;
    let text: string;
    if (typeof raw === 'string') {
      // A UTF-16 code unit is at most 3 UTF-8 bytes: count only when the answer is not obvious.
      if (raw.length > max || (raw.length * 3 > max && utf8Length(raw) > max)) return tooLarge();
      text = raw;
    } else {
      const parts = partsOf(raw);
      if (parts === null) return fail('malformed_frame', 'A frame must be text or bytes.');
      let total = 0;
      for (const part of parts) total += part.byteLength;
      if (total > max) return tooLarge();
      try {
        text = utf8.decode(join(parts, total));
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
