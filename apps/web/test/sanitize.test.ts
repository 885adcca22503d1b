import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cleanName, cleanText } from '../src/lib/sanitize.js';

/** What must never reach the screen: bidi controls and zero-width characters. */
const DECEPTIVE = [
  '\u202a',
  '\u202b',
  '\u202c',
  '\u202d',
  '\u202e',
  '\u2066',
  '\u2067',
  '\u2068',
  '\u2069',
  '\u200e',
  '\u200f',
  '\u061c',
  '\u200b',
  '\u200c',
  '\u200d',
  '\u2060',
  '\ufeff',
];
const DECEPTIVE_CLASS = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\u200b\u200c\u2060\ufeff]/;

describe('cleaning text for the page', () => {
  it('keeps ordinary text, other scripts, line breaks and emoji (with their joiners)', () => {
    for (const text of [
      'hello, world',
      'Grüße aus Köln — ça va ?',
      'Привет, мир',
      'مرحبا بالعالم',
      '日本語のテキスト',
      'two\nlines\tand a tab',
      'emoji 😀 👍🏽 👩‍💻 👨‍👩‍👧 🏳️‍🌈 ❤️‍🔥 🇫🇷',
      'e\u0301 (combining acute)',
    ]) {
      expect(cleanText(text)).toBe(text);
    }
  });

  it('removes bidi overrides, isolates and marks, so text cannot reorder what follows it', () => {
    expect(cleanText('invoice_\u202egnp.exe')).toBe('invoice_gnp.exe');
    expect(cleanText('\u2067evil\u2069 said \u200fhi\u200e \u061cok')).toBe('evil said hi ok');
    expect(cleanName('\u202eadmin\u202c')).toBe('admin');
  });

  it('removes zero-width characters, so two different strings cannot look the same', () => {
    expect(cleanText('adm\u200bin')).toBe('admin');
    expect(cleanName('\ufeffgr\u200cace\u2060')).toBe('grace');
    // A joiner builds one emoji between two emoji; anywhere else it is only there to deceive.
    expect(cleanText('a\u200db')).toBe('ab');
    expect(cleanText('😀\u200d')).toBe('😀');
    expect(cleanText('\u200d😀')).toBe('😀');
    expect(cleanText('x\u200d👩')).toBe('x👩');
  });

  it('removes control characters but tab and line feed, and repairs lone surrogates', () => {
    expect(cleanText('bell\u0007 nul\u0000 esc\u001b[31m del\u007f c1\u0085\u009b')).toBe(
      'bell nul esc[31m del c1',
    );
    expect(cleanText('half \ud83d pair')).toBe('half \ufffd pair');
  });

  it('makes a name one line', () => {
    expect(cleanName('Ada\nLovelace\t(the first)')).toBe('Ada Lovelace (the first)');
  });

  it('leaves no bidi or zero-width character outside an emoji sequence, whatever the input', () => {
    const deceptive = fc.constantFrom(...DECEPTIVE);
    const text = fc
      .array(fc.oneof(fc.string({ unit: 'grapheme' }), deceptive), { maxLength: 30 })
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(text, (raw) => {
        for (const clean of [cleanText(raw), cleanName(raw)]) {
          expect(clean).not.toMatch(DECEPTIVE_CLASS);
          expect(clean).not.toMatch(/(?<!\p{Extended_Pictographic}[\u{1f3fb}-\u{1f3ff}\ufe0f]?)\u200d/u);
          expect(clean).not.toMatch(/\u200d(?!\p{Extended_Pictographic})/u);
          expect(cleanText(clean)).toBe(clean);
        }
      }),
    );
  });
});
