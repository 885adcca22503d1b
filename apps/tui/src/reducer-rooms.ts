/** Reducer helpers for rooms: adding lines and notices, creating, switching, members. Pure. */

import type { NoticeTarget } from './actions.js';
import {
  emptyRoom,
  type Level,
  type Line,
  MAX_LINES,
  type Member,
  type RoomView,
  type TuiState,
} from './model.js';
import { sanitize } from './sanitize.js';

export function cap(lines: readonly Line[]): readonly Line[] {
  return lines.length > MAX_LINES ? lines.slice(lines.length - MAX_LINES) : lines;
}

export function withRoom(state: TuiState, room: RoomView): TuiState {
  const rooms = new Map(state.rooms);
  rooms.set(room.name, room);
  return { ...state, rooms };
}

export function ensureRoom(state: TuiState, name: string): { state: TuiState; room: RoomView } {
  const existing = state.rooms.get(name);
  if (existing !== undefined) return { state, room: existing };
  const room = emptyRoom(name);
  const next = withRoom(state, room);
  return { state: next.current === null ? { ...next, current: name } : next, room };
}

/** Appends lines to a room, keeping the view still when scrolled up. */
export function appendLines(room: RoomView, lines: readonly Line[]): RoomView {
  if (lines.length === 0) return room;
  return {
    ...room,
    lines: cap([...room.lines, ...lines]),
    scroll: room.scroll > 0 ? Math.min(room.scroll + lines.length, MAX_LINES - 1) : 0,
  };
}

export function notice(
  state: TuiState,
  target: NoticeTarget,
  level: Level,
  text: string,
  now: number,
): TuiState {
  const line = (key: number): Line => ({
    kind: 'notice',
    key: `n${key}`,
    level,
    text: sanitize(text),
    ts: now,
  });
  let key = state.nextKey;
  const names =
    target === 'all'
      ? [...state.rooms.keys()]
      : target === 'current'
        ? state.current === null
          ? []
          : [state.current]
        : [target.room];
  const targets = names.filter((n) => state.rooms.has(n));
  if (targets.length === 0) {
    return { ...state, system: cap([...state.system, line(key++)]), nextKey: key };
  }
  const rooms = new Map(state.rooms);
  for (const name of targets) {
    const room = rooms.get(name) as RoomView;
    rooms.set(name, appendLines(room, [line(key++)]));
  }
  const system = target === 'all' ? cap([...state.system, line(key++)]) : state.system;
  return { ...state, rooms, system, nextKey: key };
}

export function mentions(user: string | null, text: string): boolean {
  if (user === null) return false;
  const escaped = user.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^A-Za-z0-9_-])@?${escaped}($|[^A-Za-z0-9_-])`, 'i').test(text);
}

export function withoutKey<V>(map: ReadonlyMap<string, V>, key: string): ReadonlyMap<string, V> {
  if (!map.has(key)) return map;
  const next = new Map(map);
  next.delete(key);
  return next;
}

export function switchTo(state: TuiState, target: string | number | 'next' | 'prev', now: number): TuiState {
  const names = [...state.rooms.keys()];
  if (names.length === 0) return notice(state, 'current', 'warn', 'no joined rooms: /join ROOM', now);
  let name: string | undefined;
  const at = state.current === null ? -1 : names.indexOf(state.current);
  if (target === 'next') name = names[(at + 1) % names.length];
  else if (target === 'prev') name = names[(at - 1 + names.length) % names.length];
  else if (typeof target === 'number') name = names[target - 1];
  else name = names.find((n) => n === target) ?? names.find((n) => n.toLowerCase() === target.toLowerCase());
  if (name === undefined) {
    const what = typeof target === 'number' ? `number ${target}` : `#${target}`;
    return notice(state, 'current', 'warn', `no joined room ${what} — /join it first`, now);
  }
  const room = state.rooms.get(name) as RoomView;
  return withRoom({ ...state, current: name }, { ...room, unread: 0, mentions: 0 });
}

export function setMembers(
  room: RoomView,
  members: readonly string[],
  online: (user: string, before: Member | undefined) => boolean | null,
): RoomView {
  const map = new Map<string, Member>();
  for (const user of members) {
    const name = sanitize(user);
    map.set(name, { online: online(name, room.members.get(name)) });
  }
  return { ...room, members: map };
}
