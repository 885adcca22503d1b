/**
 * Reducer parts for messages: posted messages (shown once, in order), their reactions, our own
 * sends through the outbox (pending -> delivered -> the posted message, or failed), and the
 * backlog loaded after a restart. Pure; every string from the network is sanitized here.
 */

import type { OutboxEntry } from '@quorum/client';
import type { ChatMessage } from '@quorum/protocol';
import type { Action } from './actions.js';
import type { Line, MessageLine, ReactionChange, RoomView, TuiState } from './model.js';
import { reactionsOf, safeEmoji, withReaction } from './reactions.js';
import { appendLines, cap, ensureRoom, mentions, withoutKey, withRoom } from './reducer-rooms.js';
import { sanitize, sanitizeLines } from './sanitize.js';

export function messageLine(state: TuiState, message: ChatMessage): MessageLine {
  const author = sanitize(message.author);
  // A message carries no client identity: "ours" means written by our user.
  const own = state.user !== null && author === state.user;
  return {
    kind: 'message',
    key: `p${message.position}`,
    position: message.position,
    author,
    lines: sanitizeLines(message.text),
    ts: message.ts,
    clientId: null,
    seq: null,
    own,
    status: own ? 'delivered' : null,
    note: null,
    mention: !own && mentions(state.user, message.text),
    reactions: reactionsOf(message),
  };
}

export function showMessage(
  state: TuiState,
  roomName: string,
  message: ChatMessage,
  source: 'live' | 'resume' | 'history',
): TuiState {
  const ensured = ensureRoom(state, roomName);
  const room = ensured.room;
  if (message.position <= room.lastPosition) return ensured.state; // shown already
  const line = messageLine(state, message);
  const { own, mention } = line;
  // Our send whose ack came first has this position; one whose ack is still on its way is
  // claimed by its text, for the ack to confirm (see RoomView.claimed).
  let pending = room.pending.filter((p) => p.position !== message.position);
  let claimed = room.claimed;
  if (pending.length === room.pending.length && own) {
    const text = line.lines.join('\n');
    const mine = pending.find((p) => p.status === 'pending' && p.seq !== null && p.lines.join('\n') === text);
    if (mine !== undefined && mine.seq !== null) {
      pending = pending.filter((p) => p !== mine);
      claimed = new Map(claimed).set(mine.seq, message.position);
    }
  }
  const away = room.name !== ensured.state.current || room.scroll > 0;
  const counts = away && source !== 'history' && !own;
  const next: RoomView = {
    ...appendLines(room, [line]),
    pending,
    claimed,
    lastPosition: message.position,
    typing: withoutKey(room.typing, message.author),
    unread: room.unread + (counts ? 1 : 0),
    mentions: room.mentions + (counts && mention ? 1 : 0),
  };
  return withRoom(ensured.state, next);
}

/**
 * A reaction event: updates the reactions of the posted message at that position. One that is
 * not in the scrollback (never loaded, cleared, or scrolled out of MAX_LINES) is ignored.
 */
export function showReaction(state: TuiState, change: ReactionChange): TuiState {
  const room = state.rooms.get(change.room);
  if (room === undefined) return state;
  const at = room.lines.findLastIndex((l) => l.kind === 'message' && l.position === change.position);
  const line = room.lines[at];
  if (line === undefined || line.kind !== 'message') return state;
  const reactions = withReaction(line.reactions, safeEmoji(change.emoji), sanitize(change.user), change.on);
  if (reactions === line.reactions) return state;
  const lines: Line[] = [...room.lines];
  lines[at] = { ...line, reactions };
  return withRoom(state, { ...room, lines });
}

/** The line of one of our sends, as the outbox describes it. */
function outboxLine(state: TuiState, entry: OutboxEntry): MessageLine {
  return {
    kind: 'message',
    key: `o${entry.clientId}:${entry.seq}`,
    position: null,
    author: sanitize(state.user ?? 'me'),
    lines: sanitizeLines(entry.kind === 'send' ? entry.text : ''),
    ts: entry.createdAt,
    clientId: entry.clientId,
    seq: entry.seq,
    own: true,
    status: 'pending',
    note: null,
    mention: false,
    reactions: [],
  };
}

