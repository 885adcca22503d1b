/**
 * Reducer parts for the connection: state changes with their notices. While the client is
 * (re)connecting, arriving messages, reactions and history resets are held back and shown after
 * the "connected to server N, recovered K messages" notice, so the notice comes before the
 * messages it talks about. They are replayed in arrival order, so a reaction follows its message.
 * Pure.
 */

import type { HistoryResetEvent, StateEvent } from '@quorum/client';
import { plural } from './format.js';
import type { Held, TuiState } from './model.js';
import { showMessage, showReaction } from './reducer-messages.js';
import { ensureRoom, notice } from './reducer-rooms.js';
import { sanitize } from './sanitize.js';

export function historyResetText(event: HistoryResetEvent): string {
  if (event.missed === null) {
    return `the history of #${event.room} was reloaded from the servers (nothing was missed)`;
  }
  const { from, to } = event.missed;
  const count = to - from + 1;
  return `some messages could not be recovered: ${plural(count, 'message')} of #${event.room} (positions ${from}–${to}) are no longer available on the servers; showing the newest ones instead`;
}

export function showReset(state: TuiState, room: string, text: string, now: number): TuiState {
  const ensured = ensureRoom(state, room);
  return notice(ensured.state, { room }, 'warn', text, now);
}

export function showHeld(state: TuiState, held: Held): TuiState {
  switch (held.type) {
    case 'message':
      return showMessage(state, held.room, held.message, held.source);
    case 'reaction':
      return showReaction(state, held);
    case 'history_reset':
      return showReset(state, held.room, held.text, held.ts);
  }
}

// ---- the connection ----------------------------------------------------------------------------

export function onState(state: TuiState, event: StateEvent, now: number): TuiState {
  const connection = {
    ...state.connection,
    state: event.state,
    serverId: event.serverId ?? null,
    attempt: event.attempt,
    retryInMs: event.retryInMs ?? null,
    reason: event.reason === undefined ? null : sanitize(event.reason),
  };
  let next: TuiState = { ...state, connection };
  switch (event.state) {
    case 'connected': {
      const recovered = state.held.filter((h) => h.type === 'message' && h.source !== 'history');
      const perRoom = new Map<string, number>();
      for (const h of recovered) perRoom.set(h.room, (perRoom.get(h.room) ?? 0) + 1);
      const detail = perRoom.size > 1 ? ` (${[...perRoom].map(([r, n]) => `#${r}: ${n}`).join(', ')})` : '';
      const server = `server ${event.serverId ?? '?'}`;
      const text =
        state.everConnected || recovered.length > 0
          ? `connected to ${server}, recovered ${plural(recovered.length, 'message')}${detail}`
          : `connected to ${server}`;
      // On the first connection the newest history page goes above the notice (it is the
      // past); whatever was resumed or arrived live goes below it.
      const early = state.everConnected
        ? []
        : state.held.filter((h) => h.type === 'message' && h.source === 'history');
      for (const held of early) next = showHeld(next, held);
      next = notice(next, 'all', 'info', text, now);
      for (const held of state.held) if (!early.includes(held)) next = showHeld(next, held);
      return { ...next, held: [], everConnected: true, outage: 'none' };
    }
    case 'reconnecting':
    case 'offline': {
      if (!state.everConnected) return next;
      if (state.outage === 'none') {
        const why = connection.reason === null ? '' : ` (${connection.reason})`;
        next = notice(next, 'all', 'warn', `connection lost${why} — reconnecting to another server…`, now);
        next = { ...next, outage: 'lost' };
      }
      if (event.state === 'offline' && next.outage !== 'offline') {
        next = notice(
          next,
          'all',
          'warn',
          'no server reachable yet — still retrying; pending messages are kept and will be sent',
          now,
        );
        next = { ...next, outage: 'offline' };
      }
      return next;
    }
    case 'closed':
      return state.connection.state === 'closed'
        ? next
        : notice(next, 'all', 'error', 'disconnected from the cluster', now);
    default:
      return next;
  }
}
