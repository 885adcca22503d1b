import { type Static, Type } from '@sinclair/typebox';
import { createCodec } from './codec.js';
import { ReplicaId, ReplicaStatus, RoomName, UserName } from './common.js';
import { MAX_PEER_FRAME_BYTES } from './limits.js';

/**
 * Server <-> server gossip: best-effort, never through Paxos. It travels on the same
 * authenticated peer links as the Paxos messages; the host handles it and the replica never
 * sees it. Losing a gossip message costs a stale typing indicator, never a chat message.
 */
const strict = { additionalProperties: false } as const;

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

export const GossipMessage = Type.Union([PresenceGossip, TypingGossip, StatusGossip], {
  $id: 'GossipMessage',
});
export type GossipMessage = Static<typeof GossipMessage>;

export const gossipMessages = createCodec(GossipMessage, { maxBytes: MAX_PEER_FRAME_BYTES });
