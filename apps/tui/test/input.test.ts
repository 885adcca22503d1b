import { describe, expect, it } from 'vitest';
import { COMMAND_NAMES } from '../src/commands.js';
import { EMPTY_INPUT, handleKey, type InputContext, type InputState } from '../src/input.js';
import { parseKeys } from '../src/keys.js';

const chat: InputContext = {
  secret: false,
  sources: { commands: COMMAND_NAMES, names: [], rooms: [], emoji: [] },
};
const secret: InputContext = { ...chat, secret: true };

function press(data: string, ctx = chat, state: InputState = EMPTY_INPUT) {
  const effects: unknown[] = [];
  let s = state;
  for (const event of parseKeys(data)) {
    const r = handleKey(s, event, ctx);
    s = r.state;
    effects.push(...r.effects);
  }
  return { state: s, effects };
}

describe('handleKey', () => {
  it('Enter submits the line and remembers it; an empty line does nothing', () => {
    const r = press('hi\r');
    expect(r.effects).toContainEqual({ type: 'submit', text: 'hi' });
    expect(r.state.line.text).toBe('');
    expect(r.state.history.entries).toEqual(['hi']);
    expect(press('   \r').effects.filter((e) => (e as { type: string }).type === 'submit')).toEqual([]);
  });

  it('reports edits (for typing notifications) but not cursor moves', () => {
    expect(press('a').effects).toEqual([{ type: 'edited', text: 'a' }]);
    expect(press('\u001b[D', chat, press('ab').state).effects).toEqual([]);
  });

  it('Alt+Enter inserts a line break instead of sending', () => {
    const r = press('one\u001b\rtwo');
    expect(r.state.line.text).toBe('one\ntwo');
    expect(r.effects.some((e) => (e as { type: string }).type === 'submit')).toBe(false);
  });

  it('maps room and scroll keys to effects', () => {
    expect(press('\u001b3').effects).toEqual([{ type: 'switch', target: 3 }]);
    expect(press('\u001b0').effects).toEqual([{ type: 'switch', target: 10 }]);
    expect(press('\u000e\u0010').effects).toEqual([
      { type: 'switch', target: 'next' },
      { type: 'switch', target: 'prev' },
    ]);
    expect(press('\u001b[1;3D').effects).toEqual([{ type: 'switch', target: 'prev' }]);
    expect(press('\u001b[5~\u001b[6~').effects).toEqual([
      { type: 'scroll', direction: 'up' },
      { type: 'scroll', direction: 'down' },
    ]);
  });

  it('in a password prompt: no history, no completion, no typing events; Enter gives the secret', () => {
    const typed = press('pw\t\u001b[A', secret);
    expect(typed.effects).toEqual([]);
    expect(typed.state.line.text).toBe('pw');
    const done = press('\r', secret, typed.state);
    expect(done.effects).toEqual([{ type: 'secret', text: 'pw' }]);
    expect(done.state.history.entries).toEqual([]);
    expect(press('x\u0003', secret).effects).toEqual([{ type: 'cancel' }]);
    expect(press('\u001b', secret).effects).toEqual([{ type: 'cancel' }]);
  });

  it('Ctrl+C and Ctrl+D quit only on an empty line', () => {
    expect(press('\u0003').effects).toEqual([{ type: 'quit' }]);
    expect(press('\u0004').effects).toEqual([{ type: 'quit' }]);
    expect(press('x\u0003').effects).toEqual([
      { type: 'edited', text: 'x' },
      { type: 'edited', text: '' },
    ]);
  });
});
