import { type Static, Type } from '@sinclair/typebox';
import { AcceptedEntry, Command, SlotEntry } from './commands.js';
import { Ballot, Incarnation, Incarnations, ReplicaId, RequestId, Slot, Uint } from './common.js';
import { MAX_BATCH_COMMANDS, MAX_ENTRIES_PER_MESSAGE, SNAPSHOT_CHUNK_CHARS } from './limits.js';

/**
 * Server <-> server messages: the Multi-Paxos protocol. These are exactly the messages the
 * sans-IO replica in `packages/paxos` consumes and emits; the server host only frames them.
 *
 * Every message carries `from` (the sender's replica id). The transport authenticates the
 * link, and the host drops any message whose `from` is not the link's authenticated peer.
 */
const strict = { additionalProperties: false } as const;
const entries = <T extends typeof SlotEntry | typeof AcceptedEntry>(t: T) =>
  Type.Array(t, { maxItems: MAX_ENTRIES_PER_MESSAGE });

/** Phase 1a: "promise me every slot from `fromSlot` up, for `ballot`". */
export const Prepare = Type.Object(
  { type: Type.Literal('prepare'), from: ReplicaId, ballot: Ballot, fromSlot: Slot },
  strict,
);
/**
 * Phase 1b. `accepted` lists what this acceptor accepted above `max(fromSlot, committed+1)`;
 * `committed` is the acceptor's commit watermark: slots up to it are chosen, and the new leader
 * learns them by catch-up instead of re-proposing them. It always fits one message because an
 * acceptor never accepts more than MAX_ENTRIES_PER_MESSAGE slots beyond its own watermark.
 */
export const Promise_ = Type.Object(
  {
    type: Type.Literal('promise'),
    from: ReplicaId,
    ballot: Ballot,
    accepted: entries(AcceptedEntry),
    committed: Slot,
    /** The sender's store incarnation: a promise from an incarnation known to be lost is void. */
    incarnation: Incarnation,
    /** Peers' incarnations the sender knows above the first (see Replica's recovery). */
    incarnations: Incarnations,
  },
  strict,
);
/** Phase 2a, batched and pipelined: many slots per message, many messages in flight. */
export const Accept = Type.Object(
  {
    type: Type.Literal('accept'),
    from: ReplicaId,
    ballot: Ballot,
    entries: entries(SlotEntry),
    /** The leader's commit watermark, piggybacked so that steady load needs no separate commit. */
    committed: Slot,
  },
  strict,
);
/** Phase 2b: the acceptor accepted these slots at `ballot` (and persisted them first). */
export const Accepted = Type.Object(
  {
    type: Type.Literal('accepted'),
    from: ReplicaId,
    ballot: Ballot,
    slots: Type.Array(Slot, { maxItems: MAX_ENTRIES_PER_MESSAGE }),
    /** As in a promise: votes of a lost incarnation are refused. */
    incarnation: Incarnation,
    incarnations: Incarnations,
  },
  strict,
);
/** The commit watermark alone, without payloads: receivers that lack a value fetch it. */
export const Commit = Type.Object(
  { type: Type.Literal('commit'), from: ReplicaId, ballot: Ballot, committed: Slot },
  strict,
);
/** A rejected prepare or accept, with the highest ballot the acceptor has promised. */
export const Nack = Type.Object(
  {
    type: Type.Literal('nack'),
    from: ReplicaId,
    ballot: Ballot,
    promised: Ballot,
    committed: Slot,
  },
  strict,
);
/**
 * Leader liveness and the read-index round. `readId`, when present, asks every follower to
 * echo it so that the leader knows a quorum still follows it at that moment.
 */
export const Heartbeat = Type.Object(
  {
    type: Type.Literal('heartbeat'),
    from: ReplicaId,
    ballot: Ballot,
    committed: Slot,
    readId: Type.Optional(Uint),
  },
  strict,
);
export const HeartbeatAck = Type.Object(
  {
    type: Type.Literal('heartbeat_ack'),
    from: ReplicaId,
    ballot: Ballot,
    committed: Slot,
    /** Done/Min: how far this replica has applied, so others know what it will never ask for. */
    applied: Slot,
    readId: Type.Optional(Uint),
  },
  strict,
);
/** A non-leader hands client commands to the leader it knows. */
export const Forward = Type.Object(
  {
    type: Type.Literal('forward'),
    from: ReplicaId,
    commands: Type.Array(Command, { maxItems: MAX_BATCH_COMMANDS }),
  },
  strict,
);
/** A follower asks the leader to confirm a read index (linearizable reads). */
export const ReadIndexRequest = Type.Object(
  { type: Type.Literal('read_index_req'), from: ReplicaId, id: RequestId },
  strict,
);
/** `index` is null when the asked replica is not (or no longer) a confirmed leader. */
export const ReadIndexResponse = Type.Object(
  {
    type: Type.Literal('read_index_resp'),
    from: ReplicaId,
    id: RequestId,
    index: Type.Union([Slot, Type.Null()]),
  },
  strict,
);
/** A lagging replica asks for chosen values from `fromSlot` on, in bulk. */
export const CatchupRequest = Type.Object(
  { type: Type.Literal('catchup_req'), from: ReplicaId, fromSlot: Slot },
  strict,
);
/**
 * Chosen values, in slot order from the requested slot. `snapshot` > 0 means the entries below
 * it are compacted away and the requester must install that snapshot first.
 */
