import type { ConnectionState, OutboxEntry } from '@quorum/client';
import type { ChatMessage } from '@quorum/protocol';

/** One of our own sends that is not (yet) shown as a message of the room. */
export interface PendingSend {
  readonly clientId: string;
  readonly seq: number;
  readonly room: string;
  readonly text: string;
  readonly createdAt: number;
  readonly state: OutboxEntry['state'];
  readonly attempts: number;
  /** Where it was committed, once the ack says so. */
  readonly position?: number;
  /**
   * The position of a message of ours with the same text that arrived before this send's ack:
   * most likely this very send, so its line is hidden until the ack confirms (or refutes) it.
   * (Messages carry no client identity, so the ack's position is the only sure match.)
   */
  readonly shownAt?: number;
  readonly ts?: number;
  readonly error?: { readonly code: string; readonly message: string };
}

/** A `history_reset`: the server could no longer replay the room from where we were. */
export interface HistoryReset {
  readonly lastSeen: number;
  readonly resumedFrom: number;
  readonly missed: { readonly from: number; readonly to: number } | null;
  readonly at: number;
}

export interface Member {
  readonly user: string;
  readonly displayName: string | null;
  readonly online: boolean;
}

export interface RoomView {
  readonly name: string;
  /** Delivered messages, in position order, each position once. */
  readonly messages: readonly ChatMessage[];
  readonly pending: readonly PendingSend[];
  readonly resets: readonly HistoryReset[];
  /**
   * Keyed by user name. Tables keyed by names other people choose are Maps, never plain
   * objects: a user called `constructor` or `__proto__` would otherwise read or replace
   * Object.prototype's member of that name (issue 12, finding 5).
   */
  readonly members: ReadonlyMap<string, Member>;
  /** user -> when their typing indicator expires (ms, the page's clock). */
  readonly typing: ReadonlyMap<string, number>;
  /** Whether older messages exist before the first one shown (null: not known yet). */
  readonly hasMore: boolean | null;
  readonly unread: number;
  readonly head: number;
}

export type Banner =
  | {
      readonly kind: 'lost';
      readonly since: number;
      readonly offline: boolean;
      readonly attempt: number;
      readonly retryInMs: number | null;
      readonly reason: string | null;
    }
  | { readonly kind: 'reconnected'; readonly serverId: number | null; readonly at: number };

export interface Notice {
  readonly id: number;
  readonly text: string;
  readonly room: string | null;
  readonly at: number;
}

export interface ConnectionView {
  readonly state: ConnectionState;
  readonly serverId: number | null;
  readonly leaderId: number | null;
  readonly attempt: number;
  readonly everConnected: boolean;
}

export interface ChatState {
  /** signed_out: the login form; starting: a client exists but has not logged in yet; in: logged in. */
  readonly phase: 'signed_out' | 'starting' | 'in';
  readonly user: string | null;
  readonly displayName: string | null;
  readonly clientId: string | null;
  readonly connection: ConnectionView;
  readonly banner: Banner | null;
  /** Keyed by room name (a Map for the reason given at `RoomView.members`). */
  readonly rooms: ReadonlyMap<string, RoomView>;
  /** Joined rooms in the order they were joined. */
  readonly roomOrder: readonly string[];
  readonly activeRoom: string | null;
  /** Every room of the server (the `rooms` request), for the "browse" list. */
  readonly directory: readonly { readonly room: string; readonly members: number; readonly head: number }[];
  /** Why the last login failed or the session ended, for the login form. */
  readonly authError: string | null;
  readonly notices: readonly Notice[];
  readonly nextNoticeId: number;
}

export const TYPING_TTL_MS = 6000;
export const RECONNECTED_BANNER_MS = 5000;
export const MAX_MESSAGES_PER_ROOM = 2000;
export const MAX_NOTICES = 5;

export const initialChatState: ChatState = {
  phase: 'signed_out',
  user: null,
  displayName: null,
  clientId: null,
  connection: { state: 'idle', serverId: null, leaderId: null, attempt: 0, everConnected: false },
  banner: null,
  rooms: new Map(),
  roomOrder: [],
  activeRoom: null,
  directory: [],
  authError: null,
  notices: [],
  nextNoticeId: 1,
};

export function emptyRoom(name: string): RoomView {
  return {
    name,
    messages: [],
    pending: [],
    resets: [],
    members: new Map(),
    typing: new Map(),
    hasMore: null,
    unread: 0,
    head: 0,
  };
}
