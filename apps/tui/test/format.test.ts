import { describe, expect, it } from 'vitest';
import { connectionText, plural, roomListLines, typingText, whoLines } from '../src/format.js';

describe('format', () => {
  it('pluralizes', () => {
    expect(plural(1, 'message')).toBe('1 message');
    expect(plural(0, 'message')).toBe('0 messages');
  });

  it('says who is typing', () => {
    expect(typingText([])).toBe('');
    expect(typingText(['bob'])).toBe('bob is typing…');
    expect(typingText(['bob', 'carol'])).toBe('bob and carol are typing…');
    expect(typingText(['a', 'b', 'c'])).toBe('a, b and c are typing…');
    expect(typingText(['a', 'b', 'c', 'd'])).toBe('4 people are typing…');
  });

  it('describes the connection', () => {
    const c = { serverId: null, leaderId: null, attempt: 0, retryInMs: null, reason: null };
    expect(connectionText({ ...c, state: 'connected', serverId: 2 })).toBe('connected to server 2');
    expect(connectionText({ ...c, state: 'reconnecting', attempt: 3, retryInMs: 1500 })).toBe(
      'reconnecting… (attempt 3, retry in 2s)',
    );
    expect(connectionText({ ...c, state: 'offline', attempt: 9, retryInMs: 250 })).toBe(
      'offline, retrying… (attempt 9, retry in 0.3s)',
    );
    expect(connectionText({ ...c, state: 'closed' })).toBe('disconnected');
  });

  it('lists rooms and members', () => {
    expect(roomListLines([], new Set())).toEqual(['no rooms yet — /join ROOM creates one']);
    expect(
      roomListLines(
        [
          { room: 'zeta', members: 1, head: 0 },
          { room: 'alpha', members: 2, head: 1 },
        ],
        new Set(['zeta']),
      ),
    ).toEqual([
      '2 rooms on the server:',
      '  #alpha — 2 members, 1 message',
      '  #zeta — 1 member, 0 messages (joined)',
    ]);
    expect(
      whoLines('dev', [
        { user: 'bob', displayName: 'Bob', online: false },
        { user: 'ada', displayName: 'ada', online: true },
      ]),
    ).toEqual(['#dev: 2 members, 1 online', '  ● ada', '  ○ bob (Bob)']);
  });
});
