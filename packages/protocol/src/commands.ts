import { type Static, Type } from '@sinclair/typebox';
import {
  Ballot,
  ChatText,
  ClientId,
  CommandSeq,
  DisplayName,
  Emoji,
  Position,
  RoomName,
  Slot,
  Timestamp,
  UserName,
} from './common.js';
import { MAX_BATCH_COMMANDS } from './limits.js';

/**
 * Commands of the replicated chat state machine: what goes into the Paxos log.
 *
 * Everything that could differ between servers (time, hashes, tokens) is fixed by the server
 * that proposes the command, so every replica applies identical bytes to identical state.
 * Every command carries `(clientId, seq)`: the state machine applies each pair once and
 * remembers its result, so a retry after failover returns the first result.
 */

/**
 * `v: 2` marks a command whose identity is `(user, clientId, seq)` (identity.ts), deduped in the
 * state machine's per-user table. Every server of this version sets it. A command without it
 * comes from a log written by an earlier version and is deduped exactly as that version did
 * (`ChatState`'s legacy table), so replaying an old log gives the state those replicas hold.
 */
export const COMMAND_VERSION = 2;
const meta = {
  clientId: ClientId,
  seq: CommandSeq,
  ts: Timestamp,
  v: Type.Optional(Type.Literal(COMMAND_VERSION)),
};
const strict = { additionalProperties: false } as const;

export const PostCommand = Type.Object(
  { op: Type.Literal('post'), ...meta, user: UserName, room: RoomName, text: ChatText },
  strict,
);
export const ReactCommand = Type.Object(
  {
    op: Type.Literal('react'),
    ...meta,
    user: UserName,
    room: RoomName,
    position: Position,
    emoji: Emoji,
    /** true adds the reaction, false removes it. */
    on: Type.Boolean(),
  },
  strict,
);
export const RegisterCommand = Type.Object(
  {
    op: Type.Literal('register'),
    ...meta,
    user: UserName,
    /** A memory-hard KDF's encoded output, computed by the receiving server, never inside apply. */
    passwordHash: Type.String({ minLength: 1, maxLength: 512 }),
  },
  strict,
);
export const OpenSessionCommand = Type.Object(
  {
    op: Type.Literal('open_session'),
    ...meta,
    user: UserName,
    /** SHA-256 of the random token, hex: the token itself never enters the log. */
    tokenHash: Type.String({ minLength: 64, maxLength: 64, pattern: '^[0-9a-f]+$' }),
    expiresAt: Timestamp,
  },
  strict,
);
export const CloseSessionCommand = Type.Object(
  {
    op: Type.Literal('close_session'),
    ...meta,
    /** The session's user (absent in logs written before commands carried it). */
    user: Type.Optional(UserName),
    tokenHash: Type.String({ minLength: 64, maxLength: 64, pattern: '^[0-9a-f]+$' }),
  },
  strict,
);
export const JoinCommand = Type.Object(
  { op: Type.Literal('join'), ...meta, user: UserName, room: RoomName },
  strict,
);
export const LeaveCommand = Type.Object(
  { op: Type.Literal('leave'), ...meta, user: UserName, room: RoomName },
  strict,
);
export const SetDisplayNameCommand = Type.Object(
  { op: Type.Literal('set_display_name'), ...meta, user: UserName, displayName: DisplayName },
  strict,
);

/**
 * Replaces a user's stored password hash: at login, when the stored one was made with older
 * parameters (the password was just verified, so the server can hash it again).
 */
export const SetPasswordHashCommand = Type.Object(
  {
    op: Type.Literal('set_password_hash'),
    ...meta,
    user: UserName,
    passwordHash: Type.String({ minLength: 1, maxLength: 512 }),
  },
  strict,
);

export const Command = Type.Union(
  [
    PostCommand,
    ReactCommand,
    RegisterCommand,
    OpenSessionCommand,
    CloseSessionCommand,
    JoinCommand,
    LeaveCommand,
    SetDisplayNameCommand,
    SetPasswordHashCommand,
  ],
  { $id: 'Command' },
);
export type Command = Static<typeof Command>;
export type CommandOp = Command['op'];
export type PostCommand = Static<typeof PostCommand>;

/**
 * A Paxos value: the batch of commands chosen for one slot. An empty batch is a no-op, which a
 * new leader uses to fill holes so that execution never stalls on a gap.
 */
export const PaxosValue = Type.Object(
  { commands: Type.Array(Command, { maxItems: MAX_BATCH_COMMANDS }) },
  strict,
);
export type PaxosValue = Static<typeof PaxosValue>;

export const NOOP: PaxosValue = Object.freeze({ commands: Object.freeze([]) as unknown as Command[] });

/** One slot's accepted value, as an acceptor reports it in a promise. */
export const AcceptedEntry = Type.Object({ slot: Slot, ballot: Ballot, value: PaxosValue }, strict);
export type AcceptedEntry = Static<typeof AcceptedEntry>;

/** One slot's value, as a leader sends it in an accept or a replica sends it during catch-up. */
export const SlotEntry = Type.Object({ slot: Slot, value: PaxosValue }, strict);
export type SlotEntry = Static<typeof SlotEntry>;
