import type { StateEvent } from '@quorum/client';
import { cleanName, cleanText } from '../lib/sanitize.js';
import type { ChatAction } from './chat-actions.js';
import {
  type Banner,
  type ChatState,
  emptyRoom,
  initialChatState,
  MAX_MESSAGES_PER_ROOM,
  MAX_NOTICES,
  type Member,
  type PendingSend,
  RECONNECTED_BANNER_MS,
  type RoomView,
  TYPING_TTL_MS,
} from './chat-state.js';
import { withMap, withoutKey } from './maps.js';
import { applyReaction, cleanEmoji, cleanMessage, insertMessage } from './messages.js';
import { afterAck, claimByText } from './pending.js';

/**
 * The whole chat page as a pure function of the client library's events and the user's actions.
 * No I/O, no clock: time comes in with the actions. Every name and text from the network is
 * cleaned here, on the way in (lib/sanitize.ts), so no component can forget to.
 */
export function chatReducer(state: ChatState, action: ChatAction): ChatState {
  switch (action.type) {
    case 'started': {
      const rooms = new Map(action.rooms.map((room) => [room, emptyRoom(room)] as const));
      return {
        ...initialChatState,
        phase: 'starting',
        clientId: action.clientId,
        user: action.user,
        rooms,
        roomOrder: [...action.rooms],
        activeRoom: action.rooms[0] ?? null,
      };
    }
    case 'session':
      return {
        ...state,
        phase: 'in',
        user: cleanName(action.user),
        displayName: cleanName(action.displayName),
        authError: null,
      };
    case 'welcome':
      return { ...state, connection: { ...state.connection, leaderId: action.leaderId } };
    case 'state':
      return onState(state, action.event, action.now);
    case 'joined': {
      const { room, head, members } = action.event;
      return updateRoom(withRoom(state, room), room, (view) => {
        const next = new Map<string, Member>();
        for (const name of members) {
          const user = cleanName(name);
          next.set(user, view.members.get(user) ?? { user, displayName: null, online: user === state.user });
        }
        return { ...view, head: Math.max(view.head, head), members: next };
      });
    }
    case 'message': {
      const { room, source } = action.event;
      const message = cleanMessage(action.event.message);
      return updateRoom(withRoom(state, room), room, (view) => {
        const messages = insertMessage(view.messages, message, MAX_MESSAGES_PER_ROOM);
        if (messages === view.messages) return view;
        // Our send whose ack came first is matched by its position; one whose ack is still on
        // its way, by its text (see PendingSend.shownAt).
        let pending: readonly PendingSend[] = view.pending.filter((p) => p.position !== message.position);
        if (pending.length === view.pending.length && message.author === state.user)
          pending = claimByText(pending, message);
        const unread = source === 'live' && room !== state.activeRoom ? view.unread + 1 : view.unread;
        return {
          ...view,
          messages,
          pending,
          typing: withoutKey(view.typing, message.author),
          unread,
          head: Math.max(view.head, message.position),
        };
      });
    }
    case 'outbox': {
      const { change, entry } = action.event;
      if (entry.kind !== 'send' || !state.rooms.has(entry.room)) return state;
      const snapshot: PendingSend = {
        clientId: entry.clientId,
        seq: entry.seq,
        room: entry.room,
        text: cleanText(entry.text),
        createdAt: entry.createdAt,
        state: entry.state,
        attempts: entry.attempts,
        ...(entry.position === undefined ? {} : { position: entry.position }),
        ...(entry.ts === undefined ? {} : { ts: entry.ts }),
        ...(entry.error === undefined
          ? {}
          : { error: { code: entry.error.code, message: cleanText(entry.error.message) } }),
      };
      return updateRoom(state, entry.room, (view) => {
        const index = view.pending.findIndex((p) => p.clientId === entry.clientId && p.seq === entry.seq);
        if (index < 0) {
          // Only `added` creates a line; a later change for a line already replaced by its
          // message (the message event came before the ack) is ignored.
          if (change !== 'added') return view;
          const shown = view.messages.some((m) => m.position === entry.position);
          return shown ? view : { ...view, pending: [...view.pending, snapshot] };
        }
        return { ...view, pending: afterAck(view.pending, index, snapshot, view.messages) };
      });
    }
    case 'history_reset': {
      const { room, lastSeen, resumedFrom, missed } = action.event;
      return updateRoom(withRoom(state, room), room, (view) => ({
        ...view,
        resets: [...view.resets, { lastSeen, resumedFrom, missed, at: action.now }],
      }));
    }
    case 'history_page':
      return updateRoom(state, action.room, (view) => {
        let messages = view.messages;
        for (const message of action.messages)
          messages = insertMessage(messages, cleanMessage(message), MAX_MESSAGES_PER_ROOM);
        return { ...view, messages, hasMore: action.hasMore };
      });
    case 'presence': {
      const { room, online } = action.event;
      const user = cleanName(action.event.user);
      return updateRoom(state, room, (view) => {
        const member = view.members.get(user) ?? { user, displayName: null, online };
        return { ...view, members: withMap(view.members, user, { ...member, online }) };
      });
    }
    case 'typing': {
      const { room, active } = action.event;
      const user = cleanName(action.event.user);
      if (user === state.user) return state;
      return updateRoom(state, room, (view) => {
        if (active) return { ...view, typing: withMap(view.typing, user, action.now + TYPING_TTL_MS) };
        const typing = withoutKey(view.typing, user);
        return typing === view.typing ? view : { ...view, typing };
      });
    }
    case 'membership': {
      const { room, joined } = action.event;
      const user = cleanName(action.event.user);
      return updateRoom(state, room, (view) => {
        if (joined) {
          if (view.members.has(user)) return view;
          return {
            ...view,
            members: withMap(view.members, user, { user, displayName: null, online: false }),
          };
        }
        const members = withoutKey(view.members, user);
        return members === view.members ? view : { ...view, members };
      });
    }
    case 'reaction': {
      const { room, position, on } = action.event;
      const user = cleanName(action.event.user);
      const emoji = cleanEmoji(action.event.emoji);
      return updateRoom(state, room, (view) => {
        const index = view.messages.findIndex((m) => m.position === position);
        const message = view.messages[index];
        if (message === undefined) return view;
        const messages = [...view.messages];
        messages[index] = applyReaction(message, emoji, user, on);
        return { ...view, messages };
      });
    }
    case 'display_name': {
      const user = cleanName(action.event.user);
      const displayName = cleanName(action.event.displayName);
      const rooms = new Map<string, RoomView>();
      for (const [name, view] of state.rooms) {
        const member = view.members.get(user);
        rooms.set(
          name,
          member === undefined
            ? view
            : { ...view, members: withMap(view.members, user, { ...member, displayName }) },
        );
      }
      return { ...state, rooms, displayName: user === state.user ? displayName : state.displayName };
    }
    case 'who':
      return updateRoom(state, action.room, (view) => {
        const members = new Map<string, Member>();
        for (const m of action.members) {
          const user = cleanName(m.user);
          members.set(user, { user, displayName: cleanName(m.displayName), online: m.online });
        }
        return { ...view, members };
      });
    case 'room_list':
      return { ...state, directory: [...action.rooms].sort((a, b) => a.room.localeCompare(b.room)) };
    case 'error':
      return onError(state, action);
    case 'select_room':
      if (!state.rooms.has(action.room)) return state;
      return updateRoom({ ...state, activeRoom: action.room }, action.room, (view) =>
        view.unread === 0 ? view : { ...view, unread: 0 },
      );
    case 'join_requested':
      return { ...withRoom(state, action.room), activeRoom: action.room };
    case 'left': {
      if (!state.rooms.has(action.room)) return state;
      const rooms = withoutKey(state.rooms, action.room);
      const roomOrder = state.roomOrder.filter((r) => r !== action.room);
      const activeRoom = state.activeRoom === action.room ? (roomOrder[0] ?? null) : state.activeRoom;
      return { ...state, rooms, roomOrder, activeRoom };
    }
    case 'discard':
      return updateRoom(state, action.room, (view) => ({
        ...view,
        pending: view.pending.filter((p) => p.seq !== action.seq),
      }));
    case 'notice':
      return addNotice(state, action.text, action.room, action.now);
    case 'dismiss_notice':
      return { ...state, notices: state.notices.filter((n) => n.id !== action.id) };
    case 'tick':
      return onTick(state, action.now);
    case 'signed_out':
      return { ...initialChatState, authError: action.reason };
  }
}

