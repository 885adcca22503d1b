/**
 * Canonical JSON: the same value always gives the same text, on every replica and every run.
 *
 * Object keys are written in ascending UTF-16 code-unit order (what `Array.prototype.sort`
 * does without a comparator); arrays keep their order, which is therefore part of the data.
 * Otherwise it follows `JSON.stringify`: `undefined` object members are left out, non-finite
 * numbers are written as `null`, strings are escaped the same way. No whitespace.
 */
export function canonicalJson(value: unknown): string {
  return write(value) ?? 'null';
}

function write(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        return `[${value.map((item: unknown) => write(item) ?? 'null').join(',')}]`;
      }
      const record = value as Record<string, unknown>;
      const parts: string[] = [];
      for (const key of Object.keys(record).sort()) {
        const text = write(record[key]);
        if (text !== undefined) parts.push(`${JSON.stringify(key)}:${text}`);
      }
      return `{${parts.join(',')}}`;
    }
    default:
      // undefined, functions, symbols and bigints have no JSON form; like JSON.stringify, leave
      // them out of objects (and write null in arrays).
      return undefined;
  }
}

/**
 * A copy of a JSON value with every object's keys inserted in canonical order, so that the
 * native `JSON.stringify` of the copy is `canonicalJson` of the value (used where a caller builds
 * the rest of a large structure in canonical key order itself: the snapshot).
 */
export function withSortedKeys(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(withSortedKeys);
  const record = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(record).sort()) out[key] = withSortedKeys(record[key]);
  return out;
}
