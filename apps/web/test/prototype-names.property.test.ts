import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ChatAction } from '../src/state/chat-actions.js';
import { chatReducer } from '../src/state/chat-reducer.js';
import { type ChatState, initialChatState } from '../src/state/chat-state.js';
import { sortedMembers, timeline, typingUsers } from '../src/state/timeline.js';
import { chatMessage } from './fake-client.js';

/**
 * Issue 12, finding 5: a user (or room) named like a member of Object.prototype must be an
 * ordinary name. Random sequences of joins, leaves, presence, typing, posts, reactions and
 * display names — by such users, in such rooms, also with such a name logged in — go through
 * the page's reducer and its selectors; the result must match a plain model of who is in the
 * room and what was said.
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
  | { kind: 'join' | 'leave'; room: 0 | 1; user: string }
  | { kind: 'presence'; room: 0 | 1; user: string; online: boolean }
  | { kind: 'typing'; room: 0 | 1; user: string; active: boolean }
  | { kind: 'post'; room: 0 | 1; user: string }
  | { kind: 'react'; room: 0 | 1; user: string }
  | { kind: 'display'; user: string; displayName: string }
  | { kind: 'who'; room: 0 | 1; users: string[] };

const room = fc.constantFrom<0 | 1>(0, 1);
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constantFrom<'join' | 'leave'>('join', 'leave'), room, user: name }),
  fc.record({ kind: fc.constant<'presence'>('presence'), room, user: name, online: fc.boolean() }),
  fc.record({ kind: fc.constant<'typing'>('typing'), room, user: name, active: fc.boolean() }),
  fc.record({ kind: fc.constant<'post'>('post'), room, user: name }),
  fc.record({ kind: fc.constant<'react'>('react'), room, user: name }),
  fc.record({ kind: fc.constant<'display'>('display'), user: name, displayName: name }),
  fc.record({ kind: fc.constant<'who'>('who'), room, users: fc.uniqueArray(name, { maxLength: 4 }) }),
);

interface ModelMember {
  online: boolean;
  displayName: string | null;
}
interface ModelRoom {
  members: Map<string, ModelMember>;
  typing: Set<string>;
  posts: { author: string; text: string; reactions: string[] }[];
}

function view(state: ChatState, room: string) {
  const found = state.rooms.get(room);
  if (found === undefined) throw new Error(`room ${room} is gone`);
  return found;
}

describe('user and room names like Object.prototype members', () => {
  it('are ordinary names: the page shows the right members, typing users and messages', () => {
    fc.assert(
      fc.property(
        name,
        fc.uniqueArray(name, { minLength: 2, maxLength: 2 }),
        fc.array(step, { maxLength: 40 }),
        (me, roomNames, steps) => {
          const rooms = roomNames as [string, string];
          let state = chatReducer(initialChatState, {
            type: 'started',
            clientId: 'c-web-test-0001',
            user: me,
            rooms,
          });
          state = chatReducer(state, { type: 'session', user: me, displayName: me });
          const model: ModelRoom[] = rooms.map(() => ({
            members: new Map([[me, { online: true, displayName: null }]]),
            typing: new Set<string>(),
            posts: [],
          }));
          for (const r of rooms) {
            state = chatReducer(state, { type: 'joined', event: { room: r, head: 0, members: [me] } });
          }
          for (const s of steps) {
            const action = toAction(s, me, rooms, model);
            if (action !== null) state = chatReducer(state, action);
          }
          state = chatReducer(state, { type: 'tick', now: 1 });

          for (const [i, r] of rooms.entries()) {
            const m = model[i] as ModelRoom;
            const v = view(state, r);
            const expected = [...m.members]
              .map(([user, x]) => ({ user, online: x.online, displayName: x.displayName }))
              .sort((a, b) => Number(b.online) - Number(a.online) || a.user.localeCompare(b.user));
            expect(sortedMembers(v)).toEqual(expected);
            expect(typingUsers(v, 1)).toEqual([...m.typing].sort());
            const shown = timeline(v, me).flatMap((item) => (item.kind === 'message' ? [item] : []));
            expect(shown.map((item) => [item.message.author, item.message.text, item.own])).toEqual(
              m.posts.map((p) => [p.author, p.text, p.author === me]),
            );
            expect(shown.map((item) => item.message.reactions.flatMap((x) => x.users))).toEqual(
              m.posts.map((p) => p.reactions),
            );
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

/** The action for one step, applying the same step to the model. */
function toAction(s: Step, me: string, rooms: [string, string], model: ModelRoom[]): ChatAction | null {
  if (s.kind === 'display') {
    for (const m of model) {
      const member = m.members.get(s.user);
      if (member !== undefined) member.displayName = s.displayName;
    }
    return {
      type: 'display_name',
      event: { type: 'display_name', user: s.user, displayName: s.displayName },
    };
  }
  const room = rooms[s.room];
  const m = model[s.room] as ModelRoom;
  switch (s.kind) {
    case 'join':
      if (!m.members.has(s.user)) m.members.set(s.user, { online: false, displayName: null });
      return { type: 'membership', event: { type: 'membership', room, user: s.user, joined: true } };
    case 'leave':
      m.members.delete(s.user);
      return { type: 'membership', event: { type: 'membership', room, user: s.user, joined: false } };
    case 'presence': {
      const member = m.members.get(s.user);
      m.members.set(s.user, { online: s.online, displayName: member?.displayName ?? null });
      return { type: 'presence', event: { type: 'presence', room, user: s.user, online: s.online } };
    }
    case 'typing': {
      // Our own typing is never shown.
      if (s.user !== me) {
        if (s.active) m.typing.add(s.user);
        else m.typing.delete(s.user);
      }
      return { type: 'typing', event: { type: 'typing', room, user: s.user, active: s.active }, now: 0 };
    }
    case 'post': {
      m.posts.push({ author: s.user, text: `${s.user} says hi`, reactions: [] });
      m.typing.delete(s.user);
      const message = chatMessage({
        room,
        position: m.posts.length,
        author: s.user,
        text: `${s.user} says hi`,
      });
      return { type: 'message', event: { room, message, source: 'live' }, now: 0 };
    }
    case 'react': {
      const post = m.posts.at(-1);
      if (post === undefined) return null;
      if (!post.reactions.includes(s.user)) post.reactions.push(s.user);
      return {
        type: 'reaction',
        event: { type: 'reaction', room, position: m.posts.length, user: s.user, emoji: '👍', on: true },
      };
    }
    case 'who':
      m.members = new Map(s.users.map((user) => [user, { online: true, displayName: user }]));
      return {
        type: 'who',
        room,
        members: s.users.map((user) => ({ user, displayName: user, online: true })),
      };
  }
}
