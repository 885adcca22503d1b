/** Invariant checks that stay on in production: a broken invariant must stop the replica, not corrupt it. */
export class InvariantError extends Error {
  override name = 'InvariantError';
}

export function invariant(condition: unknown, message: string): asserts condition {
  if (!condition) throw new InvariantError(message);
}
