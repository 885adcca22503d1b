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