function onState(state: ChatState, event: StateEvent, now: number): ChatState {
  const connection = {
    ...state.connection,
    state: event.state,
    serverId: event.serverId,
    attempt: event.attempt,
    everConnected: state.connection.everConnected || event.state === 'connected',
  };
  let banner: Banner | null = state.banner;
  switch (event.state) {
    case 'connected':
      banner =
        state.banner?.kind === 'lost'
          ? { kind: 'reconnected', serverId: event.serverId, at: now }
          : state.banner;
      break;
    case 'reconnecting':
    case 'offline':
      banner = {
        kind: 'lost',
        since: state.banner?.kind === 'lost' ? state.banner.since : now,
        offline: event.state === 'offline',
        attempt: event.attempt,
        retryInMs: event.retryInMs ?? null,
        reason: event.reason ?? (state.banner?.kind === 'lost' ? state.banner.reason : null),
      };
      break;
    case 'closed':
    case 'idle':
      banner = null;
      break;
    case 'connecting':
      break;
  }
  return { ...state, connection, banner };
}

/** Keyed by the server's error code: a Map, so an unknown code like `constructor` finds nothing. */
const AUTH_MESSAGES = new Map([
  ['auth_failed', 'Wrong user name or password.'],
  ['user_exists', 'That user name is taken. Log in instead, or pick another name.'],
  ['session_invalid', 'Your session has ended. Please log in again.'],
]);

