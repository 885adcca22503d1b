/**
 * Reactions on a message line: taken from a `ChatMessage`, changed by reaction events, and
 * summed up as the compact chips the scrollback shows. Emoji and user names come from other
 * people, so they are sanitized here on the way in. Pure.
 */

import type { ChatMessage } from '@quorum/protocol';
import type { Reaction } from './model.js';
import { sanitize } from './sanitize.js';

/** A chip for one emoji: `👍 2`, with `mine` when our user is one of them. */
export interface ReactionChip {
  readonly emoji: string;
  readonly text: string;
  readonly mine: boolean;
}

/**
 * An emoji as shown. One made only of characters `sanitize` removes (bidi controls) would
 * vanish and leave a bare count, so it shows as U+FFFD instead.
 */
export function safeEmoji(emoji: string): string {
  const safe = sanitize(emoji);
  return safe === '' ? '\ufffd' : safe;
}

/**
 * `reactions` with `user` added to (`on`) or removed from `emoji`; an emoji nobody is left on
 * is dropped. Returns the same array when nothing changes, so the reducer can keep its state.
 */
export function withReaction(
  reactions: readonly Reaction[],
  emoji: string,
  user: string,
  on: boolean,
): readonly Reaction[] {
  const at = reactions.findIndex((r) => r.emoji === emoji);
  const reaction = reactions[at];
  if (on) {
    if (reaction === undefined) return [...reactions, { emoji, users: [user] }];
    if (reaction.users.includes(user)) return reactions;
    return reactions.map((r, i) => (i === at ? { emoji, users: [...r.users, user] } : r));
  }
  if (reaction === undefined || !reaction.users.includes(user)) return reactions;
  const users = reaction.users.filter((u) => u !== user);
  return users.length === 0
    ? reactions.filter((_, i) => i !== at)
    : reactions.map((r, i) => (i === at ? { emoji, users } : r));
}

/**
 * The reactions of a message as it arrived, sanitized. Built by applying each (emoji, user)
 * in turn: two emoji that differ only in what sanitizing removes become one chip, not two
 * identical-looking ones.
 */
export function reactionsOf(message: ChatMessage): readonly Reaction[] {
  let reactions: readonly Reaction[] = [];
  for (const r of message.reactions) {
    const emoji = safeEmoji(r.emoji);
    for (const user of r.users) reactions = withReaction(reactions, emoji, sanitize(user), true);
  }
  return reactions;
}

/** True when `user` has `emoji` on the message (so /react with it takes it back). */
export function hasReacted(reactions: readonly Reaction[], emoji: string, user: string | null): boolean {
  return user !== null && reactions.some((r) => r.emoji === emoji && r.users.includes(user));
}

export function reactionChips(reactions: readonly Reaction[], self: string | null): ReactionChip[] {
  return reactions.map((r) => ({
    emoji: r.emoji,
    text: `${r.emoji} ${r.users.length}`,
    mine: self !== null && r.users.includes(self),
  }));
}
