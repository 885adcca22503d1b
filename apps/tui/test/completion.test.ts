import { describe, expect, it } from 'vitest';
import { COMMAND_NAMES } from '../src/commands.js';
import { type CompletionSources, complete } from '../src/completion.js';
import { lineOf } from '../src/line-editor.js';

const sources: CompletionSources = {
  commands: COMMAND_NAMES,
  names: ['bob', 'bella', 'alice'],
  rooms: ['general', 'gaming', 'random'],
  emoji: ['👍', '❤️', '😂', '🎉', '🚀'],
};

describe('tab completion', () => {
  it('completes slash commands at the start of the line', () => {
    expect(complete(lineOf('/jo'), sources, null)?.line).toMatchObject({ text: '/join ', cursor: 6 });
    expect(complete(lineOf('/QU'), sources, null)?.line.text).toBe('/quit ');
    expect(complete(lineOf('/zzz'), sources, null)).toBeNull();
  });

  it('completes user names, IRC style at the start of the line', () => {
    expect(complete(lineOf('al'), sources, null)?.line.text).toBe('alice: ');
    expect(complete(lineOf('hi al'), sources, null)?.line.text).toBe('hi alice ');
    expect(complete(lineOf('hi @bo'), sources, null)?.line.text).toBe('hi @bob ');
    expect(complete(lineOf(''), sources, null)).toBeNull();
  });

  it('completes room names after /join, /switch, /leave, /who', () => {
    expect(complete(lineOf('/join ra'), sources, null)?.line.text).toBe('/join random ');
    expect(complete(lineOf('/switch #ge'), sources, null)?.line.text).toBe('/switch #general ');
  });

  it('completes the emoji of /react, even from nothing, in the order given', () => {
    const first = complete(lineOf('/react '), sources, null)!;
    expect(first.line.text).toBe('/react 👍 ');
    expect(complete(first.line, sources, first.state)?.line.text).toBe('/react ❤️ ');
    expect(complete(lineOf('/r 2 '), sources, null)?.line.text).toBe('/r 2 👍 ');
    expect(complete(lineOf('/react 3 🚀'), sources, null)?.line.text).toBe('/react 3 🚀 ');
    expect(complete(lineOf('/react 👍 '), sources, null)).toBeNull(); // nothing after the emoji
    expect(complete(lineOf('/re'), sources, null)?.line.text).toBe('/react ');
  });

  it('cycles through the matches on repeated Tab, backwards with Shift+Tab', () => {
    const first = complete(lineOf('hey b'), sources, null)!;
    expect(first.line.text).toBe('hey bella ');
    const second = complete(first.line, sources, first.state)!;
    expect(second.line.text).toBe('hey bob ');
    const third = complete(second.line, sources, second.state)!;
    expect(third.line.text).toBe('hey bella ');
    const back = complete(third.line, sources, third.state, true)!;
    expect(back.line.text).toBe('hey bob ');
  });

  it('keeps the text after the cursor', () => {
    const done = complete(lineOf('/jo more', 3), sources, null)!;
    expect(done.line).toMatchObject({ text: '/join  more', cursor: 6 });
  });
});
