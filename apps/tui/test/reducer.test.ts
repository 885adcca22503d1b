import type { OutboxEntry } from '@quorum/client';
import type { ChatMessage } from '@quorum/protocol';
import { describe, expect, it } from 'vitest';
import type { Action } from '../src/actions.js';
import { MAX_LINES, type MessageLine, type TuiState, TYPING_TTL_MS } from '../src/model.js';
import { reduce } from '../src/reducer.js';
import { isTerminalSafe } from '../src/sanitize.js';
import { pendingCount, typingUsers } from '../src/selectors.js';
import { chatMessage } from './support/fake-client.js';
import { connected, lines, MY_CLIENT, run, stateEvent } from './support/state.js';

const join = (room: string, focus = false): Action => ({ type: 'add_room', room, focus });
const msg = (
  room: string,
  position: number,
  author: string,
  text: string,
  extra: Partial<ChatMessage> = {},
): Action => ({
  type: 'message',
  room,
  message: chatMessage(room, position, author, text, extra),
  source: 'live',
  now: 0,
});

function entry(seq: number, text: string, patch: Partial<OutboxEntry> = {}): OutboxEntry {
  return {
    kind: 'send',
    room: 'general',
    text,
    clientId: MY_CLIENT,
    seq,
    state: 'pending',
    attempts: 1,
    createdAt: 5,
    ...patch,
  } as OutboxEntry;
}

const base = [join('general', true), connected(1)];

