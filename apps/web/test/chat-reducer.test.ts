import type { ClientErrorCode, OutboxEntry } from '@quorum/client';
import { describe, expect, it } from 'vitest';
import type { ChatAction } from '../src/state/chat-actions.js';
import { chatReducer } from '../src/state/chat-reducer.js';
import {
  type ChatState,
  initialChatState,
  RECONNECTED_BANNER_MS,
  TYPING_TTL_MS,
} from '../src/state/chat-state.js';
import { timeline, typingText, typingUsers } from '../src/state/timeline.js';
import { chatMessage } from './fake-client.js';

const ME = 'web-my-client-id';

function run(...actions: ChatAction[]): ChatState {
  return actions.reduce(chatReducer, initialChatState);
}

const started: ChatAction = { type: 'started', clientId: ME, user: 'ada', rooms: ['general'] };
const session: ChatAction = { type: 'session', user: 'ada', displayName: 'ada' };

function live(position: number, extra: Partial<Parameters<typeof chatMessage>[0]> = {}): ChatAction {
  return {
    type: 'message',
    event: { room: 'general', message: chatMessage({ position, ...extra }), source: 'live' },
    now: 0,
  };
}

function outbox(
  change: 'added' | 'sent' | 'delivered' | 'failed' | 'retrying',
  entry: Partial<OutboxEntry>,
): ChatAction {
  return {
    type: 'outbox',
    event: {
      change,
      entry: {
        kind: 'send',
        room: 'general',
        text: 'hello',
        clientId: ME,
        seq: 1,
        state: 'pending',
        attempts: 0,
        createdAt: 1000,
        ...entry,
      } as OutboxEntry,
    },
  };
}

const general = (state: ChatState) => {
  const view = state.rooms.get('general');
  if (view === undefined) throw new Error('no #general');
  return view;
};

describe('chat reducer: messages', () => {
  it('keeps messages in position order whatever order they arrive in', () => {
    const state = run(started, session, live(3), live(1), live(2), live(5), live(4));
    expect(general(state).messages.map((m) => m.position)).toEqual([1, 2, 3, 4, 5]);
  });

  it('shows each position once (duplicates are dropped)', () => {
    const state = run(started, session, live(1), live(2), live(2), live(1, { text: 'replayed' }));
    expect(general(state).messages.map((m) => m.position)).toEqual([1, 2]);
    expect(general(state).messages[0]?.text).toBe('message 1');
  });

  it('merges an older history page in front', () => {
    const page: ChatAction = {
      type: 'history_page',
      room: 'general',
      messages: [chatMessage({ position: 1 }), chatMessage({ position: 2 }), chatMessage({ position: 3 })],
      hasMore: false,
    };
    const state = run(started, session, live(3), live(4), page);
    expect(general(state).messages.map((m) => m.position)).toEqual([1, 2, 3, 4]);
    expect(general(state).hasMore).toBe(false);
  });

  it('counts unread live messages of rooms that are not open', () => {
    const other: ChatAction = { type: 'join_requested', room: 'paxos' };
    const state = run(
      started,
      session,
      other,
      { type: 'select_room', room: 'general' },
      {
        type: 'message',
        event: { room: 'paxos', message: chatMessage({ position: 1, room: 'paxos' }), source: 'live' },
        now: 0,
      },
    );
    expect(state.rooms.get('paxos')?.unread).toBe(1);
    expect(run(started, session).rooms.get('general')?.unread).toBe(0);
    const read = chatReducer(state, { type: 'select_room', room: 'paxos' });
    expect(read.rooms.get('paxos')?.unread).toBe(0);
  });
});

