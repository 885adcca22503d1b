import { type Static, Type } from '@sinclair/typebox';
import {
  ChatText,
  ClientId,
  CommandSeq,
  DisplayName,
  Emoji,
  Position,
  ReplicaId,
  ReplicaStatus,
  RequestId,
  RoomName,
  Timestamp,
  Uint,
  UserName,
} from './common.js';
import { ErrorCodeSchema } from './errors.js';
import {
  MAX_HISTORY_PAGE,
  MAX_PASSWORD_LENGTH,
  MAX_REPLICAS,
  MIN_PASSWORD_LENGTH,
  SESSION_TOKEN_LENGTH,
} from './limits.js';

/**
 * Client <-> server messages, sent as JSON text frames over one WebSocket.
 *
 * Requests carry `rid` (chosen by the client); the reply to a request echoes it, and so does an
 * `error` caused by it. Events (message, presence, typing, membership, reaction, cluster) have no
 * `rid`. The first client frame must be `hello`.
 */
const strict = { additionalProperties: false } as const;
/** Any password a login may try; a new one (`register`) must have MIN_PASSWORD_LENGTH or more. */
const Password = Type.String({ minLength: 1, maxLength: MAX_PASSWORD_LENGTH });
const NewPassword = Type.String({ minLength: MIN_PASSWORD_LENGTH, maxLength: MAX_PASSWORD_LENGTH });
const SessionToken = Type.String({
  minLength: SESSION_TOKEN_LENGTH,
  maxLength: SESSION_TOKEN_LENGTH,
  pattern: '^[A-Za-z0-9_-]+$',
});

// ---- client -> server -------------------------------------------------------------------

export const Hello = Type.Object(
  {
    type: Type.Literal('hello'),
    version: Type.Integer({ minimum: 0, maximum: 65535 }),
    client: Type.Optional(Type.String({ maxLength: 64 })),
  },
  strict,
);
export const Register = Type.Object(
  { type: Type.Literal('register'), rid: RequestId, user: UserName, password: NewPassword },
  strict,
);
export const Login = Type.Object(
  { type: Type.Literal('login'), rid: RequestId, user: UserName, password: Password },
  strict,
);
/** Log in again with the token from an earlier `auth_ok`, on any server. */
export const ResumeSession = Type.Object(
  { type: Type.Literal('resume_session'), rid: RequestId, token: SessionToken },
  strict,
);
/** Revoke this connection's session token on every server. */
export const Logout = Type.Object({ type: Type.Literal('logout'), rid: RequestId }, strict);
/** Join a room (creating it if it does not exist) and subscribe to its live events. */
export const Join = Type.Object({ type: Type.Literal('join'), rid: RequestId, room: RoomName }, strict);
export const Leave = Type.Object({ type: Type.Literal('leave'), rid: RequestId, room: RoomName }, strict);
/**
 * Post a message. `(clientId, seq)` identifies it across retries and servers: resending the
 * same pair after a failover returns the first result and never posts twice.
 */
