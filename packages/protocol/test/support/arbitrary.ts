import {
  Kind,
  type Static,
  type TArray,
  type TInteger,
  type TLiteral,
  type TObject,
  type TSchema,
  type TString,
  type TUnion,
} from '@sinclair/typebox';
import fc from 'fast-check';
import { CLIENT_ID_PATTERN, LINE_PATTERN, NAME_PATTERN, TEXT_PATTERN } from '../../src/limits.js';

/**
 * Derives a fast-check arbitrary of valid values from a TypeBox schema: objects (with optional
 * properties), literals, unions, strings (lengths in UTF-16 code units, and the handful of
 * patterns the protocol uses), bounded integers, booleans, arrays (with maxItems) and null.
 * Anything else throws, so a new kind of schema cannot silently go untested.
 */

export interface ArbitraryOptions {
  /** Most items generated for an array with a larger (or no) maxItems. */
  readonly maxArray?: number;
}

const HEX = '0123456789abcdef';
const NAME_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';
const CLIENT_ID_CHARS = NAME_CHARS + '.:';
const URL_CHARS = NAME_CHARS + '.:/?=&%';

const chars = (alphabet: string) => fc.constantFrom(...alphabet);

/** One character of any width: ASCII, 2- and 3-byte BMP, astral pairs and lone surrogates. */
export const anyChar: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 1 }), weight: 3 },
  { arbitrary: fc.integer({ min: 0x80, max: 0x7ff }).map((c) => String.fromCharCode(c)), weight: 1 },
  { arbitrary: fc.integer({ min: 0x800, max: 0xffff }).map((c) => String.fromCharCode(c)), weight: 2 },
  { arbitrary: fc.integer({ min: 0x10000, max: 0x10ffff }).map((c) => String.fromCodePoint(c)), weight: 2 },
);

function matching(pattern: string): (c: string) => boolean {
  const re = new RegExp(pattern);
  return (c) => re.test(c);
}

/** The alphabet of a string pattern; `null` for the patterns that are not a plain character class. */
function unitFor(pattern: string | undefined): fc.Arbitrary<string> | null {
  switch (pattern) {
    case undefined:
      return anyChar;
    case NAME_PATTERN:
      return chars(NAME_CHARS);
    case CLIENT_ID_PATTERN:
      return chars(CLIENT_ID_CHARS);
    case '^[0-9a-f]+$':
      return chars(HEX);
    case TEXT_PATTERN:
      return fc.oneof(
        { arbitrary: anyChar.filter(matching(TEXT_PATTERN)), weight: 10 },
        { arbitrary: fc.constantFrom('\n', '\t'), weight: 1 },
      );
    case LINE_PATTERN:
      return anyChar.filter(matching(LINE_PATTERN));
    default:
      return null;
  }
}

function stringArbitrary(schema: TString): fc.Arbitrary<string> {
  const min = schema.minLength ?? 0;
  const max = schema.maxLength ?? 1000;
  const unit = unitFor(schema.pattern);
  if (unit !== null) {
    // Units may be two code units long: cut back to `max` code units (a cut pair leaves a lone
    // surrogate, which every pattern here allows).
    const usual = fc.string({ unit, minLength: min, maxLength: max }).map((s) => s.slice(0, max));
    // Now and then exactly `max` code units, cheaply, even for the 256 KiB snapshot chunk.
    const longest = fc
      .string({ unit, minLength: 1, maxLength: 8 })
      .map((s) => s.repeat(Math.ceil(max / s.length)).slice(0, max));
    return max > 0 ? fc.oneof({ arbitrary: usual, weight: 9 }, { arbitrary: longest, weight: 1 }) : usual;
  }
  if (schema.pattern === '^(ws|wss|http|https)://') {
    return fc
      .tuple(
        fc.constantFrom('ws://', 'wss://', 'http://', 'https://'),
        fc.string({ unit: chars(URL_CHARS), maxLength: 40 }),
      )
      .map(([scheme, rest]) => (scheme + rest).slice(0, max))
      .filter((s) => s.length >= min);
  }
  if (schema.pattern === '^[0-9]+(,[0-9]+)*$') {
    return fc
      .array(fc.nat({ max: 1_000_000 }), { minLength: 1, maxLength: 12 })
      .map((ids) => ids.join(','))
      .filter((s) => s.length >= min && s.length <= max);
  }
  throw new Error(`arbitraryOf: no generator for pattern ${schema.pattern}`);
}

