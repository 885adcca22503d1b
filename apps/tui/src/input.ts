/**
 * The key bindings: one key event + the input state -> the new input state and what the app
 * should do (send a line, quit, switch rooms, scroll...). Pure, so every binding is testable
 * without a terminal.
 */

import { type CompletionSources, type CompletionState, complete } from './completion.js';
import { EMPTY_HISTORY, type HistoryState, newer, older, remember, stopBrowsing } from './input-history.js';
import type { KeyEvent } from './keys.js';
import * as edit from './line-editor.js';
import { EMPTY_LINE, type LineState } from './line-editor.js';

export interface InputState {
  readonly line: LineState;
  readonly history: HistoryState;
  readonly completion: CompletionState | null;
}

export const EMPTY_INPUT: InputState = Object.freeze({
  line: EMPTY_LINE,
  history: EMPTY_HISTORY,
  completion: null,
});

export type InputEffect =
  /** Enter on a chat line: a message or a command. */
  | { readonly type: 'submit'; readonly text: string }
  /** Enter while a password is asked for. */
  | { readonly type: 'secret'; readonly text: string }
  /** Esc / Ctrl+C while a password is asked for. */
  | { readonly type: 'cancel' }
  | { readonly type: 'quit' }
  | { readonly type: 'switch'; readonly target: number | 'next' | 'prev' }
  | { readonly type: 'scroll'; readonly direction: 'up' | 'down' | 'bottom' }
  /** The text of the line changed (for typing notifications). */
  | { readonly type: 'edited'; readonly text: string };

export interface InputContext {
  /** A password prompt is open: no echo, no history, no completion. */
  readonly secret: boolean;
  readonly sources: CompletionSources;
}

interface Result {
  readonly state: InputState;
  readonly effects: readonly InputEffect[];
}

function editLine(state: InputState, line: LineState, secret: boolean): Result {
  if (line === state.line) return { state: { ...state, completion: null }, effects: [] };
  const changed = line.text !== state.line.text;
  return {
    state: {
      line,
      history: changed ? stopBrowsing(state.history) : state.history,
      completion: null,
    },
    effects: changed && !secret ? [{ type: 'edited', text: line.text }] : [],
  };
}

function effect(state: InputState, ...effects: InputEffect[]): Result {
  return { state: { ...state, completion: null }, effects };
}

function clearLine(state: InputState, secret: boolean): Result {
  return editLine(state, { ...state.line, text: '', cursor: 0 }, secret);
}

export function handleKey(state: InputState, event: KeyEvent, ctx: InputContext): Result {
  const { line } = state;
  const secret = ctx.secret;
  switch (event.kind) {
    case 'text':
      return editLine(state, edit.insert(line, event.text), secret);
    case 'alt': {
      if (/^[0-9]$/.test(event.key)) {
        const n = event.key === '0' ? 10 : Number(event.key);
        return effect(state, { type: 'switch', target: n });
      }
      switch (event.key) {
        case 'b':
          return editLine(state, edit.wordLeft(line), secret);
        case 'f':
          return editLine(state, edit.wordRight(line), secret);
        case 'd':
          return editLine(state, edit.killWordForward(line), secret);
        default:
          return effect(state);
      }
    }
    case 'ctrl':
      switch (event.key) {
        case 'a':
          return editLine(state, edit.home(line), secret);
        case 'e':
          return editLine(state, edit.end(line), secret);
        case 'b':
          return editLine(state, edit.left(line), secret);
        case 'f':
          return editLine(state, edit.right(line), secret);
        case 'w':
          return editLine(state, edit.killWordBack(line), secret);
        case 'u':
          return editLine(state, edit.killToStart(line), secret);
        case 'k':
          return editLine(state, edit.killToEnd(line), secret);
        case 'y':
          return editLine(state, edit.yank(line), secret);
        case 't':
          return editLine(state, edit.transpose(line), secret);
        case 'd':
          if (line.text === '') return effect(state, secret ? { type: 'cancel' } : { type: 'quit' });
          return editLine(state, edit.deleteForward(line), secret);
        case 'c':
          if (secret) {
            const cleared = clearLine(state, secret);
            return { state: cleared.state, effects: [{ type: 'cancel' }] };
          }
          if (line.text === '') return effect(state, { type: 'quit' });
          return clearLine(state, secret);
        case 'n':
          return effect(state, { type: 'switch', target: 'next' });
        case 'p':
          return effect(state, { type: 'switch', target: 'prev' });
        default:
          return effect(state);
      }
    case 'key':
      switch (event.name) {
        case 'enter': {
          if (event.alt && !secret) return editLine(state, edit.insert(line, '\n'), secret);
          if (secret) {
            const cleared = clearLine(state, secret);
            return { state: cleared.state, effects: [{ type: 'secret', text: line.text }] };
          }
          if (line.text.trim() === '') return effect(state);
          return {
            state: {
              line: { ...line, text: '', cursor: 0 },
              history: remember(state.history, line.text),
              completion: null,
            },
            effects: [{ type: 'submit', text: line.text }],
          };
        }
        case 'tab':
        case 'backtab': {
          if (secret) return effect(state);
          const done = complete(line, ctx.sources, state.completion, event.name === 'backtab');
          if (done === null) return effect(state);
          return {
            state: { ...state, line: done.line, completion: done.state },
            effects: [{ type: 'edited', text: done.line.text }],
          };
        }
        case 'backspace':
          return editLine(state, event.alt ? edit.killWordBack(line) : edit.backspace(line), secret);
        case 'delete':
          return editLine(state, event.ctrl ? edit.killWordForward(line) : edit.deleteForward(line), secret);
        case 'left':
          if (event.alt) return effect(state, { type: 'switch', target: 'prev' });
          return editLine(state, event.ctrl ? edit.wordLeft(line) : edit.left(line), secret);
        case 'right':
          if (event.alt) return effect(state, { type: 'switch', target: 'next' });
          return editLine(state, event.ctrl ? edit.wordRight(line) : edit.right(line), secret);
        case 'home':
          return editLine(state, edit.home(line), secret);
        case 'end':
          return editLine(state, edit.end(line), secret);
        case 'up': {
          if (secret) return effect(state);
          const prev = older(state.history, line.text);
          if (prev === null) return effect(state);
          return {
            state: { line: edit.setText(line, prev.text), history: prev.history, completion: null },
            effects: [],
          };
        }
        case 'down': {
          if (secret) return effect(state);
          const next = newer(state.history);
          if (next === null) return effect(state);
          return {
            state: { line: edit.setText(line, next.text), history: next.history, completion: null },
            effects: [],
          };
        }
        case 'pageup':
          return effect(state, { type: 'scroll', direction: 'up' });
        case 'pagedown':
          return effect(state, { type: 'scroll', direction: 'down' });
        case 'escape':
          return secret
            ? { state: clearLine(state, secret).state, effects: [{ type: 'cancel' }] }
            : effect(state);
      }
  }
}
