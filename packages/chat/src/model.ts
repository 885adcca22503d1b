import type { ChatMessage } from '@quorum/protocol';
import type { Outcome } from './types.js';

/** The state machine's memory, shared by the reducer (state.ts) and the snapshot codec. */

export interface Config {
  readonly dedupWindowMs: number;
  /** The legacy table's cap (commands without `v`, from logs of earlier versions). */
  readonly maxDedupClients: number;
  readonly retainPerRoom: number;
  /** Per-user table: clients remembered per user, per the anonymous principal, seqs per client. */
  readonly clientsPerUser: number;
  readonly anonymousClients: number;
  readonly seqWindow: number;
  /** Rooms one user may create (commands with `v`). */
  readonly roomsPerUser: number;
}

export type Reactions = ChatMessage['reactions'];

export interface UserRecord {
  passwordHash: string;
  displayName: string;
}

export interface SessionRecord {
  readonly user: string;
  expiresAt: number;
}

/**
 * A room. `messages[i]` has position `firstPosition + i`, so `head = firstPosition - 1 +
 * messages.length`. Only the newest `retainPerRoom` messages are kept here: each older one leaves
 * memory through the `archived` list of the effect that pushed it out, and the host stores it
 * (its archive serves positions below `firstPosition`). Reactions stay replicated state for every
 * message: those of archived messages live in `archivedReactions`, which holds only messages that
 * have any.
 */
export interface RoomRecord {
  /** Who created it ('' for a room created by a command of an earlier version). */
  readonly creator: string;
  readonly members: Set<string>;
  firstPosition: number;
  readonly messages: ChatMessage[];
  readonly archivedReactions: Map<number, Reactions>;
}

export interface DedupRecord {
  seq: number;
  lastSeen: number;
  outcome: Outcome;
}

/** One client of one user in the per-user dedup table (client-table.ts). */
export interface ClientRecord {
  readonly user: string;
  readonly clientId: string;
  /** The highest seq applied. */
  newest: number;
  lastSeen: number;
  /** First outcomes of the applied seqs above `newest - seqWindow`. */
  readonly outcomes: Map<number, Outcome>;
}

export interface Model {
  readonly config: Config;
  lastAppliedSlot: number;
  appliedCount: number;
  hash: string;
  /** The replicated clock: the newest command `ts` applied so far (see `advanceClock`). */
  clock: number;
  readonly users: Map<string, UserRecord>;
  readonly sessions: Map<string, SessionRecord>;
  readonly rooms: Map<string, RoomRecord>;
  /**
   * The legacy dedup table, for commands without `v` (logs of earlier versions), exactly as those
   * versions kept it. Insertion order is recency: least recently touched first, so `lastSeen`
   * never decreases.
   */
  readonly dedup: Map<string, DedupRecord>;
  /** The per-user dedup table, by `clientKey(user, clientId)`, in recency order (client-table.ts). */
  readonly clients: Map<string, ClientRecord>;
  /** The same records by user, then client id (derived from `clients`, rebuilt at restore). */
  readonly clientsByUser: Map<string, Map<string, ClientRecord>>;
  /** Rooms each user created (derived from the rooms' creators, rebuilt at restore). */
  readonly roomsCreated: Map<string, number>;
}

export function headOf(room: RoomRecord): number {
  return room.firstPosition - 1 + room.messages.length;
}

/** A deep copy, so callers never hold a reference into the state. */
export function copyMessage(message: ChatMessage): ChatMessage {
  return { ...message, reactions: message.reactions.map((r) => ({ emoji: r.emoji, users: [...r.users] })) };
}
