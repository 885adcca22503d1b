import type { Ballot, Command, PaxosValue, PeerMessage, ReplicaId, Role } from '@quorum/protocol';

/**
 * The replica's contract with its host (the server process, or the simulator).
 *
 * Inputs: `step(message)` for every peer message, `tick()` at a fixed rate, `propose(commands)`
 * for client commands, `readIndex(id)` for linearizable reads, `compact(index, data)` after the
 * host took a snapshot. None of them does I/O; each only changes memory and queues output.
 *
 * Output: `ready()` drains everything queued since the last call into one Ready. The host MUST
 *   1. install `ready.install` (if any) into its state machine,
 *   2. send `ready.sendEarly` — it may leave at once, while the write below is in flight,
 *   3. durably persist `ready.persist` (fsync'd) — before anything in `send` leaves,
 *   4. then send `ready.send` and hand `ready.ownAccept` (if any) back to `ownAcceptDurable()`,
 *   5. then apply `ready.committed` in order (slot order; exactly these, exactly once),
 *   6. then answer `ready.reads` once its state machine has applied up to each read's index,
 *      and fail `ready.rejected` proposals back to their clients.
 * Calling `ready()` once per event-loop turn gives group commit: one durable write per turn.
 * A host that keeps several writes in flight must finish them in call order and may send a
 * Ready's `sendEarly` only once every earlier Ready's persist is durable.
 */
export interface Ready {
  readonly install: SnapshotData | null;
  readonly persist: PersistDelta | null;
  /**
   * A leader's accepts, commits and heartbeats: nothing in them depends on this Ready's write
   * (the leader's own vote is not in them — it counts only once the host reports the write
   * durable, through `ownAccept`). Sending them during the write overlaps the leader's
   * fsync with the followers'. Empty whenever this Ready changes the promise: a leader's ballot
   * must be durable before any acceptor acts on it.
   */
  readonly sendEarly: readonly Outgoing[];
  readonly send: readonly Outgoing[];
  /**
   * The leader's own acceptance of the slots this Ready writes. It counts toward a quorum only
   * after the write is durable: the host passes it to `Replica.ownAcceptDurable()` then.
   */
  readonly ownAccept: OwnAccept | null;
  readonly committed: readonly CommittedEntry[];
  readonly reads: readonly ReadResult[];
  readonly rejected: readonly RejectedProposal[];
}

/** A leader's vote for its own accepts at `ballot`, to be counted once they are on disk. */
export interface OwnAccept {
  readonly ballot: Ballot;
  readonly slots: readonly number[];
}

export interface Outgoing {
  readonly to: ReplicaId;
  readonly message: PeerMessage;
}

/** A chosen value, handed to the state machine in slot order. */
export interface CommittedEntry {
  readonly slot: number;
  readonly value: PaxosValue;
}

/** A confirmed read: once the host has applied through `index`, reads started before reflect every prior commit. `index` null: no leader could confirm; retry later. */
export interface ReadResult {
  readonly id: number;
  readonly index: number | null;
}

export interface RejectedProposal {
  readonly commands: readonly Command[];
  readonly reason: 'no_leader_buffer_full' | 'queue_full';
}

/** What the host persists. Everything here must be durable before `send` goes out. */
export interface PersistDelta {
  /** The acceptor's promise, when it changed. */
  readonly promised?: Ballot;
  /** Log records written or overwritten (accepted values, or chosen values learned). */
  readonly entries: readonly LogRecord[];
  /**
   * The commit watermark, when it advanced. A hint — losing it only costs re-learning — so a
   * watermark alone never costs a write: it rides on the next delta that has to be written,
   * or goes alone at the latest every heartbeat period.
   */
  readonly committed?: number;
  /** A new snapshot; records at or below `discardThrough` may be deleted. */
  readonly snapshot?: SnapshotData;
  readonly discardThrough?: number;
  /**
   * Recovery is over: from this write on the store is a voter (`DurableState.recovering` false).
   * It comes with the promise and records recovery learned, in the same write.
   */
  readonly recovered?: true;
  /**
   * Peers' incarnations learned from their recovery requests (only those that changed). They must
   * be durable before the answer leaves: from then on this replica refuses the older ones' votes.
   */
  readonly incarnations?: readonly PeerIncarnation[];
}

/** [replica, incarnation]: the highest incarnation of that replica's store known here. */
export type PeerIncarnation = readonly [ReplicaId, number];

/**
 * One slot of the durable log. `ballot` is the ballot the value was accepted at, or
 * CHOSEN_BALLOT for a value learned as chosen (which outranks every real ballot in a promise:
 * any proposer must propose a chosen value anyway).
 */
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

/** Everything that survives a crash, as the host read it back from disk. Nothing else does. */
export interface DurableState {
  readonly promised: Ballot;
  readonly entries: readonly LogRecord[];
  readonly committed: number;
  readonly snapshot: SnapshotData | null;
  /**
   * This store's incarnation, fixed when the store was made: 0 for the stores a new cluster
   * starts with (`init`), and for a store made later (a server that lost its disk) a number
   * higher than any earlier store of the same server had — the host uses its clock in ms.
   * Absent: 0.
   */
  readonly incarnation?: number;
  /**
   * The store is new but its cluster exists: the replica starts in the `recovering` role and
   * neither promises nor accepts until recovery is over (then the host persists `recovered`).
   * Absent: false.
   */
  readonly recovering?: boolean;
  /** Peers' incarnations as persisted from `PersistDelta.incarnations`. Absent: none known. */
  readonly incarnations?: readonly PeerIncarnation[];
}

export interface ReplicaConfig {
  readonly id: ReplicaId;
  /** Every replica id of the cluster, this one included (2f+1 of them). */
  readonly members: readonly ReplicaId[];
  /** A PRNG returning [0, 1): the only source of randomness (election timeouts). */
  readonly random: () => number;
  /** Leader heartbeat period, in ticks. */
  readonly heartbeatTicks?: number;
  /** Minimum election timeout in ticks; the actual timeout is uniform in [min, 2*min). */
  readonly electionTicks?: number;
  /** Ticks before an unanswered accept, prepare or catch-up request is sent again. */
  readonly retransmitTicks?: number;
  /** Most slots a leader has in flight (proposed, not yet chosen). */
  readonly window?: number;
  /** Most commands in one slot. */
  readonly maxBatch?: number;
  /** Most commands queued at a leader waiting for the window, or buffered with no leader. */
  readonly maxPending?: number;
  /** Log entries kept below the snapshot so a short outage replays entries, not a snapshot. */
  readonly retainEntries?: number;
}

/** Read-only view of the replica for status pages and tests. */
export interface ReplicaStatusView {
  readonly id: ReplicaId;
  readonly role: Role;
  /** While `role` is `recovering`: how far recovery got. Null otherwise. */
  readonly recovery: RecoveryStatusView | null;
  readonly leaderId: ReplicaId | null;
  readonly ballot: Ballot;
  readonly promised: Ballot;
  readonly committed: number;
  /** The highest slot handed out in `ready().committed`. */
  readonly delivered: number;
  readonly snapshotIndex: number;
  readonly firstRetained: number;
  readonly logSize: number;
  readonly pending: number;
  readonly inflight: number;
}

/** A recovering replica's progress, for /health, the cluster view and logs. */
export interface RecoveryStatusView {
  /** This store's incarnation. */
  readonly incarnation: number;
  /** Voters that answered, and how many answers recovery needs (a majority of the others). */
  readonly answered: readonly ReplicaId[];
  readonly needed: number;
  /** The commit watermark to reach before voting (null until enough voters answered). */
  readonly target: number | null;
}
