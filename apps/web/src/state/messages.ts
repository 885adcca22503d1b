import type { ChatMessage } from '@quorum/protocol';
import { cleanName, cleanText } from '../lib/sanitize.js';

/** A message as the page keeps it: author, text and reactions cleaned (lib/sanitize.ts). */
export function cleanMessage(message: ChatMessage): ChatMessage {
  // Two emoji that differ only in what cleaning removes become one chip, not two look-alikes.
  const reactions: { emoji: string; users: string[] }[] = [];
  for (const r of message.reactions) {
    const emoji = cleanEmoji(r.emoji);
    let chip = reactions.find((c) => c.emoji === emoji);
    if (chip === undefined) {
      chip = { emoji, users: [] };
      reactions.push(chip);
    }
    for (const name of r.users) {
      const user = cleanName(name);
      if (!chip.users.includes(user)) chip.users.push(user);
    }
  }
  return {
    room: message.room,
    position: message.position,
    author: cleanName(message.author),
    text: cleanText(message.text),
    ts: message.ts,
    reactions,
  };
}

/**
 * An emoji as shown. One made only of characters cleaning removes would leave a bare count, so
 * it shows as U+FFFD instead (as in the terminal client).
 */
export function cleanEmoji(emoji: string): string {
  const clean = cleanName(emoji);
  return clean === '' ? '\ufffd' : clean;
}

/**
 * Inserts `message` into `messages` (ordered by position, each position once). Returns the same
 * array when the position is already there: a message is never shown twice.
 */
export function insertMessage(
  messages: readonly ChatMessage[],
  message: ChatMessage,
  limit: number,
): readonly ChatMessage[] {
  const last = messages[messages.length - 1];
  let next: ChatMessage[];
  if (last === undefined || last.position < message.position) {
    next = [...messages, message];
  } else {
    let lo = 0;
    let hi = messages.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((messages[mid]?.position ?? 0) < message.position) lo = mid + 1;
      else hi = mid;
    }
    if (messages[lo]?.position === message.position) return messages;
    next = [...messages.slice(0, lo), message, ...messages.slice(lo)];
  }
  return next.length > limit ? next.slice(next.length - limit) : next;
}

export function applyReaction(message: ChatMessage, emoji: string, user: string, on: boolean): ChatMessage {
  const reactions = message.reactions.map((r) => ({ emoji: r.emoji, users: [...r.users] }));
  const existing = reactions.find((r) => r.emoji === emoji);
  if (on) {
    if (existing === undefined) reactions.push({ emoji, users: [user] });
    else if (!existing.users.includes(user)) existing.users.push(user);
  } else if (existing !== undefined) {
    existing.users = existing.users.filter((u) => u !== user);
  }
  return { ...message, reactions: reactions.filter((r) => r.users.length > 0) };
}