export const Send = Type.Object(
  {
    type: Type.Literal('send'),
    rid: RequestId,
    room: RoomName,
    clientId: ClientId,
    seq: CommandSeq,
    text: ChatText,
  },
  strict,
);
export const React = Type.Object(
  {
    type: Type.Literal('react'),
    rid: RequestId,
    room: RoomName,
    clientId: ClientId,
    seq: CommandSeq,
    position: Position,
    emoji: Emoji,
    on: Type.Boolean(),
  },
  strict,
);
/** A page of history strictly before `before` (or the newest page), oldest first. */
export const HistoryRequest = Type.Object(
  {
    type: Type.Literal('history'),
    rid: RequestId,
    room: RoomName,
    before: Type.Optional(Position),
    limit: Type.Integer({ minimum: 1, maximum: MAX_HISTORY_PAGE }),
  },
  strict,
);
/** Everything in `room` after position `after` (0 = from the start), for gap-free resume. */
export const ResumeRequest = Type.Object(
  { type: Type.Literal('resume'), rid: RequestId, room: RoomName, after: Uint },
  strict,
);
export const Typing = Type.Object(
  { type: Type.Literal('typing'), room: RoomName, active: Type.Boolean() },
  strict,
);
export const SetDisplayName = Type.Object(
  { type: Type.Literal('set_display_name'), rid: RequestId, displayName: DisplayName },
  strict,
);
export const ListRooms = Type.Object({ type: Type.Literal('rooms'), rid: RequestId }, strict);
export const Who = Type.Object({ type: Type.Literal('who'), rid: RequestId, room: RoomName }, strict);
/** Ask once for the cluster's state, or (`watch: true`) receive `cluster` events as it changes. */
export const ClusterInfoRequest = Type.Object(
  { type: Type.Literal('cluster_info'), rid: RequestId, watch: Type.Optional(Type.Boolean()) },
  strict,
);
export const Ping = Type.Object({ type: Type.Literal('ping'), rid: RequestId }, strict);

export const ClientToServer = Type.Union(
  [
    Hello,
    Register,
    Login,
    ResumeSession,
    Logout,
    Join,
    Leave,
    Send,
    React,
    HistoryRequest,
    ResumeRequest,
    Typing,
    SetDisplayName,
    ListRooms,
    Who,
    ClusterInfoRequest,
    Ping,
  ],
  { $id: 'ClientToServer' },
);
export type ClientToServer = Static<typeof ClientToServer>;
export type ClientToServerType = ClientToServer['type'];

// ---- server -> client -------------------------------------------------------------------

export const Reaction = Type.Object({ emoji: Emoji, users: Type.Array(UserName) }, strict);

/**
 * A chat message as every server holds it. It is named by `(room, position)`; the author's
 * `(clientId, seq)` never reaches other clients (it would let them collide with the author's
 * next sends, and it says which devices someone uses).
 */
export const ChatMessage = Type.Object(
  {
    room: RoomName,
    position: Position,
    author: UserName,
    text: ChatText,
    ts: Timestamp,
    reactions: Type.Array(Reaction),
  },
  strict,
);
export type ChatMessage = Static<typeof ChatMessage>;

export const Welcome = Type.Object(
  {
    type: Type.Literal('welcome'),
    version: Type.Integer({ minimum: 0, maximum: 65535 }),
    serverId: ReplicaId,
    leaderId: Type.Union([ReplicaId, Type.Null()]),
    limits: Type.Object(
      {
        maxFrameBytes: Uint,
        maxTextLength: Uint,
        maxHistoryPage: Uint,
        maxRoomsPerConnection: Uint,
        sendsPerSecond: Uint,
      },
      strict,
    ),
  },
  strict,
);
export const AuthOk = Type.Object(
  {
    type: Type.Literal('auth_ok'),
    rid: RequestId,
    user: UserName,
    displayName: DisplayName,
    token: SessionToken,
    expiresAt: Timestamp,
  },
  strict,
);
export const Ok = Type.Object({ type: Type.Literal('ok'), rid: RequestId }, strict);
export const Joined = Type.Object(
  {
    type: Type.Literal('joined'),
    rid: RequestId,
    room: RoomName,
    /** The room's newest position at the time of the join (0 for an empty room). */
    head: Uint,
    members: Type.Array(UserName),
  },
  strict,
);
/** A send was committed: the message now has `position` in its room, on every server. */
export const Ack = Type.Object(
  {
    type: Type.Literal('ack'),
    rid: RequestId,
    room: RoomName,
    clientId: ClientId,
    seq: CommandSeq,
    position: Position,
    ts: Timestamp,
  },
  strict,
);
/** A live message event for a joined room, in position order. */
export const MessageEvent = Type.Object({ type: Type.Literal('message'), message: ChatMessage }, strict);
export const HistoryPage = Type.Object(
  {
    type: Type.Literal('history_page'),
    rid: RequestId,
    room: RoomName,
    messages: Type.Array(ChatMessage, { maxItems: MAX_HISTORY_PAGE }),
    /** True when older messages exist before the first one returned. */
    hasMore: Type.Boolean(),
    head: Uint,
  },
  strict,
);
/**
 * The answer to `resume`. With `recovered: true`, `messages` are exactly the positions after
 * `after` (up to MAX_HISTORY_PAGE; `complete: false` means ask again from the last one). With
 * `recovered: false` the server can no longer fill the gap and the client must reload history.
 */
