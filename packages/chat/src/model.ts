import type { ChatMessage } from '@quorum/protocol';
import type { Outcome } from './types.js';

/** The state machine's memory, shared by the reducer (state.ts) and the snapshot codec. */

export interface Config {
  readonly dedupWindowMs: number;
  readonly maxDedupClients: number;
  readonly retainPerRoom: number;
}

export type Reactions = ChatMessage['reactions'];

export interface UserRecord {
  readonly passwordHash: string;
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
  /** Insertion order is recency: least recently touched first, so `lastSeen` never decreases. */
  readonly dedup: Map<string, DedupRecord>;
}

export function headOf(room: RoomRecord): number {
  return room.firstPosition - 1 + room.messages.length;
}

/** A deep copy, so callers never hold a reference into the state. */
export function copyMessage(message: ChatMessage): ChatMessage {
  return { ...message, reactions: message.reactions.map((r) => ({ emoji: r.emoji, users: [...r.users] })) };
}