describe('reducer: messages and the outbox', () => {
  it('shows own sends as pending, then delivered on ack, then as the posted message', () => {
    let s = run([...base, { type: 'outbox', change: 'added', entry: entry(1, 'hello') }]);
    expect(lines(s).at(-1)).toBe('<alice> hello [pending]');
    expect(pendingCount(s)).toBe(1);
    s = reduce(s, {
      type: 'outbox',
      change: 'delivered',
      entry: entry(1, 'hello', { state: 'delivered', position: 7 }),
    });
    expect(lines(s).at(-1)).toBe('<alice> hello [delivered]');
    expect(pendingCount(s)).toBe(0);
    s = reduce(s, msg('general', 7, 'alice', 'hello'));
    expect(lines(s).at(-1)).toBe('<alice> hello [delivered]');
    expect(s.rooms.get('general')?.pending).toEqual([]);
    expect(s.rooms.get('general')?.lines.filter((l) => l.kind === 'message')).toHaveLength(1);
  });

  it('replaces the pending line when the message comes before the ack', () => {
    const s = run([
      ...base,
      { type: 'outbox', change: 'added', entry: entry(1, 'quick') },
      msg('general', 3, 'alice', 'quick'),
      { type: 'outbox', change: 'delivered', entry: entry(1, 'quick', { state: 'delivered', position: 3 }) },
    ]);
    expect(lines(s).filter((l) => l.includes('quick'))).toEqual(['<alice> quick [delivered]']);
  });

  it('brings a line back when its ack names another message than the one with its text', () => {
    // Another client of the same user posted the same words first (position 3).
    let s = run([
      ...base,
      { type: 'outbox', change: 'added', entry: entry(1, 'same') },
      msg('general', 3, 'alice', 'same'),
    ]);
    expect(lines(s).filter((l) => l.includes('same'))).toEqual(['<alice> same [delivered]']);
    s = reduce(s, {
      type: 'outbox',
      change: 'delivered',
      entry: entry(1, 'same', { state: 'delivered', position: 4 }),
    });
    expect(lines(s).filter((l) => l.includes('same'))).toEqual([
      '<alice> same [delivered]',
      '<alice> same [delivered]',
    ]);
    expect(s.rooms.get('general')?.pending).toHaveLength(1);
    s = reduce(s, msg('general', 4, 'alice', 'same'));
    expect(s.rooms.get('general')?.pending).toEqual([]);
    expect(
      s.rooms
        .get('general')
        ?.lines.filter((l) => l.kind === 'message')
        .map((l) => l.key),
    ).toEqual(['p3', 'p4']);
  });

  it('shows a claimed send as failed when it fails after all, and never matches others or other text', () => {
    let s = run([
      ...base,
      { type: 'outbox', change: 'added', entry: entry(1, 'mine') },
      msg('general', 1, 'bob', 'mine'),
      msg('general', 2, 'alice', 'not the same'),
    ]);
    expect(s.rooms.get('general')?.pending).toHaveLength(1);
    s = reduce(s, msg('general', 3, 'alice', 'mine'));
    expect(s.rooms.get('general')?.pending).toEqual([]);
    s = reduce(s, {
      type: 'outbox',
      change: 'failed',
      entry: entry(1, 'mine', { state: 'failed', error: { code: 'forbidden', message: 'no' } }),
    });
    expect(lines(s).at(-1)).toBe('<alice> mine [failed: forbidden: no]');
  });

  it('marks a refused send as failed with the reason, and a retry with the last error', () => {
    let s = run([...base, { type: 'outbox', change: 'added', entry: entry(1, 'x') }]);
    s = reduce(s, {
      type: 'outbox',
      change: 'retrying',
      entry: entry(1, 'x', { error: { code: 'unavailable', message: 'no quorum' } }),
    });
    expect(lines(s).at(-1)).toBe('<alice> x [pending: unavailable: no quorum]');
    s = reduce(s, {
      type: 'outbox',
      change: 'failed',
      entry: entry(1, 'x', {
        state: 'failed',
        error: { code: 'not_member', message: 'Join the room first.' },
      }),
    });
    expect(lines(s).at(-1)).toBe('<alice> x [failed: not_member: Join the room first.]');
    expect(pendingCount(s)).toBe(0);
  });

  it('sanitizes text and names from others, and splits lines', () => {
    const s = run([
      ...base,
      msg('general', 1, 'mallory', '\u001b]0;owned\u0007\u001b[2Jhi\u202e there\nsecond'),
    ]);
    expect(lines(s).at(-1)).toBe('<mallory> hi there / second');
  });

  it('shows each position once', () => {
    const s = run([
      ...base,
      msg('general', 1, 'bob', 'one'),
      msg('general', 1, 'bob', 'one'),
      msg('general', 2, 'bob', 'two'),
    ]);
    expect(lines(s).filter((l) => l.startsWith('<bob>'))).toEqual(['<bob> one', '<bob> two']);
  });

  it('counts unread messages and mentions in other rooms', () => {
    const s = run([
      ...base,
      join('dev'),
      msg('dev', 1, 'bob', 'hey alice, look'),
      msg('dev', 2, 'bob', 'and this'),
    ]);
    expect(s.rooms.get('dev')).toMatchObject({ unread: 2, mentions: 1 });
    const back = reduce(s, { type: 'switch', target: 'dev', now: 0 });
    expect(back.rooms.get('dev')).toMatchObject({ unread: 0, mentions: 0 });
  });

  it('keeps at most MAX_LINES lines per room', () => {
    const actions: Action[] = [...base];
    for (let i = 1; i <= MAX_LINES + 50; i++) actions.push(msg('general', i, 'bob', `m${i}`));
    const s = run(actions);
    expect(s.rooms.get('general')?.lines.length).toBe(MAX_LINES);
    expect(lines(s).at(-1)).toBe(`<bob> m${MAX_LINES + 50}`);
  });

  it('puts a backlog above what is shown, without duplicates', () => {
    const s = run([
      ...base,
      msg('general', 5, 'bob', 'five'),
      {
        type: 'backlog',
        room: 'general',
        messages: [
          chatMessage('general', 4, 'bob', 'four'),
          chatMessage('general', 5, 'bob', 'five'),
          chatMessage('general', 3, 'bob', 'three'),
        ],
      },
    ]);
    expect(lines(s).filter((l) => l.startsWith('<bob>'))).toEqual([
      '<bob> three',
      '<bob> four',
      '<bob> five',
    ]);
  });
});

