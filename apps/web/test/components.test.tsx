import { fireEvent, render, screen, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { ClusterView } from '../src/components/ClusterView.js';
import { Composer } from '../src/components/Composer.js';
import { ConnectionBanner } from '../src/components/ConnectionBanner.js';
import { LoginForm } from '../src/components/LoginForm.js';
import { MessageList } from '../src/components/MessageList.js';
import { emptyRoom, initialChatState, type RoomView } from '../src/state/chat-state.js';
import { clusterReducer, initialClusterModel } from '../src/state/cluster-model.js';
import { chatMessage } from './fake-client.js';
import { frame, replica, server, status } from './fixtures.js';

const noop = () => {};

describe('LoginForm', () => {
  const props = {
    busy: false,
    connection: initialChatState.connection,
    error: null,
    onCancel: noop,
    onOpenCluster: noop,
  };

  it('logs in with the name and password typed', () => {
    const onSubmit = vi.fn();
    render(<LoginForm {...props} onSubmit={onSubmit} />);
    fireEvent.change(screen.getByLabelText('User name'), { target: { value: 'ada' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'secret' } });
    fireEvent.click(screen.getByRole('button', { name: 'Log in' }));
    expect(onSubmit).toHaveBeenCalledWith('ada', 'secret', false);
  });

  it('registers, and checks the name and the password length first', () => {
    const onSubmit = vi.fn();
    render(<LoginForm {...props} onSubmit={onSubmit} />);
    fireEvent.click(screen.getByLabelText('Create account'));
    fireEvent.change(screen.getByLabelText('User name'), { target: { value: 'ada lovelace' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'short' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create account' }));
    expect(screen.getByRole('alert').textContent).toMatch(/letters, digits/);
    fireEvent.change(screen.getByLabelText('User name'), { target: { value: 'ada' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create account' }));
    expect(screen.getByRole('alert').textContent).toMatch(/at least 8/);
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'long enough' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create account' }));
    expect(onSubmit).toHaveBeenCalledWith('ada', 'long enough', true);
  });

  it('shows why the last login failed', () => {
    render(<LoginForm {...props} error="Wrong user name or password." onSubmit={noop} />);
    expect(screen.getByRole('alert').textContent).toBe('Wrong user name or password.');
  });
});

function roomWith(texts: string[], extra: Partial<RoomView> = {}): RoomView {
  return {
    ...emptyRoom('general'),
    messages: texts.map((text, i) => chatMessage({ position: i + 1, text, author: 'mallory' })),
    hasMore: false,
    ...extra,
  };
}

function renderList(view: RoomView, onReact: (position: number, emoji: string, on: boolean) => void = noop) {
  return render(
    <MessageList
      view={view}
      user="ada"
      onRetry={noop}
      onDiscard={noop}
      onReact={onReact}
      onLoadOlder={noop}
    />,
  );
}

describe('MessageList', () => {
  it('renders message text as text, never as HTML', () => {
    const { container } = renderList(roomWith(['<img src=x onerror=alert(1)>', '<script>alert(2)</script>']));
    expect(screen.getByText('<img src=x onerror=alert(1)>')).toBeTruthy();
    expect(screen.getByText('<script>alert(2)</script>')).toBeTruthy();
    expect(container.querySelector('img')).toBeNull();
    expect(container.querySelector('.messages script')).toBeNull();
  });

  it('links http and https URLs only, safely', () => {
    const { container } = renderList(
      roomWith([
        'read https://example.com/paxos now',
        'javascript:alert(1)',
        'http://x.org and data:text/html,hi',
      ]),
    );
    const links = [...container.querySelectorAll('a')];
    expect(links.map((a) => a.getAttribute('href'))).toEqual(['https://example.com/paxos', 'http://x.org/']);
    for (const a of links) {
      expect(a.getAttribute('rel')).toBe('noopener noreferrer nofollow');
      expect(a.getAttribute('target')).toBe('_blank');
    }
    expect(screen.getByText('javascript:alert(1)').closest('a')).toBeNull();
  });

  it('marks own messages pending, delivered and failed', () => {
    const onRetry = vi.fn();
    const view: RoomView = {
      ...roomWith([]),
      messages: [chatMessage({ position: 1, author: 'ada', text: 'first' })],
      pending: [
        {
          clientId: 'web-me-0000',
          seq: 2,
          room: 'general',
          text: 'second',
          createdAt: 0,
          state: 'pending',
          attempts: 1,
        },
        {
          clientId: 'web-me-0000',
          seq: 3,
          room: 'general',
          text: 'third',
          createdAt: 0,
          state: 'failed',
          attempts: 1,
          error: { code: 'not_member', message: 'Join the room first.' },
        },
      ],
    };
    render(
      <MessageList
        view={view}
        user="ada"
        onRetry={onRetry}
        onDiscard={noop}
        onReact={noop}
        onLoadOlder={noop}
      />,
    );
    const log = screen.getByRole('log');
    const items = within(log).getAllByRole('listitem');
    expect(items[0]?.textContent).toMatch(/Delivered/);
    expect(items[1]?.textContent).toMatch(/Sending…/);
    expect(items[2]?.textContent).toMatch(/Not delivered/);
    expect(items[2]?.textContent).toMatch(/Join the room first\./);
    fireEvent.click(within(items[2]!).getByRole('button', { name: 'Retry' }));
    expect(onRetry).toHaveBeenCalledWith(expect.objectContaining({ seq: 3, text: 'third' }));
  });

  it('shows a history reset notice', () => {
    renderList(
      roomWith(['a'], { resets: [{ lastSeen: 1, resumedFrom: 90, missed: { from: 2, to: 89 }, at: 0 }] }),
    );
    expect(screen.getByRole('note').textContent).toMatch(/Messages 2–89 are no longer available/);
  });
});

describe('ConnectionBanner', () => {
  it('announces a lost connection and the reconnection', () => {
    const { rerender } = render(
      <ConnectionBanner
        banner={{
          kind: 'lost',
          since: 0,
          offline: false,
          attempt: 2,
          retryInMs: 500,
          reason: 'socket closed',
        }}
      />,
    );
    const status = screen.getByRole('status');
    expect(status.getAttribute('aria-live')).toBe('polite');
    expect(status.textContent).toMatch('Connection lost — reconnecting to another server…');
    rerender(<ConnectionBanner banner={{ kind: 'reconnected', serverId: 3, at: 0 }} />);
    expect(screen.getByRole('status').textContent).toMatch('Reconnected to server 3');
    rerender(<ConnectionBanner banner={null} />);
    expect(screen.getByRole('status').textContent).toBe('');
  });
});

describe('Composer', () => {
  function setup() {
    const onSend = vi.fn(() => true);
    render(<Composer room="general" onSend={onSend} onTyping={noop} onStopTyping={noop} />);
    const input = screen.getByLabelText('Message #general') as HTMLTextAreaElement;
    return { onSend, input };
  }

  it('sends on Enter, keeps a new line on Shift+Enter, clears on Esc, and keeps the focus', () => {
    const { onSend, input } = setup();
    expect(document.activeElement).toBe(input);
    fireEvent.change(input, { target: { value: 'line one' } });
    fireEvent.keyDown(input, { key: 'Enter', shiftKey: true });
    expect(onSend).not.toHaveBeenCalled();
    fireEvent.change(input, { target: { value: 'line one\nline two' } });
    fireEvent.keyDown(input, { key: 'Enter' });
    expect(onSend).toHaveBeenCalledWith('line one\nline two');
    expect(input.value).toBe('');
    expect(document.activeElement).toBe(input);
    fireEvent.change(input, { target: { value: 'draft' } });
    fireEvent.keyDown(input, { key: 'Escape' });
    expect(input.value).toBe('');
    fireEvent.keyDown(input, { key: 'Enter' });
    expect(onSend).toHaveBeenCalledTimes(1); // nothing to send
  });
});

describe('ClusterView', () => {
  const model = clusterReducer(initialClusterModel, {
    type: 'watch',
    frame: frame([
      replica(1, { committed: 97, clients: 4 }),
      replica(2, { role: 'leader', committed: 120, ballot: { round: 3, node: 2 } }),
      replica(3, { committed: 120 }),
    ]),
    now: 1000,
  });

  it('shows the leader, its ballot and each lag', () => {
    render(
      <ClusterView model={model} now={1000} connectedServerId={1} adminToken={null} onAdminToken={noop} />,
    );
    expect(screen.getByText(/Leader:/).textContent).toMatch(/Leader: server 2 ballot 3\.2 committed 120/);
    const one = screen.getByRole('article', { name: 'Server 1' });
    expect(one.textContent).toMatch(/23 behind/);
    expect(one.textContent).toMatch(/you are here/);
    expect(one.className).toMatch(/lag-large/);
    const two = screen.getByRole('article', { name: 'Server 2' });
    expect(two.className).toMatch(/is-leader/);
    expect(two.className).not.toMatch(/just-elected/); // the first leader seen is not a change
    expect(two.textContent).toMatch(/in sync/);
    expect(screen.getByRole('region', { name: 'Leader changes' }).textContent).toMatch(
      /Server 2 leads \(ballot 3\.2\)/,
    );
  });

  it('pulses the new leader after a change, and greys out a server that is down', () => {
    const changed = clusterReducer(model, {
      type: 'watch',
      frame: frame(
        [
          replica(1, { committed: 125, role: 'leader', ballot: { round: 4, node: 1 }, leaderId: 1 }),
          replica(3, { committed: 125, ballot: { round: 4, node: 1 }, leaderId: 1 }),
        ],
        1,
        1,
      ),
      now: 2000,
    });
    const withDown = clusterReducer(changed, {
      type: 'balancer',
      status: status(
        [server(1, { committed: 125 }), server(2, { healthy: false, lastSeenMs: 3000 }), server(3)],
        1,
      ),
      now: 2100,
    });
    render(
      <ClusterView model={withDown} now={2200} connectedServerId={1} adminToken="tok" onAdminToken={noop} />,
    );
    const one = screen.getByRole('article', { name: 'Server 1' });
    expect(one.className).toMatch(/is-leader/);
    expect(one.className).toMatch(/just-elected/);
    const two = screen.getByRole('article', { name: 'Server 2' });
    expect(two.className).toMatch(/is-down/);
    expect(within(two).getByText('Down')).toBeTruthy();
    expect((within(two).getByRole('button', { name: 'Heal' }) as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByRole('region', { name: 'Leader changes' }).textContent).toMatch(
      /Server 1 took over from server 2 \(ballot 4\.1\)/,
    );
  });

  it('shows a server that lost its disk as recovering, with what it waits for', () => {
    const recovery = { incarnation: 1_765_000_000_000, answered: [1], needed: 2, target: null };
    const recovering = clusterReducer(model, {
      type: 'balancer',
      status: status([
        server(1),
        server(2, { role: 'leader' }),
        server(3, { role: 'recovering', recovery, committed: 130 }),
      ]),
      now: 1100,
    });
    render(
      <ClusterView
        model={recovering}
        now={1100}
        connectedServerId={1}
        adminToken={null}
        onAdminToken={noop}
      />,
    );
    const three = screen.getByRole('article', { name: 'Server 3' });
    expect(within(three).getByText('Recovering').className).toMatch(/role-recovering/);
    expect(within(three).getByTestId('recovering-3').textContent).toMatch(
      /lost its disk: waiting for 2 other servers to answer \(from 1\)/,
    );
  });

  it('injects faults with the admin token', async () => {
    const withUrls = clusterReducer(model, {
      type: 'balancer',
      status: {
        balancerId: 'b',
        ready: true,
        size: 3,
        leaderId: 2,
        servers: [1, 2, 3].map((id) => ({
          id,
          url: `ws://127.0.0.1:710${id}/ws`,
          healthy: true,
          load: 0,
          role: id === 2 ? ('leader' as const) : ('follower' as const),
          leaderId: 2,
          ballot: { round: 3, node: 2 },
          committed: 0,
          applied: 0,
          snapshot: 0,
          peersUp: [],
          lastSeenMs: 10,
        })),
      },
      now: 1100,
    });
    const inject = vi.fn(async () => ({ ok: true as const }));
    const onAdminToken = vi.fn();
    const { rerender } = render(
      <ClusterView
        model={withUrls}
        now={1100}
        connectedServerId={null}
        adminToken={null}
        onAdminToken={onAdminToken}
        inject={inject}
      />,
    );
    expect(screen.queryByRole('button', { name: 'Drop all (partition)' })).toBeNull();
    fireEvent.change(screen.getByLabelText('Admin token'), { target: { value: 'tok' } });
    fireEvent.click(screen.getByRole('button', { name: 'Use token' }));
    expect(onAdminToken).toHaveBeenCalledWith('tok');
    rerender(
      <ClusterView
        model={withUrls}
        now={1100}
        connectedServerId={null}
        adminToken="tok"
        onAdminToken={onAdminToken}
        inject={inject}
      />,
    );
    const card = screen.getByRole('article', { name: 'Server 2' });
    fireEvent.click(within(card).getByRole('button', { name: 'Drop all (partition)' }));
    expect(inject).toHaveBeenCalledWith('http://127.0.0.1:7102', 'tok', 'd:0');
    expect(await within(card).findByText('Active: Drop all (partition) (d:0)')).toBeTruthy();
  });
});

describe('MessageList reactions', () => {
  it('toggles the user’s own reaction from its chip and adds a new one from the quick row', () => {
    const onReact = vi.fn();
    const view = roomWith(['react to me']);
    const first = view.messages[0]!;
    const withReactions: RoomView = {
      ...view,
      messages: [
        {
          ...first,
          reactions: [
            { emoji: '👍', users: ['ada', 'bob'] },
            { emoji: '🚀', users: ['bob'] },
          ],
        },
      ],
    };
    renderList(withReactions, onReact);
    const mine = screen.getByRole('button', { name: '👍 2: ada, bob' });
    expect(mine.getAttribute('aria-pressed')).toBe('true');
    fireEvent.click(mine);
    expect(onReact).toHaveBeenLastCalledWith(1, '👍', false);
    fireEvent.click(screen.getByRole('button', { name: '🚀 1: bob' }));
    expect(onReact).toHaveBeenLastCalledWith(1, '🚀', true);
    // 👍 is already a chip, so the quick row offers only the others.
    expect(screen.queryByRole('button', { name: 'React with 👍' })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'React with 🎉' }));
    expect(onReact).toHaveBeenLastCalledWith(1, '🎉', true);
  });
});
