/**
 * What the screen shows, as plain immutable data: rooms with their scrollback, members and
 * typing users; the connection; a pending prompt. Built only by `reducer.ts`; every string in
 * it that came from the network has been sanitized on the way in.
 */

import type { ConnectionState } from '@quorum/client';
import type { ChatMessage } from '@quorum/protocol';

export type Level = 'info' | 'warn' | 'error';

/** One emoji on a message and who put it there (in the order they did). */
export interface Reaction {
  readonly emoji: string;
  readonly users: readonly string[];
}

/** Someone added (`on`) or removed their emoji on the message at `position`: a reaction event. */
export interface ReactionChange {
  readonly room: string;
  readonly position: number;
  readonly user: string;
  readonly emoji: string;
  readonly on: boolean;
}

/** A chat message in the scrollback (or one of our own, still in the outbox). */
export interface MessageLine {
  readonly kind: 'message';
  /** Unique in its room: `p<position>` once posted, `o<clientId>:<seq>` while pending. */
  readonly key: string;
  readonly position: number | null;
  readonly author: string;
  /** The text, split at its line breaks. */
  readonly lines: readonly string[];
  readonly ts: number;
  /**
   * Our outbox identity of our own sends; null on posted messages: a message carries no client
   * identity (other people's clientIds never reach a client).
   */
  readonly clientId: string | null;
  readonly seq: number | null;
  /** Written by our user (from this client or another one of theirs). */
  readonly own: boolean;
  /** Our own sends: pending until acked, then delivered; or failed. Null for everyone else's. */
  readonly status: 'pending' | 'delivered' | 'failed' | null;
  /** Why it failed, or the last retryable error while pending. */
  readonly note: string | null;
  /** Mentions our user name. */
  readonly mention: boolean;
  /** Emoji on a posted message, in the order they were first used; none while pending. */
  readonly reactions: readonly Reaction[];
}

export interface NoticeLine {
  readonly kind: 'notice';
  readonly key: string;
  readonly level: Level;
  readonly text: string;
  readonly ts: number;
}

export type Line = MessageLine | NoticeLine;

export interface Member {
  /** From presence events and /who; null while unknown. */
  readonly online: boolean | null;
}

export interface RoomView {
  readonly name: string;
  /** Posted messages and notices, oldest first (bounded). */
  readonly lines: readonly Line[];
  /** Our own sends not yet seen as posted messages, oldest first. */
  readonly pending: readonly MessageLine[];
  /**
   * Sends of ours taken off `pending` because a message of ours with the same text arrived
   * before their ack (seq -> that message's position): the ack confirms it, or puts the line
   * back. (The ack's position is the only sure match; it usually comes a moment after the message.)
   */
  readonly claimed: ReadonlyMap<number, number>;
  readonly members: ReadonlyMap<string, Member>;
  /** User -> when their typing indicator expires (ms). */
  readonly typing: ReadonlyMap<string, number>;
  /** Highest position shown. */
  readonly lastPosition: number;
  readonly unread: number;
  readonly mentions: number;
  /** Entries hidden below the view (0: following the newest). */
  readonly scroll: number;
  /** The server confirmed the join. */
  readonly joined: boolean;
}

export interface ConnectionView {
  readonly state: ConnectionState;
  readonly serverId: number | null;
  readonly leaderId: number | null;
  readonly attempt: number;
  readonly retryInMs: number | null;
  readonly reason: string | null;
}

/** The input line asks for a secret instead of a chat line. */
export interface Prompt {
  readonly kind: 'password';
  readonly user: string;
  readonly register: boolean;
  readonly label: string;
}

/** Something that arrived while (re)connecting, shown after the "connected" notice. */
export type Held =
  | {
      readonly type: 'message';
      readonly room: string;
      readonly message: ChatMessage;
      readonly source: 'live' | 'resume' | 'history';
    }
  | { readonly type: 'history_reset'; readonly room: string; readonly text: string; readonly ts: number }
  // Held with the messages so a reaction to a held message is applied after it is shown.
  | ({ readonly type: 'reaction' } & ReactionChange);

export interface TuiState {
  readonly user: string | null;
  readonly clientId: string;
  /** User -> display name, when known. */
  readonly displayNames: ReadonlyMap<string, string>;
  /** Joined (and joining) rooms, in the order shown in the title bar. */
  readonly rooms: ReadonlyMap<string, RoomView>;
  readonly current: string | null;
  /** Notices shown while no room is open. */
  readonly system: readonly Line[];
  readonly connection: ConnectionView;
  readonly everConnected: boolean;
  /** 'lost' after a connection was lost, 'offline' once a whole backoff cycle failed. */
  readonly outage: 'none' | 'lost' | 'offline';
  readonly held: readonly Held[];
  readonly prompt: Prompt | null;
  /** Rooms the server listed in the last /rooms, for completion. */
  readonly knownRooms: readonly string[];
  readonly nextKey: number;
}

export const MAX_LINES = 2000;
export const TYPING_TTL_MS = 6000;

export function initialState(options: { user: string | null; clientId: string }): TuiState {
  return {
    user: options.user,
    clientId: options.clientId,
    displayNames: new Map(),
    rooms: new Map(),
    current: null,
    system: [],
    connection: { state: 'idle', serverId: null, leaderId: null, attempt: 0, retryInMs: null, reason: null },
    everConnected: false,
    outage: 'none',
    held: [],
    prompt: null,
    knownRooms: [],
    nextKey: 1,
  };
}

export function emptyRoom(name: string): RoomView {
  return {
    name,
    lines: [],
    pending: [],
    claimed: new Map(),
    members: new Map(),
    typing: new Map(),
    lastPosition: 0,
    unread: 0,
    mentions: 0,
    scroll: 0,
    joined: false,
  };
}
