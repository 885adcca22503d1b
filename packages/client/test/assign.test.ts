import { describe, expect, it } from 'vitest';
import { assignUrl, type FetchLike, parseAssignResponse, requestAssignment } from '../src/assign.js';
import { systemTimers } from '../src/timers.js';
import { toWebSocketUrl } from '../src/transport.js';

describe('assign', () => {
  it('builds the assign URL with a sorted, deduplicated exclude list', () => {
    expect(assignUrl('http://b:8080', [])).toBe('http://b:8080/assign');
    expect(assignUrl('http://b:8080/', [3, 1, 3])).toBe('http://b:8080/assign?exclude=1%2C3');
    expect(assignUrl('https://example.org/lb', [2])).toBe('https://example.org/lb/assign?exclude=2');
  });

  it('validates the response against the AssignResponse shape', () => {
    const good = { serverId: 2, url: 'ws://h:1/ws', servers: [{ id: 2, url: 'ws://h:1/ws' }] };
    expect(parseAssignResponse(good)).toEqual(good);
    expect(parseAssignResponse({ ...good, serverId: 0 })).toBeNull();
    expect(parseAssignResponse({ ...good, url: 'ftp://x' })).toBeNull();
    expect(parseAssignResponse({ ...good, servers: [{ id: 'x', url: 'ws://h' }] })).toBeNull();
    expect(parseAssignResponse({ ...good, servers: Array(8).fill({ id: 1, url: 'ws://h' }) })).toBeNull();
    expect(parseAssignResponse(null)).toBeNull();
    expect(parseAssignResponse([])).toBeNull();
  });

  it('turns http(s) server URLs into ws(s)', () => {
    expect(toWebSocketUrl('http://h:1/ws')).toBe('ws://h:1/ws');
    expect(toWebSocketUrl('https://h/ws')).toBe('wss://h/ws');
    expect(toWebSocketUrl('wss://h/ws')).toBe('wss://h/ws');
  });

  it('never throws: HTTP errors, bad bodies, network failures and timeouts become outcomes', async () => {
    const reply =
      (status: number, body: unknown): FetchLike =>
      async () => ({ ok: status < 400, status, json: async () => body });
    expect(
      await requestAssignment(
        'http://b',
        [],
        reply(503, { code: 'no_servers', message: 'none' }),
        systemTimers,
        100,
      ),
    ).toEqual({
      ok: false,
      reason: 'http://b: none',
      status: 503,
    });
    expect((await requestAssignment('http://b', [], reply(200, { nope: 1 }), systemTimers, 100)).ok).toBe(
      false,
    );
    const failing: FetchLike = async () => {
      throw new Error('ECONNREFUSED');
    };
    expect(await requestAssignment('http://b', [], failing, systemTimers, 100)).toMatchObject({
      ok: false,
      status: null,
    });
    const hanging: FetchLike = (_url, init) =>
      new Promise((_resolve, reject) =>
        init.signal.addEventListener('abort', () => reject(new Error('aborted'))),
      );
    const outcome = await requestAssignment('http://b', [], hanging, systemTimers, 20);
    expect(outcome).toMatchObject({ ok: false, reason: 'http://b: timed out' });
    expect((await requestAssignment('not a url', [], hanging, systemTimers, 20)).ok).toBe(false);
    const ok = await requestAssignment(
      'http://b',
      [1],
      reply(200, { serverId: 2, url: 'ws://h/ws', servers: [] }),
      systemTimers,
      100,
    );
    expect(ok).toEqual({ ok: true, assignment: { serverId: 2, url: 'ws://h/ws', servers: [] } });
  });
});
