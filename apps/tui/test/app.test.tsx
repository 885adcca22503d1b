import { afterEach, describe, expect, it } from 'vitest';
import { chatMessage } from './support/fake-client.js';
import { type Harness, inputLine, KEYS, start } from './support/harness.js';

let h: Harness | null = null;
afterEach(() => {
  h?.unmount();
  h = null;
});

function connectedHarness(options: Parameters<typeof start>[0] = {}): Harness {
  h = start(options);
  h.client.whoMembers = [
    { user: 'alice', displayName: 'alice', online: true },
    { user: 'bob', displayName: 'bob', online: true },
    { user: 'bella', displayName: 'Bella', online: false },
  ];
  h.client.connectTo(1, 2);
  h.client.emit('joined', { room: 'general', head: 0, members: ['alice', 'bob', 'bella'] });
  return h;
}

describe('layout', () => {
  it('shows the room bar, scrollback, member list, status line and input line', async () => {
    const h = connectedHarness();
    h.client.emit('message', {
      room: 'general',
      message: chatMessage('general', 1, 'bob', 'hi all'),
      source: 'live',
    });
    const frame = await h.until('bob │ hi all');
    const rows = frame.split('\n');
    expect(rows).toHaveLength(19); // rows - 1
    expect(rows[0]).toContain('#general');
    expect(rows[0]).toContain('[1:general]');
    expect(frame).toMatch(/│members 2\/3/);
    expect(frame).toContain('● alice');
    expect(frame).toContain('● bob');
    expect(frame).toContain('○ bella (Bella)');
    expect(frame).toMatch(/\d\d:\d\d +bob │ hi all/);
    expect(rows.at(-2)).toContain('connected to server 1 │ leader 2 │ alice');
    expect(inputLine(frame)).toBe('[#general]');
  });

  it('hides the member list on a narrow terminal', async () => {
    const h = connectedHarness({ columns: 60 });
    const frame = await h.until('connected to server 1');
    expect(frame).not.toContain('members');
    expect(frame).not.toContain('│members');
  });

  it('lists joined rooms with numbers and unread counts', async () => {
    const h = connectedHarness();
    await h.type('/join dev\r');
    await h.until('[2:dev]');
    await h.type(KEYS.alt('1'));
    h.client.emit('message', {
      room: 'dev',
      message: chatMessage('dev', 1, 'bob', 'psst alice'),
      source: 'live',
    });
    const frame = await h.until('2:dev(1!)');
    expect(frame.split('\n')[0]).toContain('[1:general]');
  });
});