describe('reducer: connection, failover and recovery', () => {
  it('announces the first connection', () => {
    const s = run(base);
    expect(lines(s)).toEqual(['-!- connected to server 1']);
    expect(s.connection).toMatchObject({ state: 'connected', serverId: 1 });
  });

  it('shows a lost connection, then the reconnect with the recovered messages after it, in order', () => {
    let s = run([...base, msg('general', 1, 'bob', 'before')]);
    s = run(
      [
        stateEvent('reconnecting', {
          attempt: 1,
          retryInMs: 250,
          reason: 'closed by ws://127.0.0.1:7101/ws (1006)',
        }),
        stateEvent('reconnecting', { attempt: 2, retryInMs: 500 }),
        {
          type: 'message',
          room: 'general',
          message: chatMessage('general', 2, 'bob', 'missed one'),
          source: 'resume',
          now: 0,
        },
        {
          type: 'message',
          room: 'general',
          message: chatMessage('general', 3, 'bob', 'missed two'),
          source: 'resume',
          now: 0,
        },
      ],
      s,
    );
    expect(lines(s)).toEqual([
      '-!- connected to server 1',
      '<bob> before',
      '-!- connection lost (closed by ws://127.0.0.1:7101/ws (1006)) — reconnecting to another server…',
    ]);
    expect(s.connection).toMatchObject({ state: 'reconnecting', attempt: 2 });
    s = reduce(s, connected(2));
    expect(lines(s)).toEqual([
      '-!- connected to server 1',
      '<bob> before',
      '-!- connection lost (closed by ws://127.0.0.1:7101/ws (1006)) — reconnecting to another server…',
      '-!- connected to server 2, recovered 2 messages',
      '<bob> missed one',
      '<bob> missed two',
    ]);
    expect(s.held).toEqual([]);
  });

  it('says how many were recovered per room when several rooms recovered some', () => {
    const s = run([
      ...base,
      join('dev'),
      stateEvent('reconnecting', { attempt: 1 }),
      msg('general', 1, 'bob', 'a'),
      msg('dev', 1, 'bob', 'b'),
      msg('dev', 2, 'bob', 'c'),
      connected(3),
    ]);
    expect(lines(s, 'dev')).toContain(
      '-!- connected to server 3, recovered 3 messages (#general: 1, #dev: 2)',
    );
  });

  it('warns once when offline, and on a history reset says messages could not be recovered', () => {
    const s = run([
      ...base,
      stateEvent('reconnecting', { attempt: 1 }),
      stateEvent('offline', { attempt: 8 }),
      stateEvent('offline', { attempt: 9 }),
      {
        type: 'history_reset',
        event: { room: 'general', lastSeen: 10, resumedFrom: 40, missed: { from: 11, to: 40 }, head: 90 },
        now: 0,
      },
      msg('general', 41, 'bob', 'newest page'),
      connected(2),
    ]);
    const text = lines(s);
    expect(text.filter((l) => l.includes('no server reachable'))).toHaveLength(1);
    const reset = text.findIndex((l) => l.includes('some messages could not be recovered'));
    expect(text[reset]).toContain('30 messages of #general (positions 11–40)');
    expect(reset).toBeGreaterThan(text.indexOf('-!- connected to server 2, recovered 1 message'));
    expect(text.at(-1)).toBe('<bob> newest page');
  });

  it('follows the leader from welcome and cluster events', () => {
    let s = run([{ type: 'welcome', serverId: 2, leaderId: 1 }]);
    expect(s.connection.leaderId).toBe(1);
    s = reduce(s, { type: 'leader', leaderId: 3 });
    expect(s.connection.leaderId).toBe(3);
    expect(reduce(s, { type: 'leader', leaderId: 3 })).toBe(s);
  });

  it('on a fatal error says the client stopped', () => {
    const s = run([
      ...base,
      {
        type: 'client_error',
        code: 'auth_failed',
        message: 'Wrong user name or password.',
        fatal: true,
        now: 0,
      },
    ]);
    expect(lines(s).at(-1)).toBe('-!- stopped: Wrong user name or password. (auth_failed)');
  });
});

describe('reducer: members, presence, typing', () => {
  it('fills the member list from joins, /who, presence and membership', () => {
    let s = run([...base, { type: 'joined', room: 'general', members: ['alice', 'bob', 'carol'] }]);
    const online = () =>
      Object.fromEntries([...(s.rooms.get('general')?.members ?? [])].map(([u, m]) => [u, m.online]));
    expect(online()).toEqual({ alice: true, bob: null, carol: null });
    s = reduce(s, {
      type: 'who',
      room: 'general',
      members: [
        { user: 'alice', displayName: 'alice', online: true },
        { user: 'bob', displayName: 'Bob B', online: true },
        { user: 'carol', displayName: 'carol', online: false },
      ],
    });
    expect(online()).toEqual({ alice: true, bob: true, carol: false });
    expect(s.displayNames.get('bob')).toBe('Bob B');
    s = reduce(s, { type: 'presence', room: 'general', user: 'bob', online: false });
    s = reduce(s, { type: 'membership', room: 'general', user: 'dave', joined: true, now: 0 });
    s = reduce(s, { type: 'membership', room: 'general', user: 'carol', joined: false, now: 0 });
    expect(online()).toEqual({ alice: true, bob: false, dave: null });
    expect(lines(s).slice(-2)).toEqual(['-!- → dave joined #general', '-!- ← carol left #general']);
  });

  it('shows who is typing until they stop, post, or it expires', () => {
    let s = run([...base, { type: 'typing', room: 'general', user: 'bob', active: true, now: 1000 }]);
    s = reduce(s, { type: 'typing', room: 'general', user: 'carol', active: true, now: 1000 });
    s = reduce(s, { type: 'typing', room: 'general', user: 'alice', active: true, now: 1000 });
    expect(typingUsers(s)).toEqual(['bob', 'carol']);
    s = reduce(s, msg('general', 1, 'bob', 'done typing'));
    expect(typingUsers(s)).toEqual(['carol']);
    s = reduce(s, { type: 'tick', now: 1000 + TYPING_TTL_MS });
    expect(typingUsers(s)).toEqual([]);
  });
});