export const CatchupResponse = Type.Object(
  {
    type: Type.Literal('catchup'),
    from: ReplicaId,
    entries: entries(SlotEntry),
    committed: Slot,
    snapshot: Slot,
  },
  strict,
);
/** Pull-based snapshot transfer: the receiver asks for the chunk at `offset` of snapshot `index`. */
export const SnapshotRequest = Type.Object(
  { type: Type.Literal('snapshot_req'), from: ReplicaId, index: Slot, offset: Uint },
  strict,
);
export const SnapshotChunk = Type.Object(
  {
    type: Type.Literal('snapshot_chunk'),
    from: ReplicaId,
    /** The last slot the snapshot covers. */
    index: Slot,
    offset: Uint,
    total: Uint,
    /** A slice of the snapshot's text (the state machine serialises itself as text). */
    data: Type.String({ maxLength: SNAPSHOT_CHUNK_CHARS }),
  },
  strict,
);

/**
 * A server whose store is new, for a cluster that exists, asks the others what it may have
 * forgotten. `incarnation` is its new store's; a voter persists it before answering, and from
 * then on refuses votes of any older incarnation of the sender.
 */
export const Recover = Type.Object(
  { type: Type.Literal('recover'), from: ReplicaId, incarnation: Incarnation },
  strict,
);
/**
 * A voter's answer: its promise, its commit watermark, and what it accepted above the watermark
 * (as in a promise), for the incarnation that asked.
 */
export const RecoverAck = Type.Object(
  {
    type: Type.Literal('recover_ack'),
    from: ReplicaId,
    incarnation: Incarnation,
    /** The answering voter's own incarnation, and its book: an answer of a store since replaced does not count. */
    voterIncarnation: Incarnation,
    incarnations: Incarnations,
    promised: Ballot,
    committed: Slot,
    accepted: entries(AcceptedEntry),
  },
  strict,
);

export const PeerMessage = Type.Union(
  [
    Prepare,
    Promise_,
    Accept,
    Accepted,
    Commit,
    Nack,
    Heartbeat,
    HeartbeatAck,
    Forward,
    ReadIndexRequest,
    ReadIndexResponse,
    CatchupRequest,
    CatchupResponse,
    SnapshotRequest,
    SnapshotChunk,
    Recover,
    RecoverAck,
  ],
  { $id: 'PeerMessage' },
);
export type PeerMessage = Static<typeof PeerMessage>;
export type PeerMessageType = PeerMessage['type'];
export type PeerMessageOf<T extends PeerMessageType> = Extract<PeerMessage, { type: T }>;

/** Phases, as fault injection names them: p = prepare/promise, a = accept/accepted, c = commit. */
export type PaxosPhase = 'prepare' | 'accept' | 'commit' | 'other';
export function phaseOf(type: PeerMessageType): PaxosPhase {
  switch (type) {
    case 'prepare':
    case 'promise':
      return 'prepare';
    case 'accept':
    case 'accepted':
      return 'accept';
    case 'commit':
      return 'commit';
    default:
      return 'other';
  }
}

/**
 * The peer link handshake, sent as HTTP headers on the WebSocket upgrade. `mac` is
 * HMAC-SHA256(clusterSecret, `quorum-peer|${from}|${to}|${ts}|${nonce}`) in hex, so the secret
 * never crosses the wire; `ts` bounds replay and `nonce` is refused if seen before.
 */
export const PEER_AUTH_HEADERS = {
  from: 'x-quorum-peer-from',
  to: 'x-quorum-peer-to',
  ts: 'x-quorum-peer-ts',
  nonce: 'x-quorum-peer-nonce',
  mac: 'x-quorum-peer-mac',
} as const;
export const PeerAuth = Type.Object(
  {
    from: ReplicaId,
    to: ReplicaId,
    ts: Uint,
    nonce: Type.String({ minLength: 16, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }),
    mac: Type.String({ minLength: 64, maxLength: 64, pattern: '^[0-9a-f]+$' }),
  },
  strict,
);
export type PeerAuth = Static<typeof PeerAuth>;
