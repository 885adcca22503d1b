/**
 * Tab completion, weechat style: the first Tab replaces the word before the cursor with the
 * first match, each further Tab cycles through the other matches (Shift+Tab backwards).
 * A slash command at the start of the line completes command names; the argument of
 * `/join`, `/leave`, `/switch` and `/who` completes room names; the emoji of `/react [N]`
 * completes emoji, even from nothing (they are hard to type in a terminal); anything else
 * completes user names (`@bo` -> `@bob`; a name that starts the line gets `: ` after it, IRC
 * style). Pure.
 */

import type { LineState } from './line-editor.js';

export interface CompletionSources {
  /** Command names with their slash, e.g. `/join`. */
  readonly commands: readonly string[];
  /** User names to offer (members of the current room). */
  readonly names: readonly string[];
  /** Room names to offer (joined and known rooms). */
  readonly rooms: readonly string[];
  /** Emoji to offer after /react, in the order to offer them. */
  readonly emoji: readonly string[];
}

/** Where the last completion put its text, so the next Tab can replace it with the next match. */
export interface CompletionState {
  readonly candidates: readonly string[];
  readonly index: number;
  /** Start of the completed word in the line. */
  readonly start: number;
  /** The text after `start` that the last completion inserted (candidate + suffix). */
  readonly inserted: string;
}

const ROOM_ARG_COMMANDS = new Set(['/join', '/j', '/leave', '/part', '/switch', '/who', '/names']);
const EMOJI_ARG_COMMANDS = new Set(['/react', '/r']);

/** The word being completed is the EMOJI of `/react [N] EMOJI`. */
function isEmojiArg(words: readonly string[]): boolean {
  if (!EMOJI_ARG_COMMANDS.has((words[0] ?? '').toLowerCase())) return false;
  return words.length === 2 || (words.length === 3 && /^\d+$/.test(words[1] ?? ''));
}

function startsWithFold(candidate: string, prefix: string): boolean {
  return candidate.toLowerCase().startsWith(prefix.toLowerCase());
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

function apply(
  line: LineState,
  start: number,
  end: number,
  candidates: readonly string[],
  index: number,
  suffix: string,
): { line: LineState; state: CompletionState } {
  const inserted = (candidates[index] ?? '') + suffix;
  const text = line.text.slice(0, start) + inserted + line.text.slice(end);
  return {
    line: { ...line, text, cursor: start + inserted.length },
    state: { candidates, index, start, inserted },
  };
}

/**
 * Complete at the cursor. `previous` is the state returned by the last Tab if nothing else was
 * pressed since; then the next (or, with `backwards`, the previous) candidate replaces the last
 * one. Returns null when nothing matches.
 */
export function complete(
  line: LineState,
  sources: CompletionSources,
  previous: CompletionState | null,
  backwards = false,
): { line: LineState; state: CompletionState } | null {
  if (previous !== null && previous.candidates.length > 0) {
    const end = previous.start + previous.inserted.length;
    if (line.text.slice(previous.start, end) === previous.inserted && line.cursor === end) {
      const n = previous.candidates.length;
      const index = (previous.index + (backwards ? n - 1 : 1)) % n;
      const suffix = previous.inserted.slice((previous.candidates[previous.index] ?? '').length);
      return apply(line, previous.start, end, previous.candidates, index, suffix);
    }
  }
  const before = line.text.slice(0, line.cursor);
  const start = before.search(/\S*$/);
  const word = before.slice(start);
  const words = before.trimStart().split(/\s+/);
  const first = words[0] ?? '';
  let candidates: string[];
  let lead = '';
  let suffix = ' ';
  let sorted = true;
  if (start === 0 && word.startsWith('/')) {
    candidates = sources.commands.filter((c) => startsWithFold(c, word));
  } else if (isEmojiArg(words)) {
    candidates = unique(sources.emoji).filter((e) => e.startsWith(word));
    sorted = false; // the quick ones first, as given
  } else if (ROOM_ARG_COMMANDS.has(first.toLowerCase()) && words.length === 2) {
    const bare = word.replace(/^#/, '');
    lead = word.startsWith('#') ? '#' : '';
    candidates = unique(sources.rooms).filter((r) => startsWithFold(r, bare));
  } else {
    const bare = word.replace(/^@/, '');
    lead = word.startsWith('@') ? '@' : '';
    if (bare === '' && lead === '') return null;
    candidates = unique(sources.names).filter((n) => startsWithFold(n, bare));
    if (start === 0 && !before.startsWith('/')) suffix = ': ';
  }
  if (sorted) candidates.sort((a, b) => a.localeCompare(b));
  if (candidates.length === 0) return null;
  const full = candidates.map((c) => lead + c);
  return apply(line, start, line.cursor, full, backwards ? full.length - 1 : 0, suffix);
}
