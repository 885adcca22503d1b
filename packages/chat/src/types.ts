import type { ChatMessage, CommandOp, ErrorCode, ServerToClientOf } from '@quorum/protocol';

/**
 * A live event one applied command produced, in exactly the shape the client protocol sends
 * (`message`, `reaction`, `membership`, `display_name` frames of `ServerToClient`), so the server
 * can fan it out as is. Events are fresh copies: later commands never change an event already
 * returned.
 *
 * Who receives what is the server's decision: `message`, `reaction` and `membership` belong to
 * `room` (send them to the room's subscribers); `display_name` concerns one user (send it to
 * everyone who shares a room with them, or to everyone).
 */
export type ChatEvent = ServerToClientOf<'message' | 'reaction' | 'membership' | 'display_name'>;

/** `post`: the message now has `position` in `room` on every replica (the `ack` frame's data). */
export interface PostResult {
  readonly op: 'post';
  readonly room: string;
  readonly position: number;
  readonly ts: number;
}

/** `react`: `changed` is false when the user's reaction was already in the requested state. */
export interface ReactResult {
  readonly op: 'react';
  readonly room: string;
  readonly position: number;
  readonly emoji: string;
  readonly on: boolean;
  readonly changed: boolean;
}

export interface RegisterResult {
  readonly op: 'register';
  readonly user: string;
}

/** `open_session`: the session is valid until `expiresAt`; `displayName` is the user's one at open time. */
export interface OpenSessionResult {
  readonly op: 'open_session';
  readonly user: string;
  readonly displayName: string;
  readonly expiresAt: number;
}

/** `close_session`: `revoked` is false when the token was not (or no longer) known. */
export interface CloseSessionResult {
  readonly op: 'close_session';
  readonly revoked: boolean;
}

/**
 * `join`: `created` when this join created the room, `joined` false when the user already was a
 * member (idempotent join). `head` is the room's newest position right after the join (0 for an
 * empty room): the `joined` frame's `head`. Ask `members(room)` for the member list.
 */
export interface JoinResult {
  readonly op: 'join';
  readonly room: string;
  readonly created: boolean;
  readonly joined: boolean;
  readonly head: number;
}

/** `leave`: `left` is false when the user was not a member (idempotent leave). */
export interface LeaveResult {
  readonly op: 'leave';
  readonly room: string;
  readonly left: boolean;
}

export interface SetDisplayNameResult {
  readonly op: 'set_display_name';
  readonly user: string;
  readonly displayName: string;
  readonly changed: boolean;
}

export interface SetPasswordHashResult {
  readonly op: 'set_password_hash';
  readonly user: string;
}

/** What a successful command returns, by `op`. Small on purpose: it is kept in the dedup table. */
export type CommandResult =
  | PostResult
  | ReactResult
  | RegisterResult
  | OpenSessionResult
  | CloseSessionResult
  | JoinResult
  | LeaveResult
  | SetDisplayNameResult
  | SetPasswordHashResult;

export type ResultOf<O extends CommandOp> = Extract<CommandResult, { op: O }>;

export interface Success {
  readonly ok: true;
  readonly result: CommandResult;
}

/** A rejected command: nothing changed; `code` is a stable protocol error code for the client. */
export interface Failure {
  readonly ok: false;
  readonly code: ErrorCode;
  readonly message: string;
}

/** A command's outcome, as the dedup table remembers it. */
export type Outcome = Success | Failure;

/**
 * How the dedup table treated the command:
 * - `new`: first time this `(clientId, seq)` was seen; the command ran (successfully or not) and
 *   its outcome is remembered;
 * - `duplicate`: `seq` equals the client's last applied seq: nothing ran again; the outcome is the
 *   remembered outcome of the first application (answer the retry with it: same position, same ts);
 * - `stale`: `seq` is too old to tell: nothing ran; the outcome is a `seq_expired` failure (a
 *   legacy command: `forbidden`, for any seq below the client's last one).
 */
export type DedupStatus = 'new' | 'duplicate' | 'stale';

/**
 * The effect of one command of an applied slot. `ChatState.apply` returns one per command, in the
 * slot's order. It is a flat object: the command's identity, how dedup treated it, the outcome
 * (`ok: true` with a typed `result`, or `ok: false` with an error `code` and `message`), and the
 * live events to fan out.
 *
 * For the server: answer the pending request keyed by `(clientId, seq)` (if this server holds
 * one) from the outcome, e.g. a `post` success becomes `ack { room, clientId, seq, position, ts }`;
 * then broadcast `events`. `events` is empty unless `dedup === 'new' && ok`, and a duplicate never
 * produces events, so broadcasting every effect's events sends each event exactly once per
 * replica.
 */
export type AppliedEffect = EffectMeta & Outcome;

