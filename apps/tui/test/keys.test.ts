import { describe, expect, it } from 'vitest';
import { parseKeys } from '../src/keys.js';

const key = (name: string, ctrl = false, alt = false) => ({ kind: 'key', name, ctrl, alt });

describe('parseKeys', () => {
  it('groups printable text and splits out control keys', () => {
    expect(parseKeys('hello')).toEqual([{ kind: 'text', text: 'hello' }]);
    expect(parseKeys('hi\r')).toEqual([{ kind: 'text', text: 'hi' }, key('enter')]);
    expect(parseKeys('a\tb')).toEqual([{ kind: 'text', text: 'a' }, key('tab'), { kind: 'text', text: 'b' }]);
    expect(parseKeys('😀é')).toEqual([{ kind: 'text', text: '😀é' }]);
  });

  it('tells Backspace (DEL or ^H) from Delete (ESC [3~)', () => {
    expect(parseKeys('\u007f')).toEqual([key('backspace')]);
    expect(parseKeys('\b')).toEqual([key('backspace')]);
    expect(parseKeys('\u001b[3~')).toEqual([key('delete')]);
    expect(parseKeys('\u001b\u007f')).toEqual([key('backspace', false, true)]);
  });

  it('maps Ctrl+letters', () => {
    expect(parseKeys('\u0001\u0005\u0017\u0015\u000b\u0003\u0004\u000e\u0010')).toEqual(
      ['a', 'e', 'w', 'u', 'k', 'c', 'd', 'n', 'p'].map((k) => ({ kind: 'ctrl', key: k })),
    );
  });

  it('maps arrows, Home/End, PgUp/PgDn in CSI and SS3 forms, with modifiers', () => {
    expect(parseKeys('\u001b[A\u001b[B\u001b[C\u001b[D')).toEqual([
      key('up'),
      key('down'),
      key('right'),
      key('left'),
    ]);
    expect(parseKeys('\u001bOA\u001bOH\u001bOF')).toEqual([key('up'), key('home'), key('end')]);
    expect(parseKeys('\u001b[H\u001b[F\u001b[1~\u001b[4~')).toEqual([
      key('home'),
      key('end'),
      key('home'),
      key('end'),
    ]);
    expect(parseKeys('\u001b[5~\u001b[6~')).toEqual([key('pageup'), key('pagedown')]);
    expect(parseKeys('\u001b[1;5D\u001b[1;3C')).toEqual([key('left', true), key('right', false, true)]);
    expect(parseKeys('\u001b[Z')).toEqual([key('backtab')]);
  });

  it('maps Alt+character and a lone Escape', () => {
    expect(parseKeys('\u001b1')).toEqual([{ kind: 'alt', key: '1' }]);
    expect(parseKeys('\u001bb')).toEqual([{ kind: 'alt', key: 'b' }]);
    expect(parseKeys('\u001b')).toEqual([key('escape')]);
  });

  it('ignores unknown sequences and other controls instead of typing them', () => {
    expect(parseKeys('\u001b[200~x')).toEqual([{ kind: 'text', text: 'x' }]);
    expect(parseKeys('a\u0000\u009bb')).toEqual([
      { kind: 'text', text: 'a' },
      { kind: 'text', text: 'b' },
    ]);
  });
});
