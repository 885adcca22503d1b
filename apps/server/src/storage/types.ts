import type { Ballot, PaxosValue } from '@quorum/protocol';

/*
 * The replica's persistence contract, mirrored structurally from @quorum/paxos (types.ts:
 * PersistDelta, LogRecord, SnapshotData, DurableState). @quorum/paxos is not a dependency of the
 * server's storage layer, so the shapes are repeated here: keep them structurally identical, so
 * that a Ready's `persist` can be passed to `DurableStore.persist` and `DurableStore.load()` to
 * the replica without conversion.
 */

/** What the host persists. Everything here must be durable before the Ready's `send` goes out. */
export interface PersistDelta {
  /** The acceptor's promise, when it changed. */
  readonly promised?: Ballot;
  /** Log records written or overwritten (accepted values, or chosen values learned). */
  readonly entries: readonly LogRecord[];
  /** The commit watermark, when it advanced. */
  readonly committed?: number;
  /** A new snapshot; records at or below `discardThrough` are deleted. */
  readonly snapshot?: SnapshotData;
  readonly discardThrough?: number;
}

/** One slot of the durable log: the value and the ballot it was accepted at. */
export interface LogRecord {
  readonly slot: number;
  readonly ballot: Ballot;
  readonly value: PaxosValue;
}

export interface SnapshotData {
  /** The last slot the snapshot covers. */
  readonly index: number;
  /** The state machine, serialised as text by the host. */
  readonly data: string;
}

/** Everything that survives a crash, as read back from disk. */
export interface DurableState {
  readonly promised: Ballot;
  readonly entries: readonly LogRecord[];
  readonly committed: number;
  readonly snapshot: SnapshotData | null;
}

/** The promise of an acceptor that never promised anything. */
export const ZERO_BALLOT: Ballot = Object.freeze({ round: 0, node: 0 });
