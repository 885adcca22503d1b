import { ClientError } from '@quorum/client';
import type { ChatMessage } from '@quorum/protocol';
import { describe, expect, it } from 'vitest';
import { Controller } from '../src/controller.js';
import type { SavedSession } from '../src/state-file.js';
import { chatMessage, FakeClient } from './support/fake-client.js';
import { manualTimers } from './support/harness.js';
import { lines } from './support/state.js';

function setup(options: { saved?: SavedSession | null; password?: string | null; register?: boolean } = {}) {
  const clients: FakeClient[] = [];
  const saves: SavedSession[] = [];
  let exits = 0;
  const controller = new Controller({
    user: 'alice',
    password: options.password === undefined ? 'pw-alice-123' : options.password,
    register: options.register ?? false,
    balancers: ['http://127.0.0.1:7100'],
    room: 'general',
    createClient: (o) => {
      const c = new FakeClient(o);
      clients.push(c);
      return c;
    },
    sessions: {
      load: (user) => (options.saved && options.saved.user === user ? options.saved : null),
      save: (s) => saves.push(s),
    },
    timers: manualTimers,
    onExit: () => {
      exits++;
    },
  });
  controller.start();
  return {
    controller,
    clients,
    saves,
    client: () => clients.at(-1) as FakeClient,
    exits: () => exits,
    screen: () => lines(controller.store.getState()),
    lastNotice: () => lines(controller.store.getState()).findLast((l) => l.startsWith('-!-')),
  };
}

const saved: SavedSession = {
  user: 'alice',
  token: 'QDzR2S5XGqb5Est7tyDMF-Ud5Al1sfvaLugrk1q0jQw',
  clientId: 'c-saved-client-01',
  nextSeq: 9,
  positions: { general: 20, dev: 4 },
  rooms: ['general', 'dev'],
  current: 'dev',
};