export function onOutbox(state: TuiState, action: Extract<Action, { type: 'outbox' }>): TuiState {
  const { entry, change } = action;
  if (entry.kind !== 'send') return state;
  const match = (p: MessageLine) => p.clientId === entry.clientId && p.seq === entry.seq;
  if (change === 'added') {
    const ensured = ensureRoom(state, entry.room);
    const line = outboxLine(state, entry);
    return withRoom(ensured.state, { ...ensured.room, pending: [...ensured.room.pending, line], scroll: 0 });
  }
  const room = state.rooms.get(entry.room);
  if (room === undefined) return state;
  if (room.claimed.has(entry.seq)) return settleClaim(state, room, entry, change);
  const line = room.pending.find(match);
  if (line === undefined) return state;
  const error = entry.error === undefined ? null : sanitize(`${entry.error.code}: ${entry.error.message}`);
  switch (change) {
    case 'sent':
      return state;
    case 'retrying':
      return withRoom(state, {
        ...room,
        pending: room.pending.map((p) => (match(p) ? { ...p, note: error ?? 'retrying' } : p)),
      });
    case 'delivered':
      // The message came first (and nothing claimed it): it is on screen already.
      if (entry.position !== undefined && postedAt(room, entry.position)) {
        return withRoom(state, { ...room, pending: room.pending.filter((p) => !match(p)) });
      }
      return withRoom(state, {
        ...room,
        pending: room.pending.map((p) =>
          match(p) ? { ...p, status: 'delivered', position: entry.position ?? null, note: null } : p,
        ),
      });
    case 'failed': {
      const failed: MessageLine = { ...line, status: 'failed', note: error ?? 'failed' };
      return withRoom(state, {
        ...appendLines(room, [failed]),
        pending: room.pending.filter((p) => !match(p)),
      });
    }
  }
}

/** Whether the posted message at `position` is on screen (or was, before a history reset). */
function postedAt(room: RoomView, position: number): boolean {
  return position <= room.lastPosition;
}

/**
 * The outcome of a send whose line a message of ours claimed: confirmed when the ack names that
 * message (or another one already shown); otherwise the line comes back, delivered or failed.
 */
function settleClaim(
  state: TuiState,
  room: RoomView,
  entry: OutboxEntry,
  change: Extract<Action, { type: 'outbox' }>['change'],
): TuiState {
  if (change !== 'delivered' && change !== 'failed') return state;
  const claimed = new Map(room.claimed);
  claimed.delete(entry.seq);
  const line = outboxLine(state, entry);
  if (change === 'failed') {
    const note =
      entry.error === undefined ? 'failed' : sanitize(`${entry.error.code}: ${entry.error.message}`);
    return withRoom(state, { ...appendLines(room, [{ ...line, status: 'failed', note }]), claimed });
  }
  if (entry.position !== undefined && postedAt(room, entry.position))
    return withRoom(state, { ...room, claimed });
  const delivered: MessageLine = { ...line, status: 'delivered', position: entry.position ?? null };
  return withRoom(state, { ...room, claimed, pending: [...room.pending, delivered] });
}

/** Older messages loaded after a restart go above what is shown (never twice). */
export function showBacklog(state: TuiState, roomName: string, messages: readonly ChatMessage[]): TuiState {
  const room: RoomView | undefined = state.rooms.get(roomName);
  if (room === undefined) return state;
  const first = room.lines.find((l): l is MessageLine => l.kind === 'message' && l.position !== null);
  const before = first?.position ?? Number.POSITIVE_INFINITY;
  const older = messages
    .filter((m) => m.room === room.name && m.position < before)
    .sort((a, b) => a.position - b.position)
    .map((m) => messageLine(state, m));
  if (older.length === 0) return state;
  const top = older[older.length - 1]?.position ?? 0;
  return withRoom(state, {
    ...room,
    lines: cap([...older, ...room.lines]),
    lastPosition: Math.max(room.lastPosition, top),
  });
}