describe('chat reducer: own sends', () => {
  it('goes pending -> delivered -> replaced by the committed message', () => {
    let state = run(started, session, outbox('added', {}));
    expect(general(state).pending).toHaveLength(1);
    expect(general(state).pending[0]?.state).toBe('pending');

    state = chatReducer(state, outbox('delivered', { state: 'delivered', position: 7, ts: 5000 }));
    expect(general(state).pending[0]?.state).toBe('delivered');
    expect(general(state).pending[0]?.position).toBe(7);

    state = chatReducer(state, live(7, { author: 'ada', text: 'hello' }));
    expect(general(state).pending).toHaveLength(0);
    const items = timeline(general(state), 'ada');
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ kind: 'message', own: true });
  });

  it('does not bring back a line whose message came before the ack', () => {
    let state = run(started, session, outbox('added', {}));
    state = chatReducer(state, live(7, { author: 'ada', text: 'hello' }));
    state = chatReducer(state, outbox('delivered', { state: 'delivered', position: 7 }));
    expect(general(state).pending).toHaveLength(0);
    expect(general(state).messages).toHaveLength(1);
  });

  it('hides the line while the same text of ours shows, and brings it back when the ack names another position', () => {
    // Another tab of the same user sent the same words: its message (position 7) arrives first.
    let state = run(started, session, outbox('added', {}));
    state = chatReducer(state, live(7, { author: 'ada', text: 'hello' }));
    expect(timeline(general(state), 'ada').map((i) => i.kind)).toEqual(['message']);
    // This tab's ack says position 8: the line is back, delivered, until message 8 comes.
    state = chatReducer(state, outbox('delivered', { state: 'delivered', position: 8 }));
    expect(timeline(general(state), 'ada').map((i) => i.kind)).toEqual(['message', 'pending']);
    state = chatReducer(state, live(8, { author: 'ada', text: 'hello' }));
    expect(general(state).pending).toHaveLength(0);
    expect(general(state).messages.map((m) => m.position)).toEqual([7, 8]);
  });

  it("never lets another user's message, or a different text, replace a pending line", () => {
    let state = run(started, session, outbox('added', {}));
    state = chatReducer(state, live(1, { author: 'grace', text: 'hello' }));
    state = chatReducer(state, live(2, { author: 'ada', text: 'something else' }));
    expect(timeline(general(state), 'ada').map((i) => i.kind)).toEqual(['message', 'message', 'pending']);
  });

  it('marks a refused send failed with its reason, and discards it on request', () => {
    let state = run(
      started,
      session,
      outbox('added', {}),
      outbox('failed', { state: 'failed', error: { code: 'not_member', message: 'Join the room first.' } }),
    );
    const pending = general(state).pending[0];
    expect(pending?.state).toBe('failed');
    expect(pending?.error?.code).toBe('not_member');
    state = chatReducer(state, { type: 'discard', room: 'general', seq: 1 });
    expect(general(state).pending).toHaveLength(0);
  });

  it('keeps pending sends after the delivered messages, in seq order', () => {
    const state = run(
      started,
      session,
      live(1),
      outbox('added', { seq: 1 }),
      outbox('added', { seq: 2, text: 'two' }),
      live(2),
    );
    const kinds = timeline(general(state), 'ada').map((i) => i.kind);
    expect(kinds).toEqual(['message', 'message', 'pending', 'pending']);
  });
});

describe('chat reducer: history reset, presence, typing', () => {
  it('records a history_reset as an explicit notice after the last message seen', () => {
    const state = run(
      started,
      session,
      live(1),
      live(2),
      {
        type: 'history_reset',
        event: { room: 'general', lastSeen: 2, resumedFrom: 151, missed: { from: 3, to: 150 }, head: 200 },
        now: 42,
      },
      live(151),
      live(152),
    );
    const items = timeline(general(state), 'ada');
    expect(items.map((i) => i.kind)).toEqual(['message', 'message', 'reset', 'message', 'message']);
    const reset = items[2];
    expect(reset?.kind === 'reset' && reset.reset.missed).toEqual({ from: 3, to: 150 });
  });

  it('tracks members and their presence', () => {
    let state = run(started, session, {
      type: 'joined',
      event: { room: 'general', head: 0, members: ['ada', 'grace'] },
    });
    expect(general(state).members.get('ada')?.online).toBe(true); // ourselves
    expect(general(state).members.get('grace')?.online).toBe(false);
    state = chatReducer(state, {
      type: 'presence',
      event: { type: 'presence', room: 'general', user: 'grace', online: true },
    });
    expect(general(state).members.get('grace')?.online).toBe(true);
    state = chatReducer(state, {
      type: 'membership',
      event: { type: 'membership', room: 'general', user: 'linus', joined: true },
    });
    expect(general(state).members.get('linus')?.online).toBe(false);
    state = chatReducer(state, {
      type: 'membership',
      event: { type: 'membership', room: 'general', user: 'grace', joined: false },
    });
    expect(general(state).members.has('grace')).toBe(false);
    state = chatReducer(state, {
      type: 'who',
      room: 'general',
      members: [{ user: 'ada', displayName: 'Ada Lovelace', online: true }],
    });
    expect([...general(state).members.keys()]).toEqual(['ada']);
    expect(general(state).members.get('ada')?.displayName).toBe('Ada Lovelace');
  });

  it('expires typing indicators, and clears one when that person posts', () => {
    const typing = (user: string, active: boolean, now: number): ChatAction => ({
      type: 'typing',
      event: { type: 'typing', room: 'general', user, active },
      now,
    });
    let state = run(
      started,
      session,
      typing('grace', true, 1000),
      typing('linus', true, 2000),
      typing('ada', true, 2000),
    );
    expect(typingUsers(general(state), 2500)).toEqual(['grace', 'linus']); // never ourselves
    expect(typingText(typingUsers(general(state), 2500))).toBe('grace and linus are typing…');

    state = chatReducer(state, { type: 'tick', now: 1000 + TYPING_TTL_MS });
    expect([...general(state).typing.keys()]).toEqual(['linus']);

    state = chatReducer(state, live(1, { author: 'linus' }));
    expect(general(state).typing.size).toBe(0);

    state = chatReducer(state, typing('grace', true, 9000));
    state = chatReducer(state, typing('grace', false, 9100));
    expect(general(state).typing.size).toBe(0);
  });

  it('returns the same state from a tick that changes nothing', () => {
    const state = run(started, session);
    expect(chatReducer(state, { type: 'tick', now: 5 })).toBe(state);
  });
});

