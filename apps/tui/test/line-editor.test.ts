import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as edit from '../src/line-editor.js';
import { lineOf } from '../src/line-editor.js';

describe('line editor', () => {
  it('inserts at the cursor and moves by characters', () => {
    let l = lineOf('held', 3);
    l = edit.insert(l, 'l');
    expect(l).toMatchObject({ text: 'helld', cursor: 4 });
    l = edit.left(edit.left(l));
    expect(l.cursor).toBe(2);
    l = edit.right(l);
    expect(l.cursor).toBe(3);
  });

  it('Backspace and Delete remove whole graphemes (emoji with joiners, flags, accents)', () => {
    expect(edit.backspace(lineOf('hi 👩‍💻')).text).toBe('hi ');
    expect(edit.backspace(lineOf('🇫🇷')).text).toBe('');
    expect(edit.deleteForward(lineOf('e\u0301x', 0)).text).toBe('x');
    expect(edit.left(lineOf('a😀')).cursor).toBe(1);
    expect(edit.backspace(lineOf('', 0)).text).toBe('');
    expect(edit.deleteForward(lineOf('ab')).text).toBe('ab');
  });

  it('Ctrl+A/E go to the start and end', () => {
    expect(edit.home(lineOf('abc')).cursor).toBe(0);
    expect(edit.end(lineOf('abc', 0)).cursor).toBe(3);
  });

  it('Ctrl+W kills the whitespace-delimited word before the cursor', () => {
    const l = edit.killWordBack(lineOf('say hello world  '));
    expect(l).toMatchObject({ text: 'say hello ', cursor: 10, killed: 'world  ' });
    expect(edit.killWordBack(lineOf('/join #room', 11)).text).toBe('/join ');
  });

  it('Ctrl+U and Ctrl+K kill to the start / end, Ctrl+Y yanks it back', () => {
    const u = edit.killToStart(lineOf('hello world', 6));
    expect(u).toMatchObject({ text: 'world', cursor: 0, killed: 'hello ' });
    expect(edit.yank(edit.end(u))).toMatchObject({ text: 'worldhello ', cursor: 11 });
    const k = edit.killToEnd(lineOf('hello world', 5));
    expect(k).toMatchObject({ text: 'hello', cursor: 5, killed: ' world' });
  });

  it('word moves and Alt+D', () => {
    expect(edit.wordLeft(lineOf('one two three')).cursor).toBe(8);
    expect(edit.wordRight(lineOf('one two three', 0)).cursor).toBe(3);
    expect(edit.killWordForward(lineOf('one two three', 3))).toMatchObject({
      text: 'one three',
      killed: ' two',
    });
  });

  it('Ctrl+T swaps characters', () => {
    expect(edit.transpose(lineOf('ab')).text).toBe('ba');
    expect(edit.transpose(lineOf('abc', 1)).text).toBe('bac');
  });

  it('keeps the cursor inside the text and off surrogate pairs whatever the keys', () => {
    const op = fc.constantFrom(
      edit.backspace,
      edit.deleteForward,
      edit.left,
      edit.right,
      edit.home,
      edit.end,
      edit.killWordBack,
      edit.killWordForward,
      edit.killToStart,
      edit.killToEnd,
      edit.yank,
      edit.transpose,
      edit.wordLeft,
      edit.wordRight,
    );
    const step = fc.oneof(
      op,
      fc.string({ unit: 'grapheme', maxLength: 4 }).map((s) => (l: edit.LineState) => edit.insert(l, s)),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        let l = edit.EMPTY_LINE;
        for (const s of steps) {
          l = s(l);
          expect(l.cursor).toBeGreaterThanOrEqual(0);
          expect(l.cursor).toBeLessThanOrEqual(l.text.length);
          // Never inside a surrogate pair (inserting can merge graphemes, e.g. a combining mark
          // typed before another character, so grapheme boundaries are not checked here).
          const code = l.text.charCodeAt(l.cursor);
          expect(code >= 0xdc00 && code <= 0xdfff && l.cursor > 0).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });
});
