/** Read-only views of the screen state, for the components. */

import type { RoomView, TuiState } from './model.js';

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
