/*
 * The replica's persistence contract, from @quorum/paxos: a Ready's `persist` is passed to
 * `DurableStore.persist` and `DurableStore.load()` to the replica as they are.
 */
export {
  type DurableState,
  type LogRecord,
  type PeerIncarnation,
  type PersistDelta,
  type SnapshotData,
  ZERO_BALLOT,
} from '@quorum/paxos';
