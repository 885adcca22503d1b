import { describe, expect, it } from 'vitest';
import { EMPTY_HISTORY, MAX_HISTORY, newer, older, remember } from '../src/input-history.js';

describe('input history', () => {
  it('walks back with Up and forward with Down, then returns to the draft', () => {
    let h = remember(remember(EMPTY_HISTORY, 'first'), 'second');
    const up1 = older(h, 'draft text');
    expect(up1?.text).toBe('second');
    h = up1!.history;
    const up2 = older(h, 'second');
    expect(up2?.text).toBe('first');
    h = up2!.history;
    expect(older(h, 'first')).toBeNull(); // at the oldest
    const down1 = newer(h);
    expect(down1?.text).toBe('second');
    const down2 = newer(down1!.history);
    expect(down2?.text).toBe('draft text');
    expect(newer(down2!.history)).toBeNull();
  });

  it('skips blank lines and repeats, and is bounded', () => {
    let h = EMPTY_HISTORY;
    for (const line of ['a', 'a', '  ', 'b']) h = remember(h, line);
    expect(h.entries).toEqual(['a', 'b']);
    for (let i = 0; i < MAX_HISTORY + 10; i++) h = remember(h, `line ${i}`);
    expect(h.entries.length).toBe(MAX_HISTORY);
    expect(h.entries.at(-1)).toBe(`line ${MAX_HISTORY + 9}`);
  });

  it('has nothing to show when empty', () => {
    expect(older(EMPTY_HISTORY, 'x')).toBeNull();
    expect(newer(EMPTY_HISTORY)).toBeNull();
  });
});
