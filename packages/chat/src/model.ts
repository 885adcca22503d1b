import type { ChatMessage } from '@quorum/protocol';
import type { Outcome } from './types.js';

/** The state machine's memory, shared by the reducer (state.ts) and the snapshot codec. */

export interface Config {
  readonly dedupWindowMs: number;
  readonly maxDedupClients: number;
}

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
 * messages.length`. Today every message is kept (`firstPosition` stays 1); a future deterministic
 * trimming rule only has to drop a prefix and advance `firstPosition`.
 */
export interface RoomRecord {
  readonly members: Set<string>;
  firstPosition: number;
  readonly messages: ChatMessage[];
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
