import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { Action } from '../src/actions.js';
import { initialState, type TuiState } from '../src/model.js';
import { reduce } from '../src/reducer.js';
import { typingUsers } from '../src/selectors.js';
import { loadSession, saveSession } from '../src/state-file.js';
import { chatMessage } from './support/fake-client.js';
import { connected } from './support/state.js';

/**
 * Issue 12, finding 5: users and rooms named like members of Object.prototype are ordinary
 * names in the terminal client too — in its screen state, and in the session file it saves.
 */

const PROTOTYPE_NAMES = [
  'constructor',
  '__proto__',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'isPrototypeOf',
  'propertyIsEnumerable',
  'toLocaleString',
  '__defineGetter__',
  '__lookupSetter__',
];
const name = fc.oneof(fc.constantFrom(...PROTOTYPE_NAMES), fc.stringMatching(/^[a-z][a-z0-9_-]{0,8}$/));

type Step =
  | { kind: 'join' | 'leave'; user: string }
  | { kind: 'presence'; user: string; online: boolean }
  | { kind: 'typing'; user: string; active: boolean }
  | { kind: 'post'; user: string }
  | { kind: 'display'; user: string; displayName: string };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constantFrom<'join' | 'leave'>('join', 'leave'), user: name }),
  fc.record({ kind: fc.constant<'presence'>('presence'), user: name, online: fc.boolean() }),
  fc.record({ kind: fc.constant<'typing'>('typing'), user: name, active: fc.boolean() }),
  fc.record({ kind: fc.constant<'post'>('post'), user: name }),
  fc.record({ kind: fc.constant<'display'>('display'), user: name, displayName: name }),
);

const dir = mkdtempSync(join(tmpdir(), 'tui-proto-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('user and room names like Object.prototype members', () => {
  it('are ordinary names on screen: members, presence, typing, display names and messages', () => {
    fc.assert(
      fc.property(name, name, fc.array(step, { maxLength: 40 }), (me, room, steps) => {
        let state: TuiState = initialState({ user: me, clientId: 'c-tui-test-0001' });
        const actions: Action[] = [
          { type: 'add_room', room, focus: true },
          connected(1),
          { type: 'joined', room, members: [me] },
        ];
        const members = new Map<string, boolean | null>([[me, true]]);
        const typing = new Set<string>();
        const displayNames = new Map<string, string>();
        const posts: string[] = [];
        for (const s of steps) {
          switch (s.kind) {
            case 'join':
              if (!members.has(s.user)) members.set(s.user, null);
              actions.push({ type: 'membership', room, user: s.user, joined: true, now: 0 });
              break;
            case 'leave':
              members.delete(s.user);
              actions.push({ type: 'membership', room, user: s.user, joined: false, now: 0 });
              break;
            case 'presence':
              members.set(s.user, s.online);
              actions.push({ type: 'presence', room, user: s.user, online: s.online });
              break;
            case 'typing':
              if (s.user !== me) {
                if (s.active) typing.add(s.user);
                else typing.delete(s.user);
              }
              actions.push({ type: 'typing', room, user: s.user, active: s.active, now: 0 });
              break;
            case 'post':
              posts.push(`<${s.user}> ${s.user} says hi`);
              typing.delete(s.user);
              actions.push({
                type: 'message',
                room,
                message: chatMessage(room, posts.length, s.user, `${s.user} says hi`),
                source: 'live',
                now: 0,
              });
              break;
            case 'display':
              displayNames.set(s.user, s.displayName);
              actions.push({ type: 'display_name', user: s.user, displayName: s.displayName });
              break;
          }
        }
        state = actions.reduce(reduce, state);
        const view = state.rooms.get(room);
        expect(view).toBeDefined();
        expect(new Map([...(view?.members ?? [])].map(([user, m]) => [user, m.online]))).toEqual(members);
        expect(typingUsers(state, 1)).toEqual([...typing].sort());
        for (const [user, displayName] of displayNames)
          expect(state.displayNames.get(user)).toBe(displayName);
        const shown = (view?.lines ?? []).flatMap((l) =>
          l.kind === 'message' ? [`<${l.author}> ${l.lines.join(' / ')}`] : [],
        );
        expect(shown).toEqual(posts);
      }),
      { numRuns: 300 },
    );
  });

  it('keep their saved positions, and a room without one reads as none', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(name, fc.nat({ max: 1_000_000 })), {
          selector: ([room]) => room,
          maxLength: 6,
        }),
        name,
        (saved, other) => {
          const path = join(dir, 'alice.json');
          const positions = Object.fromEntries(saved);
          saveSession(path, {
            user: 'alice',
            token: null,
            clientId: null,
            nextSeq: 1,
            positions,
            rooms: saved.map(([room]) => room),
            current: null,
          });
          const loaded = loadSession(path);
          expect(Object.entries(loaded?.positions ?? {}).sort()).toEqual([...saved].sort());
          for (const [room, position] of saved) expect(loaded?.positions[room]).toBe(position);
          if (!saved.some(([room]) => room === other)) expect(loaded?.positions[other]).toBeUndefined();
        },
      ),
      { numRuns: 300 },
    );
  });
});
