import { type Static, Type } from '@sinclair/typebox';
import {
  CLIENT_ID_PATTERN,
  LINE_PATTERN,
  MAX_CLIENT_ID_LENGTH,
  MAX_DISPLAY_NAME_LENGTH,
  MAX_EMOJI_LENGTH,
  MAX_REPLICAS,
  MAX_ROOM_NAME_LENGTH,
  MAX_TEXT_LENGTH,
  MAX_USERNAME_LENGTH,
  MIN_CLIENT_ID_LENGTH,
  NAME_PATTERN,
  TEXT_PATTERN,
} from './limits.js';

/** Building blocks shared by the three interfaces. */

export const Uint = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
/** Correlates a request with its reply; chosen by the requester. */
export const RequestId = Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1 });
/** A replica id from the cluster configuration (1..2^16). */
export const ReplicaId = Type.Integer({ minimum: 1, maximum: 65535 });
export type ReplicaId = Static<typeof ReplicaId>;
/** A log slot; slot numbers start at 1 (0 means "none yet"). */
export const Slot = Uint;
/** Milliseconds since the Unix epoch, fixed by the proposing server inside a command. */
export const Timestamp = Uint;

export const UserName = Type.String({ minLength: 1, maxLength: MAX_USERNAME_LENGTH, pattern: NAME_PATTERN });
export const RoomName = Type.String({ minLength: 1, maxLength: MAX_ROOM_NAME_LENGTH, pattern: NAME_PATTERN });
export const DisplayName = Type.String({
  minLength: 1,
  maxLength: MAX_DISPLAY_NAME_LENGTH,
  pattern: LINE_PATTERN,
});
export const ClientId = Type.String({
  minLength: MIN_CLIENT_ID_LENGTH,
  maxLength: MAX_CLIENT_ID_LENGTH,
  pattern: CLIENT_ID_PATTERN,
});
/** Per-client command sequence number; 1, 2, 3... A retry reuses its number. */
export const CommandSeq = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });
/** Message text: 1..MAX_TEXT_LENGTH UTF-16 code units, no control characters but `\t` and `\n`. */
export const ChatText = Type.String({ minLength: 1, maxLength: MAX_TEXT_LENGTH, pattern: TEXT_PATTERN });
export const Emoji = Type.String({ minLength: 1, maxLength: MAX_EMOJI_LENGTH, pattern: LINE_PATTERN });
/** A message's place in its room: 1, 2, 3... with no gaps, identical on every server. */
export const Position = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });

/**
 * A store's incarnation: fixed when the store is made, higher for every later store of the same
 * server (a server whose disk was lost comes back as a new incarnation). Votes carry it, so a
 * vote cast by a lost incarnation and still in flight can be told apart and refused.
 */
export const Incarnation = Uint;
/** What one replica knows of other replicas' incarnations. */
export const Incarnations = Type.Array(
  Type.Object({ replica: ReplicaId, incarnation: Incarnation }, { additionalProperties: false }),
  { maxItems: MAX_REPLICAS },
);

/** Ballots are (round, node) pairs ordered by round, then node; node 0 only in the zero ballot. */
export const Ballot = Type.Object(
  { round: Uint, node: Type.Integer({ minimum: 0, maximum: 65535 }) },
  { additionalProperties: false },
);
export type Ballot = Static<typeof Ballot>;

/**
 * `recovering`: the server's store is new (its disk was lost or replaced) but its cluster exists;
 * it learns from its peers before it may vote again, and never promises or accepts until then.
 */
export const Role = Type.Union([
  Type.Literal('leader'),
  Type.Literal('follower'),
  Type.Literal('candidate'),
  Type.Literal('recovering'),
]);
export type Role = Static<typeof Role>;

/**
 * A cluster's identity: generated once, when the cluster is made (`quorum-server init`), and kept
 * in every member's store. Peers of another cluster are refused at the handshake.
 */
export const CLUSTER_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$';
export const ClusterId = Type.String({ minLength: 1, maxLength: 64, pattern: CLUSTER_ID_PATTERN });
export type ClusterId = Static<typeof ClusterId>;

/** A recovering server's progress (role `recovering`): which voters answered, of how many needed. */
export const RecoveryStatus = Type.Object(
  {
    /** The server's new store's incarnation. */
    incarnation: Incarnation,
    answered: Type.Array(ReplicaId, { maxItems: MAX_REPLICAS }),
    needed: Uint,
    /** The commit watermark it must reach before it votes (null until enough voters answered). */
    target: Type.Union([Slot, Type.Null()]),
  },
  { additionalProperties: false },
);
export type RecoveryStatus = Static<typeof RecoveryStatus>;

/** What one server tells about itself: used by the balancer, the cluster view and `cluster` replies. */
export const ReplicaStatus = Type.Object(
  {
    id: ReplicaId,
    role: Role,
    leaderId: Type.Union([ReplicaId, Type.Null()]),
    ballot: Ballot,
    /** Commit watermark: every slot up to here is chosen and known to this replica. */
    committed: Slot,
    /** Every slot up to here has been applied to the chat state machine. */
    applied: Slot,
    /** Slots below this were compacted into the snapshot. */
    snapshot: Slot,
    clients: Uint,
    /** Peers this replica currently has an open, authenticated link to. */
    peersUp: Type.Array(ReplicaId, { maxItems: MAX_REPLICAS }),
    /** Only while `role` is `recovering`. */
    recovery: Type.Optional(RecoveryStatus),
  },
  { additionalProperties: false },
);
export type ReplicaStatus = Static<typeof ReplicaStatus>;
