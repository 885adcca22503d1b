import { describe, expect, it } from 'vitest';
import { COMMANDS, helpLines, parseCommand } from '../src/commands.js';

describe('parseCommand', () => {
  it('sends plain text, and //text as a message starting with a slash', () => {
    expect(parseCommand('hello')).toEqual({ kind: 'say', text: 'hello' });
    expect(parseCommand('  spaced  ')).toEqual({ kind: 'say', text: '  spaced  ' });
    expect(parseCommand('//shrug')).toEqual({ kind: 'say', text: '/shrug' });
    expect(parseCommand('   ')).toEqual({ kind: 'none' });
  });

  it('parses every command and its aliases', () => {
    expect(parseCommand('/join dev')).toEqual({ kind: 'join', room: 'dev' });
    expect(parseCommand('/j #dev')).toEqual({ kind: 'join', room: 'dev' });
    expect(parseCommand('/leave')).toEqual({ kind: 'leave', room: null });
    expect(parseCommand('/part dev')).toEqual({ kind: 'leave', room: 'dev' });
    expect(parseCommand('/switch 2')).toEqual({ kind: 'switch', target: 2 });
    expect(parseCommand('/switch random')).toEqual({ kind: 'switch', target: 'random' });
    expect(parseCommand('/rooms')).toEqual({ kind: 'rooms' });
    expect(parseCommand('/who')).toEqual({ kind: 'who', room: null });
    expect(parseCommand('/names dev')).toEqual({ kind: 'who', room: 'dev' });
    expect(parseCommand('/nick Ada Lovelace')).toEqual({ kind: 'nick', name: 'Ada Lovelace' });
    expect(parseCommand('/login bob')).toEqual({ kind: 'login', user: 'bob' });
    expect(parseCommand('/register carol')).toEqual({ kind: 'register', user: 'carol' });
    expect(parseCommand('/help')).toEqual({ kind: 'help', topic: null });
    expect(parseCommand('/help /join')).toEqual({ kind: 'help', topic: 'join' });
    expect(parseCommand('/clear')).toEqual({ kind: 'clear' });
    expect(parseCommand('/quit')).toEqual({ kind: 'quit' });
    expect(parseCommand('/EXIT')).toEqual({ kind: 'quit' });
  });

  it('explains an unknown command', () => {
    const parsed = parseCommand('/frobnicate now');
    expect(parsed.kind).toBe('error');
    expect(parsed.kind === 'error' && parsed.message).toContain('unknown command "/frobnicate"');
    expect(parsed.kind === 'error' && parsed.message).toContain('/help');
  });

  it('refuses bad arguments with the usage or the rule', () => {
    expect(parseCommand('/join')).toEqual({ kind: 'error', message: 'usage: /join ROOM' });
    expect(parseCommand('/join a b')).toEqual({ kind: 'error', message: 'usage: /join ROOM' });
    expect(parseCommand('/join bad.room')).toMatchObject({ kind: 'error' });
    expect(parseCommand(`/join ${'x'.repeat(65)}`)).toMatchObject({ kind: 'error' });
    expect(parseCommand('/login')).toEqual({ kind: 'error', message: 'usage: /login USER' });
    expect(parseCommand('/login bob!')).toMatchObject({ kind: 'error' });
    expect(parseCommand('/nick')).toEqual({ kind: 'error', message: 'usage: /nick NAME' });
    expect(parseCommand(`/nick ${'n'.repeat(65)}`)).toMatchObject({ kind: 'error' });
    expect(parseCommand('/rooms extra')).toEqual({ kind: 'error', message: 'usage: /rooms' });
  });
});

describe('/react', () => {
  it('reacts to the newest message by default, or to the N-th newest', () => {
    expect(parseCommand('/react 👍')).toEqual({ kind: 'react', nth: 1, emoji: '👍' });
    expect(parseCommand('/react 3 🎉')).toEqual({ kind: 'react', nth: 3, emoji: '🎉' });
    expect(parseCommand('/r  2   ❤️ ')).toEqual({ kind: 'react', nth: 2, emoji: '❤️' });
    expect(parseCommand('/REACT +1')).toEqual({ kind: 'react', nth: 1, emoji: '+1' });
    // a keycap emoji starts with a digit but is not a number
    expect(parseCommand('/react 1️⃣')).toEqual({ kind: 'react', nth: 1, emoji: '1️⃣' });
  });

  it('refuses a bad message number', () => {
    for (const bad of ['0', '-1', 'x', '1.5', '99999999999999999999']) {
      const parsed = parseCommand(`/react ${bad} 👍`);
      expect(parsed.kind === 'error' && parsed.message).toContain(`"${bad}" is not a message number`);
    }
  });

  it('asks for the emoji when it is missing, and refuses extra arguments', () => {
    expect(parseCommand('/react')).toEqual({
      kind: 'error',
      message: 'which emoji? usage: /react [N] EMOJI',
    });
    expect(parseCommand('/react 2')).toEqual({
      kind: 'error',
      message: 'which emoji? usage: /react [N] EMOJI',
    });
    expect(parseCommand('/react 1 👍 🎉')).toEqual({ kind: 'error', message: 'usage: /react [N] EMOJI' });
  });

  it('applies the protocol rules for emoji', () => {
    expect(parseCommand(`/react ${'x'.repeat(16)}`)).toMatchObject({ kind: 'react' });
    expect(parseCommand(`/react ${'x'.repeat(17)}`)).toEqual({
      kind: 'error',
      message: 'an emoji has at most 16 characters (UTF-16 units)',
    });
    for (const hostile of ['👍\u0007', '\u001b[31m', '\u202e👍', 'a\u0085']) {
      expect(parseCommand(`/react ${hostile}`)).toEqual({
        kind: 'error',
        message: 'an emoji cannot contain control or text-direction characters',
      });
    }
  });
});

describe('help', () => {
  it('lists every command and the keys', () => {
    const text = helpLines(null).join('\n');
    for (const c of COMMANDS) expect(text).toContain(c.usage);
    expect(text).toContain('Alt+1..9');
    expect(text).toContain('Ctrl+N / Ctrl+P');
    expect(helpLines('switch')[0]).toContain('/switch ROOM|N');
    expect(helpLines('nope')[0]).toContain('no command');
    expect(helpLines('r')[0]).toContain('/react [N] EMOJI');
  });
});
