/** Small pure text helpers shared by the reducer and the components. */

import type { ConnectionView } from './model.js';

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** `HH:MM` in local time. */
export function formatTime(ts: number): string {
  const d = new Date(ts);
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
}

/** "bob is typing…", "bob and carol are typing…", "4 people are typing…". */
export function typingText(users: readonly string[]): string {
  if (users.length === 0) return '';
  if (users.length === 1) return `${users[0]} is typing…`;
  if (users.length === 2) return `${users[0]} and ${users[1]} are typing…`;
  if (users.length === 3) return `${users[0]}, ${users[1]} and ${users[2]} are typing…`;
  return `${users.length} people are typing…`;
}

function seconds(ms: number): string {
  return ms < 1000 ? `${Math.max(0.1, Math.round(ms / 100) / 10)}s` : `${Math.round(ms / 1000)}s`;
}

/** The connection part of the status line, e.g. "connected to server 2". */
export function connectionText(c: ConnectionView): string {
  switch (c.state) {
    case 'idle':
      return 'not connected';
    case 'connected':
      return `connected to server ${c.serverId ?? '?'}`;
    case 'connecting':
    case 'reconnecting':
    case 'offline': {
      const verb = c.state === 'offline' ? 'offline, retrying' : c.state;
      const retry = c.retryInMs === null ? '' : `, retry in ${seconds(c.retryInMs)}`;
      const attempt = c.attempt > 0 ? ` (attempt ${c.attempt}${retry})` : '';
      return `${verb}…${attempt}`;
    }
    case 'closed':
      return 'disconnected';
  }
}

/** The marker shown before the connection text. */
export function connectionMark(c: ConnectionView): {
  mark: string;
  color: 'green' | 'yellow' | 'red' | 'gray';
} {
  switch (c.state) {
    case 'connected':
      return { mark: '●', color: 'green' };
    case 'connecting':
    case 'reconnecting':
      return { mark: '◌', color: 'yellow' };
    case 'offline':
    case 'closed':
      return { mark: '○', color: 'red' };
    default:
      return { mark: '○', color: 'gray' };
  }
}

/** The /rooms answer, one notice line each. */
export function roomListLines(
  rooms: readonly { room: string; members: number; head: number }[],
  joined: ReadonlySet<string>,
): string[] {
  if (rooms.length === 0) return ['no rooms yet — /join ROOM creates one'];
  return [
    `${plural(rooms.length, 'room')} on the server:`,
    ...[...rooms]
      .sort((a, b) => a.room.localeCompare(b.room))
      .map(
        (r) =>
          `  #${r.room} — ${plural(r.members, 'member')}, ${plural(r.head, 'message')}${joined.has(r.room) ? ' (joined)' : ''}`,
      ),
  ];
}

/** The /who answer, one notice line each. */
export function whoLines(
  room: string,
  members: readonly { user: string; displayName: string; online: boolean }[],
): string[] {
  const online = members.filter((m) => m.online).length;
  return [
    `#${room}: ${plural(members.length, 'member')}, ${online} online`,
    ...[...members]
      .sort((a, b) => a.user.localeCompare(b.user))
      .map(
        (m) =>
          `  ${m.online ? '●' : '○'} ${m.displayName !== m.user ? `${m.user} (${m.displayName})` : m.user}`,
      ),
  ];
}
