import type { QuorumClientOptions } from '@quorum/client';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { App, type AppDeps } from '../src/App.js';
import { saveSession } from '../src/lib/session-store.js';
import { chatMessage, FakeClient } from './fake-client.js';
import { server, status } from './fixtures.js';

function setup() {
  const clients: FakeClient[] = [];
  const createClient = vi.fn((options: QuorumClientOptions) => {
    const client = new FakeClient(options);
    clients.push(client);
    return client;
  });
  const fetchFn = vi.fn(
    async () =>
      new Response(
        JSON.stringify(status([server(1, { role: 'leader', leaderId: 1 }), server(2), server(3)], 1)),
      ),
  );
  const deps: AppDeps = {
    createClient,
    balancerUrl: 'http://127.0.0.1:7100',
    storage: localStorage,
    sessionStorage,
    locks: null,
    now: () => Date.now(),
    fetch: fetchFn as unknown as typeof fetch,
  };
  render(<App deps={deps} />);
  return { clients, createClient, fetchFn };
}

async function logIn(clients: FakeClient[]) {
  fireEvent.change(screen.getByLabelText('User name'), { target: { value: 'ada' } });
  fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'correct horse' } });
  fireEvent.click(screen.getByRole('button', { name: 'Log in' }));
  await waitFor(() => expect(clients).toHaveLength(1));
  const client = clients[0]!;
  act(() => {
    client.emit('state', { state: 'connecting', serverId: null, url: null, attempt: 0 });
    client.emit('welcome', { serverId: 1, leaderId: 1, url: 'ws://127.0.0.1:7101/ws', limits: {} as never });
    client.emit('session', { user: 'ada', displayName: 'ada', token: 'T'.repeat(43), expiresAt: 0 });
    client.emit('joined', { room: 'general', head: 0, members: ['ada', 'grace'] });
    client.emit('state', { state: 'connected', serverId: 1, url: 'ws://127.0.0.1:7101/ws', attempt: 0 });
  });
  return client;
}

describe('App with a fake client', () => {
  it('keeps the page up when users named like Object.prototype members join, post, type and react', async () => {
    const { clients } = setup();
    const client = await logIn(clients);
    const names = ['constructor', '__proto__', 'toString', 'hasOwnProperty'];
    act(() => {
      for (const [i, user] of names.entries()) {
        client.emit('membership', { type: 'membership', room: 'general', user, joined: true });
        client.emit('presence', { type: 'presence', room: 'general', user, online: true });
        client.emit('display_name', { type: 'display_name', user, displayName: `${user} here` });
        client.emit('message', {
          room: 'general',
          message: chatMessage({ position: i + 1, author: user, text: `i am ${user}` }),
          source: 'live',
        });
        client.emit('reaction', {
          type: 'reaction',
          room: 'general',
          position: i + 1,
          user,
          emoji: '👍',
          on: true,
        });
      }
      client.emit('typing', { type: 'typing', room: 'general', user: 'constructor', active: true });
    });
    const members = screen.getByRole('list', { name: 'Members' });
    for (const user of names) {
      expect(members.textContent).toContain(`${user} here (${user})`);
      expect(screen.getByText(`i am ${user}`)).toBeTruthy();
    }
    expect(screen.getByText('constructor is typing…')).toBeTruthy();
  });

  it('logs in through the balancer of the page and persists the session token', async () => {
    const { clients, createClient } = setup();
    const client = await logIn(clients);
    expect(createClient).toHaveBeenCalledWith(
      expect.objectContaining({
        balancers: ['http://127.0.0.1:7100'],
        credentials: { user: 'ada', password: 'correct horse' },
        rooms: ['general'],
      }),
    );
    expect(client.connect).toHaveBeenCalled();
    expect(JSON.parse(localStorage.getItem('quorum.session') ?? 'null')).toEqual({
      user: 'ada',
      token: 'T'.repeat(43),
    });
    expect(localStorage.getItem('quorum.session')).not.toMatch(/correct horse/);
    expect(screen.getByRole('heading', { name: '#general' })).toBeTruthy();
  });

  it('shows messages, sends with Enter and replaces the pending line with the committed one', async () => {
    const { clients } = setup();
    const client = await logIn(clients);
    act(() => {
      client.emit('message', {
        room: 'general',
        message: chatMessage({ position: 1, text: 'hi ada' }),
        source: 'history',
      });
    });
    expect(screen.getByText('hi ada')).toBeTruthy();

    const input = screen.getByLabelText('Message #general');
    fireEvent.change(input, { target: { value: 'hello grace' } });
    fireEvent.keyDown(input, { key: 'Enter' });
    expect(client.send).toHaveBeenCalledWith('general', 'hello grace');
    expect(screen.getByText('Sending…')).toBeTruthy();

    act(() => {
      client.emit('message', {
        room: 'general',
        message: chatMessage({
          position: 2,
          text: 'hello grace',
          author: 'ada',
        }),
        source: 'live',
      });
    });
    expect(screen.queryByText('Sending…')).toBeNull();
    expect(screen.getAllByText('hello grace')).toHaveLength(1);
    expect(screen.getByText('Delivered')).toBeTruthy();
  });

  it('shows the failover banner and where it reconnected', async () => {
    const { clients } = setup();
    const client = await logIn(clients);
    act(() =>
      client.emit('state', { state: 'reconnecting', serverId: null, url: null, attempt: 1, retryInMs: 300 }),
    );
    expect(screen.getByRole('status').textContent).toMatch(
      'Connection lost — reconnecting to another server…',
    );
    act(() =>
      client.emit('state', { state: 'connected', serverId: 2, url: 'ws://127.0.0.1:7102/ws', attempt: 0 }),
    );
    expect(screen.getByRole('status').textContent).toMatch('Reconnected to server 2');
  });

  it('sends typing signals and shows who else is typing', async () => {
    const { clients } = setup();
    const client = await logIn(clients);
    fireEvent.change(screen.getByLabelText('Message #general'), { target: { value: 'h' } });
    expect(client.typing).toHaveBeenCalledWith('general', true);
    act(() => client.emit('typing', { type: 'typing', room: 'general', user: 'grace', active: true }));
    expect(screen.getByText('grace is typing…')).toBeTruthy();
  });

  it('resumes a saved session with its token, without a password', async () => {
    saveSession(localStorage, { user: 'ada', token: 'S'.repeat(43) });
    const { createClient } = setup();
    await waitFor(() => expect(createClient).toHaveBeenCalled());
    const options = createClient.mock.calls[0]![0];
    expect(options.token).toBe('S'.repeat(43));
    expect(options.credentials).toBeUndefined();
  });

  it('returns to the login form when the password is wrong', async () => {
    const { clients } = setup();
    const client = await logIn(clients);
    act(() => client.emit('error', { code: 'auth_failed', message: 'nope', fatal: true }));
    expect(screen.getByRole('alert').textContent).toBe('Wrong user name or password.');
    await waitFor(() => expect(client.close).toHaveBeenCalled());
  });

  it('polls the balancer for the cluster view, before any login', async () => {
    const { fetchFn } = setup();
    fireEvent.click(screen.getByRole('tab', { name: /Cluster/ }));
    await waitFor(() => expect(screen.getByText(/Leader:/).textContent).toMatch(/server 1/));
    expect(fetchFn).toHaveBeenCalledWith('http://127.0.0.1:7100/cluster', expect.anything());
  });
});