describe('Controller', () => {
  it('starts the client with the saved token, clientId + nextSeq, positions and rooms', () => {
    const t = setup({ saved, password: null });
    const o = t.client().options;
    expect(o).toMatchObject({
      token: saved.token,
      clientId: saved.clientId,
      nextSeq: 9,
      positions: saved.positions,
      rooms: ['general', 'dev'],
      balancers: ['http://127.0.0.1:7100'],
      register: false,
    });
    expect(o.credentials).toBeUndefined();
    expect(t.client().connected).toBe(true);
  });

  it('registers with --register and never uses a saved token for it', () => {
    const t = setup({ saved, register: true });
    expect(t.client().options).toMatchObject({
      register: true,
      credentials: { user: 'alice', password: 'pw-alice-123' },
    });
    expect(t.client().options.token).toBeUndefined();
  });

  it('loads a backlog above the saved positions after the first connect', async () => {
    const t = setup({ saved, password: null });
    const asked: unknown[] = [];
    t.client().history = async (room, opts) => {
      asked.push({ room, ...opts });
      return { room, messages: [chatMessage(room, 20, 'bob', `old in ${room}`)], hasMore: true, head: 25 };
    };
    t.client().connectTo(2);
    await new Promise((r) => setImmediate(r));
    expect(asked).toEqual([
      { room: 'general', before: 21, limit: 30 },
      { room: 'dev', before: 5, limit: 30 },
    ]);
    expect(t.screen()).toContain('<bob> old in general');
  });

  it('asks for the password again after a wrong one', () => {
    const t = setup();
    t.client().emit('error', { code: 'auth_failed', message: 'Wrong user name or password.', fatal: true });
    const state = t.controller.store.getState();
    expect(state.prompt).toMatchObject({ kind: 'password', user: 'alice' });
    expect(t.client().closed).toBe(true);
    t.controller.submitSecret('the-right-one');
    expect(t.clients).toHaveLength(2);
    expect(t.client().options.credentials).toEqual({ user: 'alice', password: 'the-right-one' });
  });

  it('refuses a too short password for /register and asks again', () => {
    const t = setup();
    t.controller.submit('/register carol');
    t.controller.submitSecret('short');
    expect(t.controller.store.getState().prompt).toMatchObject({ user: 'carol', register: true });
    expect(t.screen().join('\n')).toContain('at least 8 characters');
    t.controller.submitSecret('long-enough-pw');
    expect(t.client().options).toMatchObject({
      register: true,
      credentials: { user: 'carol', password: 'long-enough-pw' },
    });
    expect(t.controller.store.getState().user).toBe('carol');
  });

  it('asks before quitting with unacknowledged sends, and saves the session on quit', () => {
    const t = setup();
    t.client().connectTo(1);
    t.controller.submit('still pending');
    t.controller.quit();
    expect(t.exits()).toBe(0);
    expect(t.screen().join('\n')).toContain('1 message not yet acknowledged');
    t.controller.quit();
    expect(t.exits()).toBe(1);
    expect(t.client().closed).toBe(true);
    expect(t.saves.at(-1)).toMatchObject({ user: 'alice', clientId: t.client().clientId, nextSeq: 2 });
  });

  describe('/react', () => {
    function withMessages() {
      const t = setup();
      t.client().connectTo(1);
      const post = (
        position: number,
        author: string,
        text: string,
        reactions: ChatMessage['reactions'] = [],
      ) =>
        t.client().emit('message', {
          room: 'general',
          message: chatMessage('general', position, author, text, { reactions }),
          source: 'live',
        });
      post(3, 'bob', 'oldest');
      post(4, 'carol', 'middle', [{ emoji: '👍', users: ['alice', 'bob'] }]);
      t.client().emit('membership', { type: 'membership', room: 'general', user: 'dave', joined: true });
      post(5, 'bob', 'newest');
      t.controller.submit('still pending'); // our send: not a message to react to yet
      return t;
    }

    it('reacts to the N-th newest posted message, counting past notices and pending sends', () => {
      const t = withMessages();
      t.controller.submit('/react 🎉');
      t.controller.submit('/r 3 🚀');
      expect(t.client().reacted).toEqual([
        { room: 'general', position: 5, emoji: '🎉', on: true, seq: 2 },
        { room: 'general', position: 3, emoji: '🚀', on: true, seq: 3 },
      ]);
      // the seq is saved before the reaction can reach the wire, as for a send
      expect(t.saves.at(-1)?.nextSeq).toBe(4);
    });

    it('takes our own emoji back, and adds one that only others have', () => {
      const t = withMessages();
      t.controller.submit('/react 2 👍');
      t.client().emit('reaction', {
        type: 'reaction',
        room: 'general',
        position: 4,
        user: 'alice',
        emoji: '👍',
        on: false,
      });
      t.controller.submit('/react 2 👍');
      expect(t.client().reacted.map((r) => [r.position, r.emoji, r.on])).toEqual([
        [4, '👍', false],
        [4, '👍', true],
      ]);
    });

    it('says so when there is no such message, without asking the client', () => {
      const t = withMessages();
      t.controller.submit('/react 4 👍');
      expect(t.lastNotice()).toBe('-!- no message 4 back in #general: 3 messages shown (1 is the newest)');
      t.controller.submit('/join empty');
      t.controller.submit('/react 👍');
      expect(t.lastNotice()).toBe('-!- no message to react to in #empty yet');
      expect(t.client().reacted).toEqual([]);
    });

    it('shows a refused reaction as a warning in its room', async () => {
      const t = withMessages();
      t.client().reactError = new ClientError('forbidden', 'A message can carry at most 32 different emoji.');
      t.controller.submit('/react 2 👍');
      await new Promise((r) => setImmediate(r));
      expect(t.lastNotice()).toBe(
        "-!- /react failed: could not take your 👍 off carol's message: A message can carry at most 32 different emoji. (forbidden)",
      );
    });

    it('reports a bad command without asking the client', () => {
      const t = withMessages();
      t.controller.submit('/react 0 👍');
      expect(t.lastNotice()).toContain('"0" is not a message number');
      expect(t.client().reacted).toEqual([]);
    });
  });

  it('reports a send the protocol refuses instead of crashing', () => {
    const t = setup();
    t.client().connectTo(1);
    t.client().send = () => {
      throw new Error('text too long');
    };
    t.controller.submit('x'.repeat(10));
    expect(t.screen().at(-1)).toContain('not sent: text too long');
  });
});