describe('reducer: rooms and scrolling', () => {
  it('switches by number, name, next and previous; an unknown room gets a notice', () => {
    let s = run([...base, join('dev'), join('random')]);
    expect(s.current).toBe('general');
    s = reduce(s, { type: 'switch', target: 3, now: 0 });
    expect(s.current).toBe('random');
    s = reduce(s, { type: 'switch', target: 'next', now: 0 });
    expect(s.current).toBe('general');
    s = reduce(s, { type: 'switch', target: 'prev', now: 0 });
    expect(s.current).toBe('random');
    s = reduce(s, { type: 'switch', target: 'DEV', now: 0 });
    expect(s.current).toBe('dev');
    s = reduce(s, { type: 'switch', target: 9, now: 0 });
    expect(s.current).toBe('dev');
    expect(lines(s).at(-1)).toContain('no joined room number 9');
  });

  it('after leaving the current room shows its neighbour', () => {
    const s = run([...base, join('dev', true), join('random'), { type: 'remove_room', room: 'dev' }]);
    expect([...s.rooms.keys()]).toEqual(['general', 'random']);
    expect(s.current).toBe('random');
  });

  it('scrolls by pages, and stays put while new messages arrive', () => {
    const actions: Action[] = [...base];
    for (let i = 1; i <= 30; i++) actions.push(msg('general', i, 'bob', `m${i}`));
    let s = run([...actions, { type: 'scroll', direction: 'up', page: 10 }]);
    expect(s.rooms.get('general')?.scroll).toBe(10);
    s = reduce(s, msg('general', 31, 'bob', 'new'));
    expect(s.rooms.get('general')?.scroll).toBe(11);
    s = reduce(s, { type: 'scroll', direction: 'down', page: 5 });
    expect(s.rooms.get('general')?.scroll).toBe(6);
    s = reduce(s, { type: 'scroll', direction: 'bottom', page: 5 });
    expect(s.rooms.get('general')?.scroll).toBe(0);
    s = reduce(s, { type: 'scroll', direction: 'up', page: 1000 });
    expect(s.rooms.get('general')?.scroll).toBe(31); // the first entry stays visible
  });

  it('a reset for the same account keeps the scrollback and fails the old pending sends', () => {
    const s = run([
      ...base,
      msg('general', 1, 'bob', 'kept'),
      { type: 'outbox', change: 'added', entry: entry(1, 'lost') },
      { type: 'reset', user: 'alice', clientId: 'c-new-client-001' },
    ]);
    expect(lines(s)).toContain('<bob> kept');
    expect(lines(s).at(-1)).toBe('<alice> lost [failed: not sent: the client was restarted]');
    expect(s.connection.state).toBe('idle');
    const other = reduce(s, { type: 'reset', user: 'bob', clientId: 'c-bob-client-001' });
    expect(other.rooms.size).toBe(0);
    expect(other.user).toBe('bob');
  });
});

