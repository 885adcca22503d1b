/**
 * Copy-on-write helpers for the reducer's Maps. Tables keyed by names that other people choose
 * (users, rooms) are Maps, never plain objects: with an object, a user named `constructor`,
 * `toString` or `__proto__` reads or replaces a member of Object.prototype instead of an entry,
 * and the page of everyone in that room breaks (issue 12, finding 5).
 */

/** `map` with `key` set to `value` (a new Map; `map` is not changed). */
export function withMap<K, V>(map: ReadonlyMap<K, V>, key: K, value: V): ReadonlyMap<K, V> {
  const next = new Map(map);
  next.set(key, value);
  return next;
}

/** `map` without `key`; the same Map when the key is not there, so the reducer can keep its state. */
export function withoutKey<K, V>(map: ReadonlyMap<K, V>, key: K): ReadonlyMap<K, V> {
  if (!map.has(key)) return map;
  const next = new Map(map);
  next.delete(key);
  return next;
}
