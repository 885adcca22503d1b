/**
 * Snapshot text that cannot be restored: bad header, checksum mismatch, invalid JSON, a field of
 * the wrong type, a broken invariant, or text that is not in canonical form. The server must treat
 * it as corruption (discard it and fetch another snapshot), never half-install it.
 */
export class SnapshotError extends Error {
  override readonly name = 'SnapshotError';
}

/**
 * The host broke the apply contract: a slot number that is not an integer >= 1, or a gap (a slot
 * beyond `lastAppliedSlot + 1`). Thrown before anything changes.
 */
export class ApplyOrderError extends Error {
  override readonly name = 'ApplyOrderError';
}
