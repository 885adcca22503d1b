export { isClusterId, LEGACY_IDENTITY, type StoreIdentity } from './codec.js';
export { DATA_FILE, DurableStore, type DurableStoreOptions, type StoreExtras } from './durable-store.js';
export {
  InvalidDeltaError,
  StoreClosedError,
  StoreCorruptError,
  StoreError,
  type StoreErrorCode,
  StoreExistsError,
  StoreFormatError,
  StorePermissionError,
  StoreWriteError,
} from './errors.js';
export { MANIFEST_FILE, STORE_FORMAT, STORE_VERSION } from './manifest.js';
export type { DurableState, LogRecord, PeerIncarnation, PersistDelta, SnapshotData } from './types.js';
export { ZERO_BALLOT } from './types.js';
export { WAL_FILES } from './wal.js';
