/**
 * Everything that changes the screen state: the client library's events (mapped 1:1) and the
 * UI's own actions. Times come in as `now` so the reducer stays pure.
 */

import type { HistoryResetEvent, OutboxEntry, StateEvent } from '@quorum/client';
import type { ChatMessage } from '@quorum/protocol';
import type { Level, Prompt, ReactionChange } from './model.js';

/** Where a notice goes: the room on screen, every joined room, or one room. */
export type NoticeTarget = 'current' | 'all' | { readonly room: string };

export type Action =
  // ---- client events
  | { readonly type: 'state'; readonly event: StateEvent; readonly now: number }
  | { readonly type: 'welcome'; readonly serverId: number; readonly leaderId: number | null }
  | { readonly type: 'leader'; readonly leaderId: number | null }
  | { readonly type: 'session'; readonly user: string; readonly displayName: string }
  | { readonly type: 'joined'; readonly room: string; readonly members: readonly string[] }
  | {
      readonly type: 'message';
      readonly room: string;
      readonly message: ChatMessage;
      readonly source: 'live' | 'resume' | 'history';
      readonly now: number;
    }
  | {
      readonly type: 'outbox';
      readonly change: 'added' | 'sent' | 'retrying' | 'delivered' | 'failed';
      readonly entry: OutboxEntry;
    }
  | ({ readonly type: 'reaction' } & ReactionChange)
  | { readonly type: 'presence'; readonly room: string; readonly user: string; readonly online: boolean }
  | {
      readonly type: 'typing';
      readonly room: string;
      readonly user: string;
      readonly active: boolean;
      readonly now: number;
    }
  | {
      readonly type: 'membership';
      readonly room: string;
      readonly user: string;
      readonly joined: boolean;
      readonly now: number;
    }
  | { readonly type: 'display_name'; readonly user: string; readonly displayName: string }
  | { readonly type: 'history_reset'; readonly event: HistoryResetEvent; readonly now: number }
  | {
      readonly type: 'client_error';
      readonly code: string;
      readonly message: string;
      readonly fatal: boolean;
      readonly room?: string;
      readonly now: number;
    }
  // ---- results of requests
  | {
      readonly type: 'who';
      readonly room: string;
      readonly members: readonly { user: string; displayName: string; online: boolean }[];
    }
  | { readonly type: 'room_list'; readonly rooms: readonly string[] }
  /** Older messages loaded after a restart (they go above what is shown). */
  | { readonly type: 'backlog'; readonly room: string; readonly messages: readonly ChatMessage[] }
  // ---- the UI
  | {
      readonly type: 'notice';
      readonly target: NoticeTarget;
      readonly level: Level;
      readonly text: string;
      readonly now: number;
    }
  | { readonly type: 'add_room'; readonly room: string; readonly focus: boolean }
  | { readonly type: 'remove_room'; readonly room: string }
  | { readonly type: 'switch'; readonly target: string | number | 'next' | 'prev'; readonly now: number }
  | { readonly type: 'scroll'; readonly direction: 'up' | 'down' | 'bottom'; readonly page: number }
  | { readonly type: 'clear' }
  | { readonly type: 'tick'; readonly now: number }
  | { readonly type: 'prompt'; readonly prompt: Prompt | null }
  | { readonly type: 'reset'; readonly user: string | null; readonly clientId: string };
