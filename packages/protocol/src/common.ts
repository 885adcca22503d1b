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

/** Ballots are (round, node) pairs ordered by round, then node; node 0 only in the zero ballot. */
export const Ballot = Type.Object(
  { round: Uint, node: Type.Integer({ minimum: 0, maximum: 65535 }) },
  { additionalProperties: false },
);
export type Ballot = Static<typeof Ballot>;

export const Role = Type.Union([Type.Literal('leader'), Type.Literal('follower'), Type.Literal('candidate')]);
export type Role = Static<typeof Role>;

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
  },
  { additionalProperties: false },
);
export type ReplicaStatus = Static<typeof ReplicaStatus>;
