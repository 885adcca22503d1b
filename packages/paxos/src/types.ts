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
 *   2. durably persist `ready.persist` (fsync'd) — before anything else leaves,
 *   3. then send `ready.send`,
 *   4. then apply `ready.committed` in order (slot order; exactly these, exactly once),
 *   5. then answer `ready.reads` once its state machine has applied up to each read's index,
 *      and fail `ready.rejected` proposals back to their clients.
 * Calling `ready()` once per event-loop turn gives group commit: one durable write per turn.
 */
export interface Ready {
  readonly install: SnapshotData | null;
  readonly persist: PersistDelta | null;
  readonly send: readonly Outgoing[];
  readonly committed: readonly CommittedEntry[];
  readonly reads: readonly ReadResult[];
  readonly rejected: readonly RejectedProposal[];
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
  /** The commit watermark, when it advanced (a hint: losing it only costs re-learning). */
  readonly committed?: number;
  /** A new snapshot; records at or below `discardThrough` may be deleted. */
  readonly snapshot?: SnapshotData;
  readonly discardThrough?: number;
}

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
