import { type Static, Type } from '@sinclair/typebox';
import { ChatMessage } from './client.js';
import { createCodec } from './codec.js';
import { ReplicaId, ReplicaStatus, RoomName, UserName } from './common.js';
import { MAX_HISTORY_PAGE, MAX_PEER_FRAME_BYTES } from './limits.js';

/**
 * Server <-> server gossip: best-effort, never through Paxos. It travels on the same
 * authenticated peer links as the Paxos messages; the host handles it and the replica never
 * sees it. Losing a gossip message costs a stale typing indicator, or an archive page asked again
 * later, never a chat message.
 */
const strict = { additionalProperties: false } as const;
/** A position to read after: 0 for "from the first message". */
const After = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });

/** Users with a live connection on the sending server, per room: the full set, not a delta. */
export const PresenceGossip = Type.Object(
  {
    type: Type.Literal('presence'),
    from: ReplicaId,
    rooms: Type.Array(
      Type.Object({ room: RoomName, users: Type.Array(UserName, { maxItems: 10_000 }) }, strict),
      { maxItems: 10_000 },
    ),
  },
  strict,
);
export const TypingGossip = Type.Object(
  { type: Type.Literal('typing'), from: ReplicaId, room: RoomName, user: UserName, active: Type.Boolean() },
  strict,
);
/** The sender's own status, for the live cluster view on every server. */
export const StatusGossip = Type.Object(
  { type: Type.Literal('status'), from: ReplicaId, status: ReplicaStatus },
  strict,
);

/**
 * A server that installed a snapshot lacks the archived messages the snapshot skipped over: it
 * asks a peer for those of `room` after position `after`.
 */
export const ArchiveRequestGossip = Type.Object(
  {
    type: Type.Literal('archive_req'),
    from: ReplicaId,
    room: RoomName,
    after: After,
    limit: Type.Integer({ minimum: 1, maximum: MAX_HISTORY_PAGE }),
  },
  strict,
);
/**
 * The answer: messages of `room` at consecutive positions from `after + 1` (without reactions,
 * which are replicated state), as many as the sender holds; empty if it holds none.
 */
export const ArchivePageGossip = Type.Object(
  {
    type: Type.Literal('archive_page'),
    from: ReplicaId,
    room: RoomName,
    after: After,
    messages: Type.Array(ChatMessage, { maxItems: MAX_HISTORY_PAGE }),
  },
  strict,
);

export const GossipMessage = Type.Union(
  [PresenceGossip, TypingGossip, StatusGossip, ArchiveRequestGossip, ArchivePageGossip],
  {
    $id: 'GossipMessage',
  },
);
export type GossipMessage = Static<typeof GossipMessage>;

export const gossipMessages = createCodec(GossipMessage, { maxBytes: MAX_PEER_FRAME_BYTES });
