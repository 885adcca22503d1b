// biome-ignore-all lint/suspicious/noControlCharactersInRegex: removing control characters and escape sequences is what this module does
// biome-ignore-all lint/suspicious/noMisleadingCharacterClass: the classes list invisible characters on purpose
/**
 * Terminal-safe text. Everything that came from another person (message text, user and display
 * names, room names, reaction emoji, server error messages) goes through here before it reaches
 * the terminal:
 *
 * - escape sequences are removed whole: CSI (`ESC [` / U+009B), OSC, DCS, SOS, PM and APC strings
 *   (`ESC ]`, `ESC P`, `ESC X`, `ESC ^`, `ESC _` and their C1 forms, up to BEL or ST) and the
 *   short `ESC <intermediates> <final>` forms; an unterminated string loses its introducer only;
 * - then every remaining C0 and C1 control character and DEL is removed (tab and line breaks are
 *   turned into spaces, or split into lines by `sanitizeLines`);
 * - bidirectional overrides, embeddings, isolates and marks (U+202A–U+202E, U+2066–U+2069,
 *   U+200E, U+200F, U+061C) are removed, so text cannot reorder what follows it on the screen;
 * - zero-width characters (U+200B space, U+200C non-joiner, U+2060 word joiner, U+FEFF) are
 *   removed, so that two different names cannot look identical ("admin" and "adm\u200Bin"); the
 *   zero-width joiner U+200D too, except between two emoji, where it builds one picture (as the
 *   web page does, apps/web/src/lib/sanitize.ts);
 * - a lone UTF-16 surrogate becomes U+FFFD.
 *
 * Everything else — letters of every script, combining marks, emoji with their joiners and
 * variation selectors — is kept. Pure; no I/O.
 */

/** Strings: OSC, DCS, SOS, PM, APC (7-bit and 8-bit introducers), terminated by BEL or ST. */
const STRING_SEQUENCE =
  /(?:\u001b[\]PX^_]|[\u0090\u0098\u009d\u009e\u009f])[^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)/g;
/** CSI: parameters, intermediates, one final byte. */
const CSI_SEQUENCE = /(?:\u001b\[|\u009b)[\u0030-\u003f]*[\u0020-\u002f]*[\u0040-\u007e]/g;
/** Two-character (and nF) escapes: `ESC 7`, `ESC c`, `ESC ( B`, ... */
const SHORT_ESCAPE = /\u001b[\u0020-\u002f]*[\u0030-\u007e]/g;
/** Every C0 control, DEL and every C1 control (ESC included). */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
/** Bidi embeddings/overrides, isolates, and the implicit direction marks. */
const BIDI = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g;
/** Zero-width characters that never build a glyph (the joiner is handled below). */
const ZERO_WIDTH = /[\u200b\u200c\u2060\ufeff]/g;
/** A zero-width joiner that does not sit between two emoji (an emoji may carry a skin tone or VS16). */
const STRAY_JOINER =
  /(?<!\p{Extended_Pictographic}[\u{1f3fb}-\u{1f3ff}\ufe0f]?)\u200d|\u200d(?!\p{Extended_Pictographic})/gu;
/** A surrogate that is not part of a pair. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
/** Anything the above would remove, as a non-global test. */
const UNSAFE = new RegExp(
  `${CONTROL.source}|${BIDI.source}|${ZERO_WIDTH.source}|${STRAY_JOINER.source}|${LONE_SURROGATE.source}`,
  'u',
);
/** Line breaks `sanitizeLines` splits on (CR LF counts once). */
const LINE_BREAK = /\r\n|[\n\r\u000b\u000c\u0085\u2028\u2029]/;
const LINE_BREAKS = /\r\n|[\n\r\u000b\u000c\u0085\u2028\u2029]/g;

export const TAB_WIDTH = 4;

function stripSequences(text: string): string {
  return text.replace(STRING_SEQUENCE, '').replace(CSI_SEQUENCE, '').replace(SHORT_ESCAPE, '');
}

function stripRest(line: string): string {
  return line
    .replace(/\t/g, ' '.repeat(TAB_WIDTH))
    .replace(CONTROL, '')
    .replace(BIDI, '')
    .replace(LONE_SURROGATE, '\ufffd')
    .replace(ZERO_WIDTH, '')
    .replace(STRAY_JOINER, '');
}

/** One line of terminal-safe text: line breaks become spaces. */
export function sanitize(text: string): string {
  return stripRest(stripSequences(text).replace(LINE_BREAKS, ' '));
}

/** Terminal-safe text split at its line breaks (at least one line, possibly empty). */
export function sanitizeLines(text: string): string[] {
  return stripSequences(text).split(LINE_BREAK).map(stripRest);
}

/** True when `text` holds nothing `sanitize` would remove (a test helper as much as a check). */
export function isTerminalSafe(text: string): boolean {
  return !UNSAFE.test(text);
}
