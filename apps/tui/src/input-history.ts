/**
 * Up/Down input history, shell style: Up walks back through what was sent, Down walks forward
 * and finally returns to the line being typed (the draft). Pure.
 */

export interface HistoryState {
  /** Oldest first. */
  readonly entries: readonly string[];
  /** The entry shown, or null while editing the draft. */
  readonly index: number | null;
  /** What was typed before Up was first pressed. */
  readonly draft: string;
}

export const MAX_HISTORY = 500;

export const EMPTY_HISTORY: HistoryState = Object.freeze({ entries: [], index: null, draft: '' });

/** Remember a sent line (not blank ones, not a repeat of the last one) and leave browsing. */
export function remember(history: HistoryState, line: string): HistoryState {
  const last = history.entries[history.entries.length - 1];
  const entries =
    line.trim() === '' || line === last ? history.entries : [...history.entries, line].slice(-MAX_HISTORY);
  return { entries, index: null, draft: '' };
}

/** Up: the previous entry, or null when there is none (stay put). */
export function older(
  history: HistoryState,
  current: string,
): { history: HistoryState; text: string } | null {
  if (history.entries.length === 0) return null;
  if (history.index === 0) return null;
  const index = history.index === null ? history.entries.length - 1 : history.index - 1;
  const draft = history.index === null ? current : history.draft;
  return { history: { ...history, index, draft }, text: history.entries[index] ?? '' };
}

/** Down: the next entry, or the draft after the newest; null when not browsing. */
export function newer(history: HistoryState): { history: HistoryState; text: string } | null {
  if (history.index === null) return null;
  const index = history.index + 1;
  if (index >= history.entries.length) {
    return { history: { ...history, index: null, draft: '' }, text: history.draft };
  }
  return { history: { ...history, index }, text: history.entries[index] ?? '' };
}

/** Any edit leaves browsing mode (the edited line becomes the draft). */
export function stopBrowsing(history: HistoryState): HistoryState {
  return history.index === null ? history : { ...history, index: null, draft: '' };
}