describe('keys', () => {
  it('edits the input with readline keys', async () => {
    const h = connectedHarness();
    await h.type('hello world');
    await h.input('[#general] hello world');
    await h.type(KEYS.ctrl('w'));
    await h.input('[#general] hello');
    await h.type(KEYS.ctrl('a'));
    await h.type('>');
    await h.input('[#general] >hello');
    await h.type(KEYS.ctrl('e'));
    await h.type('there');
    await h.input('[#general] >hello there');
    await h.type(KEYS.left + KEYS.left + KEYS.backspace);
    await h.input('[#general] >hello thre');
    await h.type(KEYS.delete);
    await h.input('[#general] >hello the');
    await h.type(KEYS.right + KEYS.ctrl('a') + KEYS.delete);
    await h.input('[#general] hello the');
    await h.type(`${KEYS.right}${KEYS.right}${KEYS.ctrl('k')}`);
    await h.input('[#general] he');
    await h.type(KEYS.ctrl('y'));
    await h.input('[#general] hello the');
    await h.type(KEYS.ctrl('u'));
    await h.input('[#general]');
    expect(h.client.sent).toEqual([]);
  });

  it('recalls sent lines with Up and Down', async () => {
    const h = connectedHarness();
    await h.type('first\r');
    await h.type('second\r');
    await h.type('draft');
    await h.type(KEYS.up);
    await h.input('[#general] second');
    await h.type(KEYS.up);
    await h.input('[#general] first');
    await h.type(KEYS.up);
    await h.input('[#general] first');
    await h.type(KEYS.down + KEYS.down);
    await h.input('[#general] draft');
    await h.type(`${KEYS.up}!\r`);
    expect(h.client.sent.map((s) => s.text)).toEqual(['first', 'second', 'second!']);
  });

  it('completes commands and names with Tab, cycling on repeats', async () => {
    const h = connectedHarness();
    await h.until('● bob');
    await h.type('/he\t');
    await h.input('[#general] /help');
    await h.type(KEYS.ctrl('u'));
    await h.type('b\t');
    await h.input('[#general] bella:');
    await h.type('\t');
    await h.input('[#general] bob:');
    await h.type('hi\r');
    expect(h.client.sent.at(-1)?.text).toBe('bob: hi');
  });

  it('switches rooms with Alt+number and Ctrl+N / Ctrl+P', async () => {
    const h = connectedHarness();
    await h.type('/join dev\r');
    await h.type('/join ops\r');
    await h.until('[3:ops]');
    await h.type(KEYS.alt('1'));
    await h.until('[1:general]');
    await h.type(KEYS.ctrl('n'));
    await h.until('[2:dev]');
    await h.type(KEYS.ctrl('p') + KEYS.ctrl('p'));
    await h.until('[3:ops]');
    await h.type('/switch dev\r');
    expect((await h.until('[2:dev]')).split('\n')[0]).toContain(' #dev ');
  });

  it('scrolls with PgUp / PgDn', async () => {
    const h = connectedHarness({ rows: 12 });
    for (let i = 1; i <= 40; i++) {
      h.client.emit('message', {
        room: 'general',
        message: chatMessage('general', i, 'bob', `line ${i}`),
        source: 'live',
      });
    }
    await h.until('line 40');
    await h.type(KEYS.pageUp);
    const up = await h.until('newer — PgDn');
    expect(up).not.toContain('line 40');
    expect(up).toContain('scrolled up');
    await h.type(KEYS.pageDown + KEYS.pageDown + KEYS.pageDown);
    const down = await h.until('line 40');
    expect(down).not.toContain('newer — PgDn');
  });

  it('quits with Ctrl+C or Ctrl+D on an empty line; Ctrl+C on text clears it', async () => {
    const h = connectedHarness();
    await h.type('some text');
    await h.type(KEYS.ctrl('c'));
    await h.input('[#general]');
    expect(h.exits).toBe(0);
    await h.type(KEYS.ctrl('d'));
    expect(h.exits).toBe(1);
    expect(h.client.closed).toBe(true);
    expect(h.saved.length).toBeGreaterThan(0);
  });
});

describe('commands', () => {
  it('explains an unknown command', async () => {
    const h = connectedHarness();
    await h.type('/frobnicate\r');
    await h.until('unknown command "/frobnicate" — type /help');
    expect(h.client.sent).toEqual([]);
  });

  it('shows /help with the commands and keys', async () => {
    const h = connectedHarness({ rows: 60 });
    await h.type('/help\r');
    const frame = await h.until('Keys:');
    expect(frame).toContain('/switch ROOM|N');
    expect(frame).toContain('Alt+1..9');
  });

  it('runs /join, /leave, /nick, /who, /rooms through the client', async () => {
    const h = connectedHarness({ rows: 40 });
    h.client.roomList = [
      { room: 'general', members: 3, head: 12 },
      { room: 'paxos', members: 1, head: 0 },
    ];
    await h.type('/join paxos\r');
    await h.until('[2:paxos]');
    expect(h.client.joins).toEqual(['paxos']);
    await h.type('/leave\r');
    await h.until('left #paxos');
    expect(h.client.leaves).toEqual(['paxos']);
    await h.type('/nick Alice A.\r');
    await h.until('your display name is now "Alice A."');
    expect(h.client.displayNames).toEqual(['Alice A.']);
    await h.type('/who\r');
    await h.until('#general: 3 members, 2 online');
    await h.type('/rooms\r');
    await h.until('#paxos — 1 member, 0 messages');
  });

  it('/login asks for the password without echo and restarts the client as the new user', async () => {
    const h = connectedHarness();
    await h.type('/login bob\r');
    await h.until('password for bob');
    await h.type('hunter2-secret');
    expect(h.frame()).not.toContain('hunter2');
    await h.type('\r');
    expect(h.clients).toHaveLength(2);
    expect(h.clients[0]?.closed).toBe(true);
    expect(h.client.options.credentials).toEqual({ user: 'bob', password: 'hunter2-secret' });
    await h.until('logging in as bob');
    await h.type(KEYS.up);
    await h.input('[#general] /login bob');
  });

  it('asks for the password at start when there is neither a password nor a saved token', async () => {
    h = start({ password: null });
    await h.until('password for alice (not shown');
    expect(h.clients).toHaveLength(0);
    await h.type('pw-for-alice\r');
    expect(h.clients).toHaveLength(1);
    expect(h.client.options.credentials).toEqual({ user: 'alice', password: 'pw-for-alice' });
  });
});

