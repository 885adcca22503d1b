/** Read-only views of the screen state, for the components. */

import type { MessageLine, RoomView, TuiState } from './model.js';

export function currentRoom(state: TuiState): RoomView | null {
  return state.current === null ? null : (state.rooms.get(state.current) ?? null);
}

/** Our sends still waiting for their ack, in every room. */
export function pendingCount(state: TuiState): number {
  let n = 0;
  for (const room of state.rooms.values()) for (const p of room.pending) if (p.status === 'pending') n++;
  return n;
}

/** Users typing in the current room (not us); with `now`, only those not yet expired. */
export function typingUsers(state: TuiState, now = Number.NEGATIVE_INFINITY): string[] {
  const room = currentRoom(state);
  if (room === null) return [];
  return [...room.typing]
    .filter(([user, until]) => until > now && user !== state.user)
    .map(([user]) => user)
    .sort();
}

/**
 * The posted messages of a room, newest first: what `/react N` counts (notices, failed sends
 * and our sends not yet seen as posted messages have no position to react to).
 */
export function postedNewestFirst(room: RoomView): MessageLine[] {
  return room.lines.filter((l): l is MessageLine => l.kind === 'message' && l.position !== null).reverse();
}

/** Emoji on the room's messages, newest message first: offered by Tab after /react. */
export function usedEmoji(room: RoomView): string[] {
  const seen = new Set<string>();
  for (const line of postedNewestFirst(room)) for (const r of line.reactions) seen.add(r.emoji);
  return [...seen];
}
