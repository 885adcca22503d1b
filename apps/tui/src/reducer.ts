/**
 * The screen state as a pure reducer over client events and UI actions.
 *
 * - Messages are shown once, in position order per room; our own sends appear at once as
 *   pending lines and turn into the posted message when it comes back (matched by the position
 *   the ack reports, or provisionally by its text when the message comes first), or into a
 *   failed line with the reason.
 * - While the client is (re)connecting, arriving messages, reactions and history resets are held
 *   back and shown after a "connected to server N, recovered K messages" notice, so the notice
 *   comes before the messages it talks about (and a reaction after the message it is on).
 * - Every string from the network is sanitized here, on the way in.
 *
 * The parts live in reducer-messages.ts, reducer-connection.ts and reducer-rooms.ts.
 */

import type { Action, NoticeTarget } from './actions.js';
import { initialState, type MessageLine, type RoomView, type TuiState, TYPING_TTL_MS } from './model.js';
import { historyResetText, onState, showReset } from './reducer-connection.js';
import { onOutbox, showBacklog, showMessage, showReaction } from './reducer-messages.js';
import {
  appendLines,
  ensureRoom,
  notice,
  setMembers,
  switchTo,
  withoutKey,
  withRoom,
} from './reducer-rooms.js';
import { sanitize } from './sanitize.js';