describe('chat reducer: text from the network', () => {
  it('removes bidi and zero-width characters from names, display names, text, reactions and notices', () => {
    const RLO = '\u202e';
    let state = run(
      started,
      session,
      { type: 'joined', event: { room: 'general', head: 0, members: ['ada', 'grace'] } },
      {
        type: 'who',
        room: 'general',
        members: [{ user: 'grace', displayName: `Gr${RLO}ace\u200b Hopper\u2066`, online: true }],
      },
      {
        type: 'display_name',
        event: { type: 'display_name', user: 'grace', displayName: `\u2067Admiral${RLO} Grace\u200d` },
      },
    );
    expect(general(state).members.get('grace')?.displayName).toBe('Admiral Grace');
    state = chatReducer(
      state,
      live(1, {
        author: 'grace',
        text: `see invoice_${RLO}gnp.exe\u200b and a\u2060dmin 👩‍💻`,
        reactions: [{ emoji: `👍\u200b`, users: ['ada'] }],
      }),
    );
    const message = general(state).messages[0];
    expect(message?.text).toBe('see invoice_gnp.exe and admin 👩‍💻');
    expect(message?.reactions).toEqual([{ emoji: '👍', users: ['ada'] }]);
    state = chatReducer(state, {
      type: 'reaction',
      event: { type: 'reaction', room: 'general', position: 1, user: 'grace', emoji: `👍${RLO}`, on: true },
    });
    expect(general(state).messages[0]?.reactions).toEqual([{ emoji: '👍', users: ['ada', 'grace'] }]);
    state = chatReducer(state, {
      type: 'error',
      event: { code: 'internal', message: `oops${RLO} reversed`, fatal: false, room: 'general' },
      now: 0,
    });
    expect(state.notices.at(-1)?.text).toBe('#general: oops reversed');
    state = chatReducer(state, { type: 'session', user: 'ada', displayName: `${RLO}ada\ufeff` });
    expect(state.displayName).toBe('ada');
  });

  it('shows the message of an unknown fatal code, even one named like an Object.prototype member', () => {
    // Codes the page does not know (a newer server's) reach it as they are.
    for (const code of [
      'constructor',
      'toString',
      '__proto__',
      'hasOwnProperty',
    ] as string[] as ClientErrorCode[]) {
      const state = run(started, {
        type: 'error',
        event: { code, message: 'Stopped.', fatal: true },
        now: 0,
      });
      expect(state.authError).toBe('Stopped.');
    }
  });
});

describe('chat reducer: connection', () => {
  const at = (
    state: 'connecting' | 'connected' | 'reconnecting' | 'offline',
    now: number,
    serverId: number | null = null,
  ): ChatAction => ({
    type: 'state',
    event: {
      state,
      serverId,
      url: null,
      attempt: state === 'connected' ? 0 : 1,
      retryInMs: 800,
      reason: 'socket closed',
    },
    now,
  });

  it('shows a banner while reconnecting and says where it reconnected', () => {
    let state = run(started, at('connecting', 0), at('connected', 10, 1), session);
    expect(state.banner).toBeNull();
    state = chatReducer(state, at('reconnecting', 100));
    expect(state.banner).toMatchObject({ kind: 'lost', since: 100, offline: false });
    state = chatReducer(state, at('offline', 900));
    expect(state.banner).toMatchObject({ kind: 'lost', since: 100, offline: true });
    state = chatReducer(state, at('connected', 1000, 3));
    expect(state.banner).toEqual({ kind: 'reconnected', serverId: 3, at: 1000 });
    state = chatReducer(state, { type: 'tick', now: 1000 + RECONNECTED_BANNER_MS });
    expect(state.banner).toBeNull();
  });

  it('goes back to the login form with a reason on a fatal auth error', () => {
    const state = run(started, {
      type: 'error',
      event: { code: 'auth_failed', message: 'Wrong user name or password.', fatal: true },
      now: 0,
    });
    expect(state.phase).toBe('signed_out');
    expect(state.authError).toBe('Wrong user name or password.');
  });

  it('turns a refused join into a notice', () => {
    const state = run(started, session, {
      type: 'error',
      event: { code: 'too_many_rooms', message: 'too many', fatal: false, room: 'r65' },
      now: 0,
    });
    expect(state.notices[0]?.text).toMatch(/too many rooms/);
  });
});