describe('messages', () => {
  it('shows a sent message as pending, then delivered on ack', async () => {
    const h = connectedHarness();
    await h.type('hello cluster\r');
    expect(h.client.sent).toEqual([{ room: 'general', text: 'hello cluster', seq: 1 }]);
    await h.until('alice │ hello cluster ⋯ pending');
    expect(h.frame()).toContain('1 pending');
    h.client.emit('outbox', {
      change: 'delivered',
      entry: h.client.entry(1, { state: 'delivered', position: 5 }),
    });
    h.client.emit('message', {
      room: 'general',
      message: chatMessage('general', 5, 'alice', 'hello cluster'),
      source: 'live',
    });
    const frame = await h.until('alice │ hello cluster ✓');
    expect(frame).not.toContain('pending');
  });

  it('shows a refused message as failed with the reason', async () => {
    const h = connectedHarness();
    await h.type('nope\r');
    h.client.emit('outbox', {
      change: 'failed',
      entry: h.client.entry(1, {
        state: 'failed',
        error: { code: 'not_member', message: 'Join the room first.' },
      }),
    });
    await h.until('alice │ nope ✗ failed: not_member: Join the room first.');
  });

  it('saves the next seq before sending', async () => {
    const h = connectedHarness();
    await h.type('one\r');
    const before = h.saved.at(-1);
    expect(before?.nextSeq).toBe(2);
    expect(before?.clientId).toBe(h.client.clientId);
  });

  it('shows the reconnect notices, then the recovered messages in order', async () => {
    const h = connectedHarness({ columns: 200 });
    h.client.emit('message', {
      room: 'general',
      message: chatMessage('general', 1, 'bob', 'before'),
      source: 'live',
    });
    h.client.emit('state', {
      state: 'reconnecting',
      serverId: null,
      url: null,
      attempt: 1,
      retryInMs: 300,
      reason: 'closed by ws://127.0.0.1:7101/ws (1006)',
    });
    await h.until(
      'connection lost (closed by ws://127.0.0.1:7101/ws (1006)) — reconnecting to another server…',
    );
    expect(h.frame()).toMatch(/reconnecting… \(attempt 1, retry in 0\.3s\)/);
    for (const [p, text] of [
      [2, 'missed one'],
      [3, 'missed two'],
    ] as const) {
      h.client.emit('message', {
        room: 'general',
        message: chatMessage('general', p, 'bob', text),
        source: 'resume',
      });
    }
    expect(h.frame()).not.toContain('missed one');
    h.client.connectTo(3, 2);
    const frame = await h.until('connected to server 3, recovered 2 messages');
    const order = [
      'bob │ before',
      'connection lost',
      'connected to server 3, recovered 2 messages',
      'bob │ missed one',
      'bob │ missed two',
    ].map((t) => frame.indexOf(t));
    expect(order.every((at) => at >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(frame).toContain('connected to server 3 │ leader 2');
  });

  it('shows an explicit notice when history could not be recovered', async () => {
    const h = connectedHarness();
    h.client.emit('history_reset', {
      room: 'general',
      lastSeen: 3,
      resumedFrom: 50,
      missed: { from: 4, to: 50 },
      head: 99,
    });
    await h.until('some messages could not be recovered: 47 messages of #general');
  });

  it('shows who is typing and sends debounced typing notifications', async () => {
    const h = connectedHarness();
    h.client.emit('typing', { type: 'typing', room: 'general', user: 'bob', active: true });
    await h.until('bob is typing…');
    await h.type('a');
    await h.type('b');
    expect(h.client.typed).toEqual([{ room: 'general', active: true }]);
    await h.type('\r');
    expect(h.client.typed).toEqual([
      { room: 'general', active: true },
      { room: 'general', active: false },
    ]);
  });

  it('never lets escape sequences from others reach the screen', async () => {
    const h = connectedHarness();
    h.client.emit('message', {
      room: 'general',
      message: chatMessage(
        'general',
        1,
        'mallory',
        '\u001b]0;pwned\u0007\u001b[2J\u001b[31mred\u001b[0m \u202eevil',
      ),
      source: 'live',
    });
    const frame = await h.until('mallory │ red evil');
    expect(frame).not.toContain('\u001b');
    expect(frame).not.toContain('\u202e');
  });
});

describe('reactions', () => {
  it('shows reactions under the message, ours marked, and follows reaction events', async () => {
    const h = connectedHarness();
    h.client.emit('message', {
      room: 'general',
      message: chatMessage('general', 1, 'bob', 'ship it?', {
        reactions: [
          { emoji: '👍', users: ['bob', 'alice'] },
          { emoji: '🎉', users: ['bella'] },
        ],
      }),
      source: 'live',
    });
    h.client.emit('message', {
      room: 'general',
      message: chatMessage('general', 2, 'carol', 'no reactions here'),
      source: 'live',
    });
    const frame = await h.until('👍 2*  🎉 1');
    const rows = frame.split('\n');
    const text = rows.findIndex((r) => r.includes('bob │ ship it?'));
    // on its own row right under the text, in the text column, then the next message
    expect(rows[text + 1]?.indexOf('👍 2*')).toBe(rows[text]?.indexOf('ship it?'));
    expect(rows[text + 1]).toMatch(/^ +👍 2\* {2}🎉 1 +│/); // nothing else on it but the member list
    expect(rows[text + 2]).toContain('carol │ no reactions here');
    h.client.emit('reaction', {
      type: 'reaction',
      room: 'general',
      position: 1,
      user: 'bob',
      emoji: '🎉',
      on: true,
    });
    h.client.emit('reaction', {
      type: 'reaction',
      room: 'general',
      position: 1,
      user: 'alice',
      emoji: '👍',
      on: false,
    });
    await h.until(/│ ship it\?.*\n +👍 1 {2}🎉 2 /);
    h.client.emit('reaction', {
      type: 'reaction',
      room: 'general',
      position: 1,
      user: 'bob',
      emoji: '👍',
      on: false,
    });
    h.client.emit('reaction', {
      type: 'reaction',
      room: 'general',
      position: 1,
      user: 'bob',
      emoji: '🎉',
      on: false,
    });
    h.client.emit('reaction', {
      type: 'reaction',
      room: 'general',
      position: 1,
      user: 'bella',
      emoji: '🎉',
      on: false,
    });
    const after = await h.until(/│ ship it\?.*\n.*carol │ no reactions here/);
    expect(after).not.toContain('🎉');
  });

  it('completes an emoji with Tab and reacts with /react', async () => {
    const h = connectedHarness();
    h.client.emit('message', {
      room: 'general',
      message: chatMessage('general', 7, 'bob', 'deployed'),
      source: 'live',
    });
    await h.until('bob │ deployed');
    await h.type('/react \t');
    await h.input('[#general] /react 👍');
    await h.type('\r');
    expect(h.client.reacted).toEqual([{ room: 'general', position: 7, emoji: '👍', on: true, seq: 1 }]);
    h.client.emit('reaction', {
      type: 'reaction',
      room: 'general',
      position: 7,
      user: 'alice',
      emoji: '👍',
      on: true,
    });
    await h.until('👍 1*');
  });
});