describe('reducer: reactions', () => {
  const react = (position: number, user: string, emoji: string, on = true, room = 'general'): Action => ({
    type: 'reaction',
    room,
    position,
    user,
    emoji,
    on,
  });
  const reactionsAt = (s: TuiState, position: number, room = 'general') =>
    s.rooms.get(room)?.lines.find((l): l is MessageLine => l.kind === 'message' && l.position === position)
      ?.reactions;

  it('takes the reactions of a message as it arrives; pending sends have none', () => {
    const s = run([
      ...base,
      msg('general', 1, 'bob', 'lunch?', {
        reactions: [
          { emoji: '👍', users: ['alice', 'carol'] },
          { emoji: '🍕', users: ['dave'] },
        ],
      }),
      { type: 'outbox', change: 'added', entry: entry(1, 'yes') },
    ]);
    expect(reactionsAt(s, 1)).toEqual([
      { emoji: '👍', users: ['alice', 'carol'] },
      { emoji: '🍕', users: ['dave'] },
    ]);
    expect(s.rooms.get('general')?.pending[0]?.reactions).toEqual([]);
  });

  it('adds a user to an emoji (creating it) and removes them (dropping it when nobody is left)', () => {
    let s = run([...base, msg('general', 1, 'bob', 'ship it'), msg('general', 2, 'bob', 'other')]);
    s = run([react(1, 'carol', '🚀'), react(1, 'dave', '🚀'), react(1, 'carol', '🎉')], s);
    expect(reactionsAt(s, 1)).toEqual([
      { emoji: '🚀', users: ['carol', 'dave'] },
      { emoji: '🎉', users: ['carol'] },
    ]);
    expect(reactionsAt(s, 2)).toEqual([]);
    // already there / not there: nothing changes, not even the state object
    expect(reduce(s, react(1, 'dave', '🚀'))).toBe(s);
    expect(reduce(s, react(1, 'erin', '🎉', false))).toBe(s);
    expect(reduce(s, react(1, 'carol', '👀', false))).toBe(s);
    s = run([react(1, 'carol', '🚀', false), react(1, 'carol', '🎉', false)], s);
    expect(reactionsAt(s, 1)).toEqual([{ emoji: '🚀', users: ['dave'] }]);
  });

  it('ignores reactions to messages that are not in the scrollback', () => {
    const s = run([...base, join('dev'), msg('general', 5, 'bob', 'hi')]);
    expect(reduce(s, react(4, 'carol', '👍'))).toBe(s);
    expect(reduce(s, react(99, 'carol', '👍'))).toBe(s);
    expect(reduce(s, react(5, 'carol', '👍', true, 'dev'))).toBe(s);
    expect(reduce(s, react(5, 'carol', '👍', true, 'nowhere'))).toBe(s);
    const cleared = reduce(s, { type: 'clear' });
    expect(reduce(cleared, react(5, 'carol', '👍'))).toBe(cleared);
  });

  it('sanitizes emoji and user names from others, merging what then looks the same', () => {
    let s = run([
      ...base,
      msg('general', 1, 'bob', 'hi', {
        reactions: [
          { emoji: '👍', users: ['bob'] },
          { emoji: '\u202e👍\u001b[2J', users: ['carol', 'bob'] },
          { emoji: '\u202e\u2066', users: ['dave'] },
        ],
      }),
    ]);
    expect(reactionsAt(s, 1)).toEqual([
      { emoji: '👍', users: ['bob', 'carol'] },
      { emoji: '\ufffd', users: ['dave'] },
    ]);
    s = reduce(s, react(1, 'mal\u001b]0;owned\u0007lory', '\u001b]8;;http://x\u0007🎉\u009b1m'));
    expect(reactionsAt(s, 1)?.at(-1)).toEqual({ emoji: '🎉', users: ['mallory'] });
    for (const r of reactionsAt(s, 1) ?? []) {
      expect(isTerminalSafe(r.emoji)).toBe(true);
      for (const u of r.users) expect(isTerminalSafe(u)).toBe(true);
    }
  });

  it('holds reactions while reconnecting and applies them after the message they are on', () => {
    let s = run([...base, msg('general', 1, 'bob', 'before')]);
    s = run(
      [
        stateEvent('reconnecting', { attempt: 1 }),
        react(1, 'carol', '👍'),
        {
          type: 'message',
          room: 'general',
          message: chatMessage('general', 2, 'bob', 'missed'),
          source: 'resume',
          now: 0,
        },
        react(2, 'carol', '🎉'),
      ],
      s,
    );
    expect(reactionsAt(s, 1)).toEqual([]);
    expect(s.held.map((h) => h.type)).toEqual(['reaction', 'message', 'reaction']);
    s = reduce(s, connected(2));
    expect(lines(s).slice(-2)).toEqual(['-!- connected to server 2, recovered 1 message', '<bob> missed']);
    expect(reactionsAt(s, 1)).toEqual([{ emoji: '👍', users: ['carol'] }]);
    expect(reactionsAt(s, 2)).toEqual([{ emoji: '🎉', users: ['carol'] }]);
    expect(s.held).toEqual([]);
  });
});
