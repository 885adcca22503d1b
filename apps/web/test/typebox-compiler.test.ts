import { PROTOCOL_VERSION, ServerToClient } from '@quorum/protocol';
import { TypeCompiler as Compiled } from '@sinclair/typebox/compiler';
import { afterEach, describe, expect, it } from 'vitest';
import { TypeCompiler as Interpreted } from '../src/lib/typebox-compiler.js';

/**
 * The web bundle's stand-in for TypeBox's compiler (see src/lib/typebox-compiler.ts): it must
 * give the protocol's codecs the same verdicts as the real one, without evaluating code — the
 * page's CSP forbids that.
 */

const frames: unknown[] = [
  {
    type: 'welcome',
    version: PROTOCOL_VERSION,
    serverId: 1,
    leaderId: null,
    limits: {
      maxFrameBytes: 1,
      maxTextLength: 1,
      maxHistoryPage: 1,
      maxRoomsPerConnection: 1,
      sendsPerSecond: 1,
    },
  },
  { type: 'welcome', version: PROTOCOL_VERSION, serverId: 0, leaderId: null, limits: {} },
  {
    type: 'message',
    message: { room: 'general', position: 1, author: 'ada', text: 'hi', ts: 1, reactions: [] },
  },
  {
    type: 'message',
    message: { room: 'general', position: 1, author: 'a d a', text: 'hi', ts: 1, reactions: [] },
  },
  {
    type: 'message',
    message: { room: 'general', position: 1, author: 'ada', text: 'hi', ts: 1, reactions: [], x: 1 },
  },
  { type: 'presence', room: 'general', user: 'constructor', online: true },
  { type: 'presence', room: 'general', user: 'grace', online: 'yes' },
  { type: 'error', code: 'auth_failed', message: 'no', retryable: false },
  { type: 'nope' },
  null,
  'text',
];

const realFunction = globalThis.Function;
afterEach(() => {
  globalThis.Function = realFunction;
});

describe('the web bundle’s TypeBox checker', () => {
  it('gives the same verdicts and first errors as the compiled validators', () => {
    for (const member of ServerToClient.anyOf) {
      const compiled = Compiled.Compile(member);
      const interpreted = Interpreted.Compile(member);
      for (const frame of frames) {
        expect(interpreted.Check(frame)).toBe(compiled.Check(frame));
        expect(interpreted.Errors(frame).First()?.path).toBe(compiled.Errors(frame).First()?.path);
      }
    }
  });

  it('evaluates no code (where the compiler has to)', () => {
    const member = ServerToClient.anyOf[0];
    if (member === undefined) throw new Error('no frame types');
    // What a CSP without 'unsafe-eval' does to `new Function`.
    globalThis.Function = new Proxy(realFunction, {
      construct() {
        throw new EvalError('refused by the Content-Security-Policy');
      },
      apply() {
        throw new EvalError('refused by the Content-Security-Policy');
      },
    });
    expect(() => Compiled.Compile(member)).toThrow(EvalError);
    const interpreted = Interpreted.Compile(member);
    expect(interpreted.Check(frames[0])).toBe(true);
    expect(interpreted.Check(frames[1])).toBe(false);
  });
});
