import {
  Kind,
  type TArray,
  type TInteger,
  type TLiteral,
  type TObject,
  type TSchema,
  type TString,
  type TUnion,
} from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import fc from 'fast-check';
import { arbitraryOf } from './arbitrary.js';

/**
 * Turns a valid message into an invalid one, one field at a time: the "sites" of a value are its
 * nodes with the schema each must match; a mutation replaces one with a value that does not
 * match, deletes a required property, or adds a property no schema knows.
 */

export type Path = readonly (string | number)[];

export interface Site {
  readonly path: Path;
  readonly schema: TSchema;
  /** Whether this node is a property its parent object requires. */
  readonly required: boolean;
}

export function sitesOf(schema: TSchema, value: unknown, path: Path = [], required = false): Site[] {
  const here: Site[] = [{ path, schema, required }];
  switch (schema[Kind]) {
    case 'Object': {
      const object = schema as unknown as TObject;
      const requiredKeys = new Set<string>((object.required ?? []) as string[]);
      for (const [key, property] of Object.entries(object.properties)) {
        const child = (value as Record<string, unknown>)[key];
        if (child !== undefined)
          here.push(...sitesOf(property, child, [...path, key], requiredKeys.has(key)));
      }
      return here;
    }
    case 'Array': {
      const items = (schema as unknown as TArray).items;
      (value as unknown[]).forEach((child, i) => {
        here.push(...sitesOf(items, child, [...path, i]));
      });
      return here;
    }
    case 'Union': {
      // Descend into the branch the value matches, but only its children are sites of their own:
      // a value that breaks one branch may well match another.
      const branch = (schema as unknown as TUnion).anyOf.find((member) => Value.Check(member, value));
      if (branch !== undefined) here.push(...sitesOf(branch, value, path, required).slice(1));
      return here;
    }
    default:
      return here;
  }
}

/** JSON pointer of a path (RFC 6901). */
export function pointer(path: Path): string {
  return path.map((part) => '/' + String(part).replaceAll('~', '~0').replaceAll('/', '~1')).join('');
}

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function parentOf(root: unknown, path: Path): Record<string | number, unknown> {
  let node = root as Record<string | number, unknown>;
  for (const part of path.slice(0, -1)) node = node[part] as Record<string | number, unknown>;
  return node;
}

export function replaceAt(root: unknown, path: Path, replacement: unknown): unknown {
  const copy = clone(root);
  const key = path[path.length - 1]!;
  parentOf(copy, path)[key] = replacement;
  return copy;
}

export function deleteAt(root: unknown, path: Path): unknown {
  const copy = clone(root);
  delete parentOf(copy, path)[path[path.length - 1]!];
  return copy;
}

export function addPropertyAt(root: unknown, path: Path, key: string, extra: unknown): unknown {
  const copy = clone(root);
  const target = (path.length === 0 ? copy : parentOf(copy, path)[path[path.length - 1]!]) as object;
  // defineProperty, so that `__proto__` becomes an own property, as JSON.parse would make it.
  Object.defineProperty(target, key, { value: extra, enumerable: true, writable: true, configurable: true });
  return copy;
}

const PATTERN_BREAKERS = [' ', '\u0000', '\u001b', '/', '\r', 'Z'];

/** Values that must not match `schema`: wrong types, out of range, too long, wrong pattern. */
export function invalidFor(schema: TSchema): fc.Arbitrary<unknown> {
  const special: unknown[] = [];
  switch (schema[Kind]) {
    case 'Integer': {
      const s = schema as unknown as TInteger;
      const min = s.minimum ?? Number.MIN_SAFE_INTEGER;
      const max = s.maximum ?? Number.MAX_SAFE_INTEGER;
      special.push(min - 1, max + 1, min + 0.5, 2 ** 53, 1e300, -1e300, String(min), true, [min], { n: min });
      break;
    }
    case 'String': {
      const s = schema as unknown as TString;
      if (s.maxLength !== undefined) special.push('a'.repeat(s.maxLength + 1), 'é'.repeat(s.maxLength + 1));
      if (s.minLength !== undefined && s.minLength > 0) special.push('a'.repeat(s.minLength - 1));
      if (s.pattern !== undefined) {
        const valid = 'a'.repeat(Math.max(s.minLength ?? 1, 1));
        for (const breaker of PATTERN_BREAKERS)
          special.push(breaker + valid.slice(1), valid.slice(1) + breaker);
      }
      special.push(42, null, ['a'], { s: 'a' });
      break;
    }
    case 'Boolean':
      special.push(0, 1, 'true', null, []);
      break;
    case 'Literal':
      special.push(`${String((schema as unknown as TLiteral).const)}x`, '', null, 0);
      break;
    case 'Array': {
      const s = schema as unknown as TArray;
      special.push({}, 'a', null, 0, {});
      if (s.maxItems !== undefined) {
        const maxItems = s.maxItems;
        return fc
          .oneof(
            fc.constantFrom(...special),
            fc.jsonValue(),
            arbitraryOf(s.items, { maxArray: 1 }).map((item) =>
              Array.from({ length: maxItems + 1 }, () => item),
            ),
          )
          .filter((v) => !Value.Check(schema, v));
      }
      break;
    }
    case 'Object':
      special.push({}, [], null, 'x', 0);
      break;
    default:
      special.push({ nope: true }, 'nope', -1.5);
  }
  return fc.oneof(fc.constantFrom(...special), fc.jsonValue()).filter((v) => !Value.Check(schema, v));
}

export type Mutation =
  | { readonly kind: 'replace'; readonly path: Path; readonly value: unknown }
  | { readonly kind: 'delete'; readonly path: Path }
  | { readonly kind: 'extra'; readonly path: Path; readonly key: string; readonly value: unknown };

const extraKey = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'extra', ''),
  fc.string({ maxLength: 12 }),
);

/** One mutation of `message` (valid for `schema`), never touching the top-level discriminator. */
export function mutationOf(schema: TObject, message: unknown, key: string): fc.Arbitrary<Mutation> {
  const sites = sitesOf(schema, message);
  const replaceable = sites.filter((s) => s.path.length > 0 && !(s.path.length === 1 && s.path[0] === key));
  const deletable = sites.filter((s) => s.required);
  const objects = sites.filter((s) => s.schema[Kind] === 'Object');
  const options: fc.Arbitrary<Mutation>[] = [];
  if (replaceable.length > 0) {
    options.push(
      fc
        .constantFrom(...replaceable)
        .chain((site) =>
          invalidFor(site.schema).map((value): Mutation => ({ kind: 'replace', path: site.path, value })),
        ),
    );
  }
  if (deletable.length > 0) {
    options.push(
      fc.constantFrom(...deletable).map((site): Mutation => ({ kind: 'delete', path: site.path })),
    );
  }
  options.push(
    fc.constantFrom(...objects).chain((site) => {
      const known = (site.schema as unknown as TObject).properties;
      return fc
        .tuple(
          extraKey.filter((name) => !Object.hasOwn(known, name)),
          fc.jsonValue({ maxDepth: 2 }),
        )
        .map(([name, value]): Mutation => ({ kind: 'extra', path: site.path, key: name, value }));
    }),
  );
  return fc.oneof(...options);
}

export function apply(message: unknown, mutation: Mutation): unknown {
  switch (mutation.kind) {
    case 'replace':
      return replaceAt(message, mutation.path, mutation.value);
    case 'delete':
      return deleteAt(message, mutation.path);
    case 'extra':
      return addPropertyAt(message, mutation.path, mutation.key, mutation.value);
  }
}
