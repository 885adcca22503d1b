import type {
  ErrorEvent,
  HistoryResetEvent,
  JoinedEvent,
  MessageEventPayload,
  OutboxEvent,
  StateEvent,
} from '@quorum/client';
import type { ChatMessage, ServerToClientOf } from '@quorum/protocol';

/**
 * Everything that changes the chat state: the client library's events (each with the page's
 * clock reading `now`, so the reducer stays pure) and the user's own actions.
 */
export type ChatAction =
  | { type: 'started'; clientId: string; user: string | null; rooms: readonly string[] }
  | { type: 'state'; event: StateEvent; now: number }
  | { type: 'welcome'; serverId: number; leaderId: number | null }
  | { type: 'session'; user: string; displayName: string }
  | { type: 'joined'; event: JoinedEvent }
  | { type: 'message'; event: MessageEventPayload; now: number }
  | { type: 'outbox'; event: OutboxEvent }
  | { type: 'history_reset'; event: HistoryResetEvent; now: number }
  | { type: 'history_page'; room: string; messages: readonly ChatMessage[]; hasMore: boolean }
  | { type: 'presence'; event: ServerToClientOf<'presence'> }
  | { type: 'typing'; event: ServerToClientOf<'typing'>; now: number }
  | { type: 'membership'; event: ServerToClientOf<'membership'> }
  | { type: 'reaction'; event: ServerToClientOf<'reaction'> }
  | { type: 'display_name'; event: ServerToClientOf<'display_name'> }
  | { type: 'who'; room: string; members: ServerToClientOf<'who_result'>['members'] }
  | { type: 'room_list'; rooms: ServerToClientOf<'room_list'>['rooms'] }
  | { type: 'error'; event: ErrorEvent; now: number }
  | { type: 'select_room'; room: string }
  | { type: 'join_requested'; room: string }
  | { type: 'left'; room: string }
  | { type: 'discard'; room: string; seq: number }
  | { type: 'dismiss_notice'; id: number }
  | { type: 'notice'; text: string; room: string | null; now: number }
  | { type: 'tick'; now: number }
  | { type: 'signed_out'; reason: string | null };
