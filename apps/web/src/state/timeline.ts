import type { ChatMessage } from '@quorum/protocol';
import type { HistoryReset, Member, PendingSend, RoomView } from './chat-state.js';

/** What the message list shows, in order: messages, history-reset notices, then our pending sends. */
export type TimelineItem =
  | { readonly kind: 'message'; readonly key: string; readonly message: ChatMessage; readonly own: boolean }
  | { readonly kind: 'reset'; readonly key: string; readonly reset: HistoryReset }
  | { readonly kind: 'pending'; readonly key: string; readonly pending: PendingSend };

/**
 * The list of a room. A message is `own` when its author is the logged-in user: messages carry
 * no client identity, so one sent from another tab or device of the same user counts too.
 */
export function timeline(view: RoomView, user: string | null): TimelineItem[] {
  const items: TimelineItem[] = [];
  // A reset belongs right after the last message that was seen before it.
  const resets = [...view.resets].sort((a, b) => a.lastSeen - b.lastSeen || a.at - b.at);
  let r = 0;
  for (const message of view.messages) {
    while (r < resets.length && (resets[r]?.lastSeen ?? 0) < message.position) {
      const reset = resets[r++]!;
      items.push({ kind: 'reset', key: `reset-${reset.at}-${reset.lastSeen}`, reset });
    }
    items.push({
      kind: 'message',
      key: `m-${message.position}`,
      message,
      own: user !== null && message.author === user,
    });
  }
  for (; r < resets.length; r++) {
    const reset = resets[r]!;
    items.push({ kind: 'reset', key: `reset-${reset.at}-${reset.lastSeen}`, reset });
  }
  for (const pending of view.pending) {
    // Probably shown already as a message that came before its ack (see state/pending.ts).
    if (pending.shownAt !== undefined) continue;
    items.push({ kind: 'pending', key: `p-${pending.clientId}-${pending.seq}`, pending });
  }
  return items;
}

/** Members sorted: online first, then by name. */
export function sortedMembers(view: RoomView): Member[] {
  return [...view.members.values()].sort(
    (a, b) => Number(b.online) - Number(a.online) || a.user.localeCompare(b.user),
  );
}

/** Who is typing right now (the reducer expires entries on `tick`; `now` guards between ticks). */
export function typingUsers(view: RoomView, now: number): string[] {
  return [...view.typing]
    .filter(([, until]) => until > now)
    .map(([user]) => user)
    .sort();
}

export function typingText(users: readonly string[]): string | null {
  if (users.length === 0) return null;
  if (users.length === 1) return `${users[0]} is typing…`;
  if (users.length === 2) return `${users[0]} and ${users[1]} are typing…`;
  return `${users.length} people are typing…`;
}
