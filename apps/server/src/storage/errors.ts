/**
 * Typed storage failures. Every error the store raises on purpose is a `StoreError`; switch on
 * `code` (or use `instanceof` on the subclasses).
 *
 * - `corrupt`: the files are damaged — a checksum does not match, a record is missing, the data
 *   file is truncated or unreadable. The server must not start on it. Never delete it: move the
 *   directory away; the server then starts on a new, empty store and rejoins through recovery
 *   (docs/security.md gives the steps).
 * - `format`: the directory is not a store of this format (no or foreign manifest, unknown
 *   version), or a checksummed record does not decode into the expected shape.
 * - `closed`: the store was closed.
 * - `write_failed`: a durable write failed; the store refuses every later write, because the
 *   replica's memory is now ahead of its disk. The host must stop and restart.
 * - `invalid_delta`: the caller passed something that cannot be stored (a programming error).
 * - `in_use`: the directory is already open in this process.
 * - `permissions`: group or others may access the directory, or its files' modes cannot be made
 *   private (see permissions.ts).
 * - `exists`: `init` was asked to make a store where one already is.
 */
export type StoreErrorCode =
  | 'corrupt'
  | 'format'
  | 'closed'
  | 'write_failed'
  | 'invalid_delta'
  | 'in_use'
  | 'permissions'
  | 'exists';

export class StoreError extends Error {
  override readonly name: string = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    /** The store directory. */
    readonly dir: string,
    options?: { cause?: unknown },
  ) {
    super(`${message} (store ${dir})`, options);
  }
}

export class StoreCorruptError extends StoreError {
  override readonly name = 'StoreCorruptError';
  constructor(message: string, dir: string, options?: { cause?: unknown }) {
    super('corrupt', message, dir, options);
  }
}

export class StoreFormatError extends StoreError {
  override readonly name = 'StoreFormatError';
  constructor(message: string, dir: string, options?: { cause?: unknown }) {
    super('format', message, dir, options);
  }
}

export class StoreClosedError extends StoreError {
  override readonly name = 'StoreClosedError';
  constructor(dir: string) {
    super('closed', 'the store is closed', dir);
  }
}

export class StoreWriteError extends StoreError {
  override readonly name = 'StoreWriteError';
  constructor(message: string, dir: string, options?: { cause?: unknown }) {
    super('write_failed', message, dir, options);
  }
}

export class InvalidDeltaError extends StoreError {
  override readonly name = 'InvalidDeltaError';
  constructor(message: string, dir: string) {
    super('invalid_delta', message, dir);
  }
}

export class StorePermissionError extends StoreError {
  override readonly name = 'StorePermissionError';
  constructor(message: string, dir: string, options?: { cause?: unknown }) {
    super('permissions', message, dir, options);
  }
}

export class StoreExistsError extends StoreError {
  override readonly name = 'StoreExistsError';
  constructor(message: string, dir: string) {
    super('exists', message, dir);
  }
}