function integerArbitrary(schema: TInteger): fc.Arbitrary<number> {
  const min = schema.minimum ?? Number.MIN_SAFE_INTEGER;
  const max = schema.maximum ?? Number.MAX_SAFE_INTEGER;
  if (schema.exclusiveMinimum !== undefined || schema.exclusiveMaximum !== undefined) {
    throw new Error('arbitraryOf: exclusive integer bounds are not supported');
  }
  const inRange =
    min >= -(2 ** 31) && max <= 2 ** 31 - 1
      ? fc.integer({ min, max })
      : fc.bigInt({ min: BigInt(min), max: BigInt(max) }).map(Number);
  // Small values are the common case; the bounds are where bugs live.
  const small = fc.integer({ min: Math.max(min, 0), max: Math.min(max, Math.max(min, 0) + 100) });
  return fc.oneof(
    { arbitrary: inRange, weight: 4 },
    { arbitrary: small, weight: 4 },
    { arbitrary: fc.constantFrom(min, max), weight: 1 },
  );
}

function arrayArbitrary(schema: TArray, options: ArbitraryOptions): fc.Arbitrary<unknown[]> {
  const cap = options.maxArray ?? 5;
  const min = schema.minItems ?? 0;
  const max = Math.min(schema.maxItems ?? cap, cap);
  const item = arbitraryOf(schema.items, options);
  const usual = fc.array(item, { minLength: min, maxLength: Math.max(min, max) });
  // Small limits (MAX_REPLICAS) are reached now and then; big ones have their own tests.
  if (schema.maxItems !== undefined && schema.maxItems <= 8) {
    const full = fc.array(item, { minLength: schema.maxItems, maxLength: schema.maxItems });
    return fc.oneof({ arbitrary: usual, weight: 4 }, { arbitrary: full, weight: 1 });
  }
  return usual;
}

function objectArbitrary(schema: TObject, options: ArbitraryOptions): fc.Arbitrary<Record<string, unknown>> {
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [key, property] of Object.entries(schema.properties)) {
    model[key] = arbitraryOf(property, options);
  }
  const required = (schema.required ?? []) as string[];
  return fc.record(model, { requiredKeys: required, noNullPrototype: true });
}

/** A fast-check arbitrary for every valid value of `schema`. */
export function arbitraryOf<T extends TSchema>(
  schema: T,
  options: ArbitraryOptions = {},
): fc.Arbitrary<Static<T>> {
  let arbitrary: fc.Arbitrary<unknown>;
  switch (schema[Kind]) {
    case 'Object':
      arbitrary = objectArbitrary(schema as unknown as TObject, options);
      break;
    case 'Union':
      arbitrary = fc.oneof(
        ...(schema as unknown as TUnion).anyOf.map((member) => arbitraryOf(member, options)),
      );
      break;
    case 'Literal':
      arbitrary = fc.constant((schema as unknown as TLiteral).const);
      break;
    case 'String':
      arbitrary = stringArbitrary(schema as unknown as TString);
      break;
    case 'Integer':
      arbitrary = integerArbitrary(schema as unknown as TInteger);
      break;
    case 'Boolean':
      arbitrary = fc.boolean();
      break;
    case 'Null':
      arbitrary = fc.constant(null);
      break;
    case 'Array':
      arbitrary = arrayArbitrary(schema as unknown as TArray, options);
      break;
    default:
      throw new Error(`arbitraryOf: unsupported schema kind ${String(schema[Kind])}`);
  }
  return arbitrary as fc.Arbitrary<Static<T>>;
}