export const ResumeResult = Type.Object(
  {
    type: Type.Literal('resume_result'),
    rid: RequestId,
    room: RoomName,
    recovered: Type.Boolean(),
    messages: Type.Array(ChatMessage, { maxItems: MAX_HISTORY_PAGE }),
    complete: Type.Boolean(),
    head: Uint,
  },
  strict,
);
export const ReactionEvent = Type.Object(
  {
    type: Type.Literal('reaction'),
    room: RoomName,
    position: Position,
    user: UserName,
    emoji: Emoji,
    on: Type.Boolean(),
  },
  strict,
);
/** A member joined or left a room (replicated membership). */
export const MembershipEvent = Type.Object(
  { type: Type.Literal('membership'), room: RoomName, user: UserName, joined: Type.Boolean() },
  strict,
);
/** Best-effort: who is online in a room right now (not replicated through Paxos). */
export const PresenceEvent = Type.Object(
  { type: Type.Literal('presence'), room: RoomName, user: UserName, online: Type.Boolean() },
  strict,
);
export const TypingEvent = Type.Object(
  { type: Type.Literal('typing'), room: RoomName, user: UserName, active: Type.Boolean() },
  strict,
);
export const RoomList = Type.Object(
  {
    type: Type.Literal('room_list'),
    rid: RequestId,
    rooms: Type.Array(Type.Object({ room: RoomName, members: Uint, head: Uint }, strict)),
  },
  strict,
);
export const WhoResult = Type.Object(
  {
    type: Type.Literal('who_result'),
    rid: RequestId,
    room: RoomName,
    members: Type.Array(
      Type.Object({ user: UserName, displayName: DisplayName, online: Type.Boolean() }, strict),
    ),
  },
  strict,
);
export const DisplayNameEvent = Type.Object(
  { type: Type.Literal('display_name'), user: UserName, displayName: DisplayName },
  strict,
);
export const ClusterInfo = Type.Object(
  {
    type: Type.Literal('cluster'),
    rid: Type.Optional(RequestId),
    serverId: ReplicaId,
    leaderId: Type.Union([ReplicaId, Type.Null()]),
    replicas: Type.Array(ReplicaStatus, { maxItems: MAX_REPLICAS }),
  },
  strict,
);
export const Pong = Type.Object({ type: Type.Literal('pong'), rid: RequestId }, strict);
export const ErrorMessage = Type.Object(
  {
    type: Type.Literal('error'),
    rid: Type.Optional(RequestId),
    code: ErrorCodeSchema,
    message: Type.String({ maxLength: 1024 }),
    retryable: Type.Boolean(),
  },
  strict,
);

export const ServerToClient = Type.Union(
  [
    Welcome,
    AuthOk,
    Ok,
    Joined,
    Ack,
    MessageEvent,
    HistoryPage,
    ResumeResult,
    ReactionEvent,
    MembershipEvent,
    PresenceEvent,
    TypingEvent,
    RoomList,
    WhoResult,
    DisplayNameEvent,
    ClusterInfo,
    Pong,
    ErrorMessage,
  ],
  { $id: 'ServerToClient' },
);
export type ServerToClient = Static<typeof ServerToClient>;
export type ServerToClientType = ServerToClient['type'];
export type ServerToClientOf<T extends ServerToClientType> = Extract<ServerToClient, { type: T }>;
export type ClientToServerOf<T extends ClientToServerType> = Extract<ClientToServer, { type: T }>;