export function reduce(state: TuiState, action: Action): TuiState {
  switch (action.type) {
    case 'state':
      return onState(state, action.event, action.now);
    case 'welcome':
      return {
        ...state,
        connection: { ...state.connection, serverId: action.serverId, leaderId: action.leaderId },
      };
    case 'leader':
      return state.connection.leaderId === action.leaderId
        ? state
        : { ...state, connection: { ...state.connection, leaderId: action.leaderId } };
    case 'session': {
      const displayNames = new Map(state.displayNames);
      displayNames.set(sanitize(action.user), sanitize(action.displayName));
      return { ...state, user: sanitize(action.user), displayNames };
    }
    case 'joined': {
      const ensured = ensureRoom(state, action.room);
      const self = state.user;
      const room = setMembers(ensured.room, action.members, (user, before) =>
        user === self ? true : (before?.online ?? null),
      );
      return withRoom(ensured.state, { ...room, joined: true });
    }
    case 'message':
      if (state.connection.state !== 'connected') {
        return {
          ...state,
          held: [
            ...state.held,
            { type: 'message', room: action.room, message: action.message, source: action.source },
          ],
        };
      }
      return showMessage(state, action.room, action.message, action.source);
    case 'outbox':
      return onOutbox(state, action);
    case 'reaction':
      // Held like messages: a reaction to a message that is still held must wait until it is shown.
      if (state.connection.state !== 'connected') return { ...state, held: [...state.held, action] };
      return showReaction(state, action);
    case 'presence': {
      const room = state.rooms.get(action.room);
      if (room === undefined) return state;
      const members = new Map(room.members);
      members.set(sanitize(action.user), { online: action.online });
      return withRoom(state, { ...room, members });
    }
    case 'typing': {
      const room = state.rooms.get(action.room);
      const user = sanitize(action.user);
      if (room === undefined || user === state.user) return state;
      if (!action.active) {
        const typing = withoutKey(room.typing, user);
        return typing === room.typing ? state : withRoom(state, { ...room, typing });
      }
      const typing = new Map(room.typing);
      typing.set(user, action.now + TYPING_TTL_MS);
      return withRoom(state, { ...room, typing });
    }
    case 'membership': {
      const room = state.rooms.get(action.room);
      const user = sanitize(action.user);
      if (room === undefined) return state;
      if (action.joined === room.members.has(user)) return state;
      const members = new Map(room.members);
      if (action.joined) members.set(user, { online: room.members.get(user)?.online ?? null });
      else members.delete(user);
      const next = withRoom(state, { ...room, members });
      if (user === state.user) return next;
      const text = action.joined ? `→ ${user} joined #${room.name}` : `← ${user} left #${room.name}`;
      return notice(next, { room: room.name }, 'info', text, action.now);
    }
    case 'display_name': {
      const displayNames = new Map(state.displayNames);
      displayNames.set(sanitize(action.user), sanitize(action.displayName));
      return { ...state, displayNames };
    }
    case 'history_reset': {
      const text = historyResetText(action.event);
      if (state.connection.state !== 'connected') {
        return {
          ...state,
          held: [...state.held, { type: 'history_reset', room: action.event.room, text, ts: action.now }],
        };
      }
      return showReset(state, action.event.room, text, action.now);
    }
    case 'client_error': {
      const text = action.fatal
        ? `stopped: ${action.message} (${action.code})`
        : `${action.code}: ${action.message}`;
      const target: NoticeTarget =
        action.room !== undefined && state.rooms.has(action.room) ? { room: action.room } : 'current';
      return notice(state, action.fatal ? 'all' : target, action.fatal ? 'error' : 'warn', text, action.now);
    }
    case 'who': {
      const room = state.rooms.get(action.room);
      const displayNames = new Map(state.displayNames);
      for (const m of action.members) displayNames.set(sanitize(m.user), sanitize(m.displayName));
      const next = { ...state, displayNames };
      if (room === undefined) return next;
      const online = new Map(action.members.map((m) => [sanitize(m.user), m.online]));
      const self = state.user;
      return withRoom(
        next,
        setMembers(
          room,
          action.members.map((m) => m.user),
          (user) => (user === self ? true : (online.get(user) ?? null)),
        ),
      );
    }
    case 'backlog':
      return showBacklog(state, action.room, action.messages);
    case 'room_list':
      return { ...state, knownRooms: action.rooms.map(sanitize) };
    case 'notice':
      return notice(state, action.target, action.level, action.text, action.now);
    case 'add_room': {
      const ensured = ensureRoom(state, action.room);
      return action.focus ? switchTo(ensured.state, action.room, 0) : ensured.state;
    }
    case 'remove_room': {
      if (!state.rooms.has(action.room)) return state;
      const names = [...state.rooms.keys()];
      const at = names.indexOf(action.room);
      const rooms = new Map(state.rooms);
      rooms.delete(action.room);
      if (state.current !== action.room) return { ...state, rooms };
      const rest = [...rooms.keys()];
      const current = rest[Math.min(at, rest.length - 1)] ?? null;
      return { ...state, rooms, current };
    }
    case 'switch':
      return switchTo(state, action.target, action.now);
    case 'scroll': {
      const room = state.current === null ? undefined : state.rooms.get(state.current);
      if (room === undefined) return state;
      const total = room.lines.length + room.pending.length;
      const page = Math.max(1, action.page);
      const scroll =
        action.direction === 'bottom'
          ? 0
          : action.direction === 'up'
            ? Math.max(0, Math.min(room.scroll + page, total - 1))
            : Math.max(0, room.scroll - page);
      if (scroll === room.scroll) return state;
      return withRoom(state, { ...room, scroll, ...(scroll === 0 ? { unread: 0, mentions: 0 } : {}) });
    }
    case 'clear': {
      const room = state.current === null ? undefined : state.rooms.get(state.current);
      if (room === undefined) return { ...state, system: [] };
      return withRoom(state, { ...room, lines: [], scroll: 0 });
    }
    case 'tick': {
      let rooms: Map<string, RoomView> | null = null;
      for (const room of state.rooms.values()) {
        const expired = [...room.typing].filter(([, until]) => until <= action.now);
        if (expired.length === 0) continue;
        const typing = new Map(room.typing);
        for (const [user] of expired) typing.delete(user);
        rooms ??= new Map(state.rooms);
        rooms.set(room.name, { ...room, typing });
      }
      return rooms === null ? state : { ...state, rooms };
    }
    case 'prompt':
      return { ...state, prompt: action.prompt };
    case 'reset': {
      const fresh = initialState({ user: action.user, clientId: action.clientId });
      if (action.user !== state.user) return { ...fresh, system: state.system, nextKey: state.nextKey };
      // The same account again (after a wrong password, an expired session...): keep the
      // scrollback; sends of the old client that never got an answer are marked as failed.
      const rooms = new Map<string, RoomView>();
      for (const [name, room] of state.rooms) {
        const dropped = room.pending
          .filter((p) => p.status === 'pending')
          .map((p): MessageLine => ({ ...p, status: 'failed', note: 'not sent: the client was restarted' }));
        rooms.set(name, {
          ...appendLines(room, dropped),
          pending: [],
          claimed: new Map(),
          typing: new Map(),
          joined: false,
        });
      }
      return {
        ...fresh,
        rooms,
        current: state.current,
        system: state.system,
        nextKey: state.nextKey,
        displayNames: state.displayNames,
      };
    }
  }
}
