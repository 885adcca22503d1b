// biome-ignore-all lint/suspicious/noControlCharactersInRegex: removing control characters is what this module does
// biome-ignore-all lint/suspicious/noMisleadingCharacterClass: the classes list invisible characters on purpose
/**
 * Text from other people as the page shows it. React already escapes HTML; what it cannot stop
 * is text that *looks* different from what it is:
 *
 * - bidirectional overrides, embeddings, isolates and marks (U+202A–U+202E, U+2066–U+2069,
 *   U+200E, U+200F, U+061C) would reorder what follows them on screen ("gnp.exe" shown as
 *   "exe.png", a name that swallows the text after it) — removed, as the terminal client does
 *   (apps/tui/src/sanitize.ts; the logic is copied, not shared, because no package both clients
 *   depend on is a place for display rules);
 * - zero-width characters (U+200B space, U+200C non-joiner, U+2060 word joiner, U+FEFF) make two
 *   different strings look identical ("admin" and "adm\u200Bin") — removed; the zero-width
 *   joiner U+200D too, except between two emoji, where it builds one picture (👩‍💻);
 * - control characters other than tab and line feed — removed; a lone UTF-16 surrogate becomes
 *   U+FFFD.
 *
 * Letters of every script, combining marks, emoji with their modifiers and variation
 * selectors are kept. Pure.
 */

/** Bidi embeddings/overrides, isolates, and the implicit direction marks. */
const BIDI = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g;
/** Zero-width characters that never build a glyph (the joiner is handled below). */
const ZERO_WIDTH = /[\u200b\u200c\u2060\ufeff]/g;
/** A zero-width joiner that does not sit between two emoji (an emoji may carry a skin tone or VS16). */
const STRAY_JOINER =
  /(?<!\p{Extended_Pictographic}[\u{1f3fb}-\u{1f3ff}\ufe0f]?)\u200d|\u200d(?!\p{Extended_Pictographic})/gu;
/** C0 controls but tab and line feed, DEL, C1 controls. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
/** Line breaks and tabs: a name is one line. */
const NAME_BREAKS = /[\t\n\u2028\u2029]+/g;
/** A surrogate that is not part of a pair. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Message text as shown: tabs and line breaks kept, everything deceptive removed. */
export function cleanText(text: string): string {
  return text
    .replace(LONE_SURROGATE, '\ufffd')
    .replace(CONTROL, '')
    .replace(BIDI, '')
    .replace(ZERO_WIDTH, '')
    .replace(STRAY_JOINER, '');
}

/** A user name, display name or emoji as shown: one line of clean text. */
export function cleanName(text: string): string {
  return cleanText(text).replace(NAME_BREAKS, ' ');
}
