/**
 * The input line as a value: text, cursor and the kill buffer, with readline's editing
 * operations. The cursor moves by grapheme clusters (an emoji with its joiners is one step).
 * Pure: every operation returns a new `LineState`.
 */

export interface LineState {
  readonly text: string;
  /** Index into `text` (UTF-16 units), always on a grapheme boundary. */
  readonly cursor: number;
  /** The last killed text (Ctrl+W/U/K, Alt+D), for Ctrl+Y. */
  readonly killed: string;
}

export const EMPTY_LINE: LineState = Object.freeze({ text: '', cursor: 0, killed: '' });

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Grapheme boundaries of `text`, including 0 and `text.length`. */
function boundaries(text: string): number[] {
  const out: number[] = [];
  for (const s of segmenter.segment(text)) out.push(s.index);
  out.push(text.length);
  return out;
}

function prevBoundary(text: string, cursor: number): number {
  let prev = 0;
  for (const b of boundaries(text)) {
    if (b >= cursor) return prev;
    prev = b;
  }
  return prev;
}

function nextBoundary(text: string, cursor: number): number {
  for (const b of boundaries(text)) if (b > cursor) return b;
  return text.length;
}

export function lineOf(text: string, cursor = text.length): LineState {
  return { text, cursor: Math.max(0, Math.min(cursor, text.length)), killed: '' };
}

export function setText(line: LineState, text: string): LineState {
  return { text, cursor: text.length, killed: line.killed };
}

export function insert(line: LineState, s: string): LineState {
  const text = line.text.slice(0, line.cursor) + s + line.text.slice(line.cursor);
  return { ...line, text, cursor: line.cursor + s.length };
}

export function backspace(line: LineState): LineState {
  if (line.cursor === 0) return line;
  const from = prevBoundary(line.text, line.cursor);
  return { ...line, text: line.text.slice(0, from) + line.text.slice(line.cursor), cursor: from };
}

export function deleteForward(line: LineState): LineState {
  if (line.cursor >= line.text.length) return line;
  const to = nextBoundary(line.text, line.cursor);
  return { ...line, text: line.text.slice(0, line.cursor) + line.text.slice(to) };
}

export function left(line: LineState): LineState {
  return { ...line, cursor: prevBoundary(line.text, line.cursor) };
}

export function right(line: LineState): LineState {
  return { ...line, cursor: nextBoundary(line.text, line.cursor) };
}

export function home(line: LineState): LineState {
  return { ...line, cursor: 0 };
}

export function end(line: LineState): LineState {
  return { ...line, cursor: line.text.length };
}

const isSpace = (ch: string | undefined) => ch !== undefined && /\s/.test(ch);
const isWordChar = (ch: string | undefined) => ch !== undefined && /[\p{L}\p{N}_]/u.test(ch);

/** Start of the whitespace-delimited word before the cursor (what Ctrl+W kills). */
function wordStartBefore(text: string, cursor: number): number {
  let i = cursor;
  while (i > 0 && isSpace(text[i - 1])) i--;
  while (i > 0 && !isSpace(text[i - 1])) i--;
  return i;
}

/** Alt+B / Ctrl+Left: to the start of the previous alphanumeric word. */
export function wordLeft(line: LineState): LineState {
  let i = line.cursor;
  while (i > 0 && !isWordChar(line.text[i - 1])) i--;
  while (i > 0 && isWordChar(line.text[i - 1])) i--;
  return { ...line, cursor: i };
}

function wordEndAfter(text: string, cursor: number): number {
  let i = cursor;
  while (i < text.length && !isWordChar(text[i])) i++;
  while (i < text.length && isWordChar(text[i])) i++;
  return i;
}

/** Alt+F / Ctrl+Right: to the end of the next alphanumeric word. */
export function wordRight(line: LineState): LineState {
  return { ...line, cursor: wordEndAfter(line.text, line.cursor) };
}

/** Ctrl+W: kill the whitespace-delimited word before the cursor. */
export function killWordBack(line: LineState): LineState {
  const from = wordStartBefore(line.text, line.cursor);
  if (from === line.cursor) return line;
  return {
    text: line.text.slice(0, from) + line.text.slice(line.cursor),
    cursor: from,
    killed: line.text.slice(from, line.cursor),
  };
}

/** Alt+D: kill to the end of the next word. */
export function killWordForward(line: LineState): LineState {
  const to = wordEndAfter(line.text, line.cursor);
  if (to === line.cursor) return line;
  return {
    text: line.text.slice(0, line.cursor) + line.text.slice(to),
    cursor: line.cursor,
    killed: line.text.slice(line.cursor, to),
  };
}

/** Ctrl+U: kill from the start of the line to the cursor. */
export function killToStart(line: LineState): LineState {
  if (line.cursor === 0) return line;
  return { text: line.text.slice(line.cursor), cursor: 0, killed: line.text.slice(0, line.cursor) };
}

/** Ctrl+K: kill from the cursor to the end of the line. */
export function killToEnd(line: LineState): LineState {
  if (line.cursor >= line.text.length) return line;
  return {
    text: line.text.slice(0, line.cursor),
    cursor: line.cursor,
    killed: line.text.slice(line.cursor),
  };
}

/** Ctrl+Y: insert the kill buffer. */
export function yank(line: LineState): LineState {
  return line.killed === '' ? line : insert(line, line.killed);
}

/** Ctrl+T: swap the two graphemes around the cursor (at the end: the last two). */
export function transpose(line: LineState): LineState {
  const { text } = line;
  if (text.length < 2 || line.cursor === 0) return line;
  const at = line.cursor >= text.length ? prevBoundary(text, text.length) : line.cursor;
  const a = prevBoundary(text, at);
  const b = nextBoundary(text, at);
  if (a === at || b === at) return line;
  const swapped = text.slice(0, a) + text.slice(at, b) + text.slice(a, at) + text.slice(b);
  return { ...line, text: swapped, cursor: b };
}

/** The grapheme that starts at `index` ('' at the end). */
export function graphemeAt(text: string, index: number): string {
  for (const s of segmenter.segment(text.slice(index))) return s.segment;
  return '';
}