function onError(state: ChatState, action: ChatAction & { type: 'error' }): ChatState {
  const { event, now } = action;
  if (event.fatal) {
    // The client stopped (wrong password, name taken, session revoked): back to the login form.
    return { ...initialChatState, authError: AUTH_MESSAGES.get(event.code) ?? cleanText(event.message) };
  }
  if (event.room !== undefined) {
    const text =
      event.code === 'too_many_rooms'
        ? `Could not join #${event.room}: too many rooms open on this connection.`
        : `#${event.room}: ${cleanText(event.message)}`;
    return addNotice(state, text, event.room, now);
  }
  return state;
}

function addNotice(state: ChatState, text: string, room: string | null, now: number): ChatState {
  const notices = [...state.notices, { id: state.nextNoticeId, text, room, at: now }].slice(-MAX_NOTICES);
  return { ...state, notices, nextNoticeId: state.nextNoticeId + 1 };
}

function onTick(state: ChatState, now: number): ChatState {
  let changed = false;
  const rooms = new Map<string, RoomView>();
  for (const [name, view] of state.rooms) {
    const expired = [...view.typing.values()].some((until) => until <= now);
    if (!expired) {
      rooms.set(name, view);
      continue;
    }
    changed = true;
    const typing = new Map([...view.typing].filter(([, until]) => until > now));
    rooms.set(name, { ...view, typing });
  }
  const bannerExpired =
    state.banner?.kind === 'reconnected' && now - state.banner.at >= RECONNECTED_BANNER_MS;
  if (!changed && !bannerExpired) return state;
  return { ...state, rooms: changed ? rooms : state.rooms, banner: bannerExpired ? null : state.banner };
}

function withRoom(state: ChatState, room: string): ChatState {
  if (state.rooms.has(room)) return state;
  return {
    ...state,
    rooms: withMap(state.rooms, room, emptyRoom(room)),
    roomOrder: [...state.roomOrder, room],
    activeRoom: state.activeRoom ?? room,
  };
}

/** Applies `update` to a joined room; a room not joined stays as it is. */
function updateRoom(state: ChatState, room: string, update: (view: RoomView) => RoomView): ChatState {
  const view = state.rooms.get(room);
  if (view === undefined) return state;
  const next = update(view);
  return next === view ? state : { ...state, rooms: withMap(state.rooms, room, next) };
}
