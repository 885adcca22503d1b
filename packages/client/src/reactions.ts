/**
 * The reactions both clients offer first (the web page's quick row, the terminal's Tab
 * completion after /react), so a user sees the same choice wherever they chat. Any emoji the
 * protocol accepts can still be used.
 */
export const QUICK_REACTIONS: readonly string[] = Object.freeze(['👍', '❤️', '😂', '🎉']);