export interface EffectMeta {
  /** The slot the command was committed in. */
  readonly slot: number;
  /** The command's 0-based index within the slot's batch. */
  readonly index: number;
  /**
   * The command's `op`. For a duplicate, `result.op` is the op of the first application, which
   * differs only if a client reused a seq for another command.
   */
  readonly op: CommandOp;
  /** The command's principal (see `CommandIdentity` in the protocol): with clientId and seq, its identity. */
  readonly user: string;
  readonly clientId: string;
  readonly seq: number;
  /** The command's timestamp, fixed by the proposing server. */
  readonly ts: number;
  readonly dedup: DedupStatus;
  readonly events: readonly ChatEvent[];
  /**
   * Messages this command pushed out of memory (oldest first, without reactions: those stay in
   * the state). The host must add them to its archive before it persists a snapshot taken after
   * this command.
   */
  readonly archived: readonly ChatMessage[];
  /**
   * Token hashes of the sessions this command ended: closed (`close_session`), or found expired
   * when the replicated clock moved on. The host ends every connection still using them.
   */
  readonly endedSessions: readonly string[];
}

/** The tuning that must be identical on every replica; it travels inside the snapshot. */
export interface ChatStateOptions {
  /**
   * Dedup entries not touched for longer than this, measured on the replicated clock (the newest
   * command `ts` applied so far), are evicted. Default 24 hours.
   */
  readonly dedupWindowMs?: number;
  /**
   * Most entries of the legacy dedup table (commands without `v`, from logs of earlier
   * versions); beyond it the least recently touched are evicted. Default 100 000.
   */
  readonly maxDedupClients?: number;
  /** Clients remembered per user (default DEDUP_CLIENTS_PER_USER). */
  readonly clientsPerUser?: number;
  /** Clients remembered for the anonymous principal (default DEDUP_ANONYMOUS_CLIENTS). */
  readonly anonymousClients?: number;
  /** Seqs remembered per client (default MAX_COMMANDS_IN_FLIGHT). */
  readonly seqWindow?: number;
  /** Rooms one user may create (default MAX_ROOMS_CREATED_PER_USER). */
  readonly roomsPerUser?: number;
  /**
   * Newest messages kept in memory per room; older ones move to the host's archive. Default 1000.
   * Every replica must use the same value (it travels inside the snapshot).
   */
  readonly retainPerRoom?: number;
}

/** Positions `[from, to)` of a room that only the host's archive holds (they precede `messages`). */
export interface ArchivedRange {
  readonly from: number;
  readonly to: number;
}

/** A replica's fingerprint: compare two replicas only at equal `lastAppliedSlot`. */
export interface StateDigest {
  readonly lastAppliedSlot: number;
  /** Commands applied so far (every command of every applied slot, duplicates included). */
  readonly appliedCount: number;
  /** The chained FNV-1a 64 hash of every applied command, 16 hex digits. */
  readonly hash: string;
}

/** One page of `history`: oldest first. */
export interface HistoryPage {
  /** The page's newest part, from memory. */
  readonly messages: ChatMessage[];
  /** The page's oldest part, to read from the archive and put before `messages`; null if none. */
  readonly archived: ArchivedRange | null;
  /** True when older messages exist before the first one of the page. */
  readonly hasMore: boolean;
  /** The room's newest position (0 for an empty room). */
  readonly head: number;
}

/** The answer to `messagesAfter`, shaped like the `resume_result` frame. */
export interface ResumePage {
  /** Always true here: every position is in memory or in the archive (the host may still fail). */
  readonly recovered: boolean;
  /** The positions after `after` that are in memory (after those of `archived`, if any). */
  readonly messages: ChatMessage[];
  /** The first positions after `after`, to read from the archive; null if none. */
  readonly archived: ArchivedRange | null;
  /** True when `messages` reaches the head; false means ask again from the last one returned. */
  readonly complete: boolean;
  readonly head: number;
}

/** A room as `rooms()` lists it (the `room_list` frame's entries). */
export interface RoomSummary {
  readonly room: string;
  readonly members: number;
  readonly head: number;
}

/** A live session as `session()` returns it. */
export interface SessionInfo {
  readonly user: string;
  readonly expiresAt: number;
}

/** What a client's dedup entry remembers. */
export interface DedupEntry {
  /** The newest seq applied. */
  readonly seq: number;
  /** The replicated clock when the entry was last touched; it is evicted a window after that. */
  readonly lastSeen: number;
  /** The newest seq's outcome. */
  readonly outcome: Outcome;
  /** The first outcome of every remembered seq. */
  readonly outcomes: ReadonlyMap<number, Outcome>;
}

/** Sizes, for metrics and memory accounting. */
export interface ChatStats {
  readonly users: number;
  readonly sessions: number;
  readonly rooms: number;
  /** Messages in memory (the archive holds the rest). */
  readonly messages: number;
  /** Messages moved to the archive so far (the sum of the rooms' `firstPosition - 1`). */
  readonly archivedMessages: number;
  readonly dedupClients: number;
}
