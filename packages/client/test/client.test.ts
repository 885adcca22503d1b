import type { ChatMessage } from '@quorum/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { QuorumClientEvents, QuorumClientOptions } from '../src/client.js';
import { ClientError } from '../src/errors.js';
import { nodeWebSocketFactory, QuorumClient } from '../src/node.js';
import { FakeBalancer, FakeServer, FakeState, waitFor } from './support/fake-cluster.js';

/**
 * The connection flow against a protocol-level test double (see support/fake-cluster.ts):
 * real WebSockets on 127.0.0.1, real timers with short intervals, conditions awaited with a
 * deadline.
 */

const PASSWORD = 'correct horse';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

interface Cluster {
  state: FakeState;
  servers: FakeServer[];
  balancer: FakeBalancer;
}

async function cluster(n = 2): Promise<Cluster> {
  const state = new FakeState();
  state.users.set('alice', { password: PASSWORD, displayName: 'Alice' });
  const servers: FakeServer[] = [];
  for (let id = 1; id <= n; id++) servers.push(await FakeServer.start(state, id));
  const balancer = await FakeBalancer.start(state);
  cleanups.push(async () => {
    await balancer.close();
    for (const s of servers) await s.kill();
  });
  return { state, servers, balancer };
}

/** A client with fast timings, and a log of everything it emitted. */
function client(c: Cluster | null, options: Partial<QuorumClientOptions> = {}) {
  const qc = new QuorumClient({
    ...(c === null ? {} : { balancers: [c.balancer.url] }),
    credentials: { user: 'alice', password: PASSWORD },
    rooms: ['general'],
    webSocketFactory: nodeWebSocketFactory,
    clientId: 'test-client-1',
    connectTimeoutMs: 1_000,
    requestTimeoutMs: 1_000,
    assignTimeoutMs: 500,
    pingIntervalMs: 100,
    pongTimeoutMs: 200,
    backoff: { minDelayMs: 5, initialDelayMs: 20, maxDelayMs: 100, maxAttemptsPerCycle: 5 },
    retryBackoff: { minDelayMs: 5, initialDelayMs: 10, maxDelayMs: 50 },
    ...options,
  });
  const log = {
    messages: [] as { room: string; message: ChatMessage; source: string }[],
    states: [] as QuorumClientEvents['state'][],
    errors: [] as QuorumClientEvents['error'][],
    outbox: [] as QuorumClientEvents['outbox'][],
    resets: [] as QuorumClientEvents['history_reset'][],
    sessions: [] as QuorumClientEvents['session'][],
    welcomes: [] as QuorumClientEvents['welcome'][],
  };
  qc.on('message', (e) => log.messages.push(e));
  qc.on('state', (e) => log.states.push(e));
  qc.on('error', (e) => log.errors.push(e));
  qc.on('outbox', (e) => log.outbox.push(e));
  qc.on('history_reset', (e) => log.resets.push(e));
  qc.on('session', (e) => log.sessions.push(e));
  qc.on('welcome', (e) => log.welcomes.push(e));
  cleanups.push(() => qc.close());
  const positionsOf = (room = 'general') =>
    log.messages.filter((m) => m.room === room).map((m) => m.message.position);
  return { qc, log, positionsOf };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('room names are data, never object keys', () => {
  it('rooms named like Object members keep their own positions', async () => {
    const c = await cluster();
    const rooms = ['constructor', '__proto__', 'toString', 'hasOwnProperty'];
    for (const room of rooms) c.state.inject(room, ['one', 'two']);
    // Saved positions from a plain object that has none of these rooms as its own keys.
    const { qc, positionsOf } = client(c, { rooms, positions: { general: 0 }, joinHistory: 5 });
    await qc.connect();
    for (const room of rooms) expect(positionsOf(room)).toEqual([1, 2]);
    const saved = qc.positions();
    for (const room of rooms) expect(Object.hasOwn(saved, room) && saved[room]).toBe(2);
    expect(Object.keys(saved).sort()).toEqual([...rooms].sort());
  });
});

describe('QuorumClient connect flow', () => {
  it('asks the balancer, says hello, logs in, joins, loads the newest page, then is connected', async () => {
    const c = await cluster();
    c.state.inject('general', ['one', 'two', 'three']);
    const { qc, log, positionsOf } = client(c, { joinHistory: 2 });
    await qc.connect();
    expect(qc.state).toBe('connected');
    expect(qc.serverId).toBe(1);
    expect(c.balancer.requests).toEqual(['/assign']);
    expect(c.servers[0]!.received.map((f) => f.type).slice(0, 4)).toEqual([
      'hello',
      'login',
      'join',
      'history',
    ]);
    expect(log.welcomes).toMatchObject([{ serverId: 1, leaderId: 1 }]);
    expect(log.sessions).toHaveLength(1);
    expect(qc.token).toBe(log.sessions[0]!.token);
    expect(positionsOf()).toEqual([2, 3]);
    expect(log.messages.every((m) => m.source === 'history')).toBe(true);
    expect(log.states.map((s) => s.state)).toEqual(['connecting', 'connected']);
    expect(qc.positions()).toEqual({ general: 3 });
    expect(
      qc
        .knownServers()
        .map((s) => s.id)
        .sort(),
    ).toEqual([1, 2]);
    c.state.inject('general', ['four']);
    await waitFor(() => positionsOf().length === 3, 'live message');
    expect(log.messages.at(-1)).toMatchObject({ source: 'live', message: { position: 4, text: 'four' } });
  });

  it('sends: pending at once, then delivered with its position; the message arrives once', async () => {
    const c = await cluster();
    const { qc, log, positionsOf } = client(c, { nextSeq: 41 });
    await qc.connect();
    const pending = qc.send('general', 'hello');
    expect(pending).toMatchObject({ state: 'pending', clientId: 'test-client-1', seq: 41, text: 'hello' });
    expect(qc.nextSeq).toBe(42);
    const final = await pending.settled;
    expect(final).toMatchObject({ state: 'delivered', seq: 41, position: 1 });
    await waitFor(() => positionsOf().length === 1, 'own message');
    expect(log.messages[0]!.message).toMatchObject({ author: 'alice', text: 'hello' });
    expect(log.messages[0]!.message).not.toHaveProperty('clientId');
    expect(log.outbox.map((e) => e.change)).toEqual(['added', 'sent', 'delivered']);
    expect(qc.pending()).toEqual([]);
  });

  it('fails over after a crash: same (clientId, seq) on the next server, no duplicate, no gap', async () => {
    const c = await cluster();
    const [s1, s2] = c.servers as [FakeServer, FakeServer];
    const { qc, log, positionsOf } = client(c);
    await qc.connect();
    expect(qc.serverId).toBe(1);
    c.state.inject('general', ['a', 'b']);
    await waitFor(() => positionsOf().length === 2, 'first messages');

    // s1 commits the send but crashes before acknowledging it.
    s1.behavior.silentSends = true;
    s1.behavior.dropLive.set('general', new Set([3]));
    const pending = qc.send('general', 'survives');
    await waitFor(() => c.state.history('general').length === 3, 'the send to commit');
    await s1.kill();
    c.state.inject('general', ['c', 'd']); // while the client is away

    const final = await pending.settled;
    expect(final).toMatchObject({ state: 'delivered', position: 3, seq: 1 });
    await waitFor(() => positionsOf().length === 5, 'all messages');
    expect(positionsOf()).toEqual([1, 2, 3, 4, 5]);
    expect(qc.serverId).toBe(2);
    // Exactly one stored message for (clientId, seq), and the retry carried the same pair.
    expect(c.state.history('general').filter((m) => m.text === 'survives')).toHaveLength(1);
    expect(s2.framesOfType('send')).toMatchObject([{ clientId: 'test-client-1', seq: 1, text: 'survives' }]);
    // The session moved with the token, and the room resumed from the last position seen.
    expect(s2.received.map((f) => f.type)).toContain('resume_session');
    expect(s2.framesOfType('login')).toHaveLength(0);
    expect(s2.framesOfType('resume')[0]).toMatchObject({ room: 'general', after: 2 });
    expect(c.balancer.requests.some((r) => r.includes('exclude=1'))).toBe(true);
    expect(log.states.map((s) => s.state)).toContain('reconnecting');
  });

  it('fills a gap in live events with resume, delivering in order exactly once', async () => {
    const c = await cluster(1);
    const s1 = c.servers[0]!;
    const { qc, positionsOf } = client(c);
    await qc.connect();
    s1.behavior.dropLive.set('general', new Set([2, 3]));
    c.state.inject('general', ['1', '2', '3', '4', '5']);
    await waitFor(() => positionsOf().length === 5, 'gap filled');
    expect(positionsOf()).toEqual([1, 2, 3, 4, 5]);
    expect(s1.framesOfType('resume').map((f) => f.after)).toContain(1);
  });

  it('pages through a long resume (complete: false) after a reconnect', async () => {
    const c = await cluster(1);
    const s1 = c.servers[0]!;
    s1.behavior.resumePage = 10;
    const { qc, positionsOf } = client(c);
    await qc.connect();
    c.state.inject('general', ['x']);
    await waitFor(() => positionsOf().length === 1, 'first');
    s1.behavior.dropLive.set('general', new Set(range(2, 40)));
    s1.dropConnections();
    c.state.inject('general', range(2, 36).map(String));
    await waitFor(() => positionsOf().length === 36, 'resumed pages');
    expect(positionsOf()).toEqual(range(1, 36));
    expect(s1.framesOfType('resume').map((f) => f.after)).toEqual([1, 11, 21, 31]);
  });

  it('reloads history and says so when the server cannot resume (compacted)', async () => {
    const c = await cluster(1);
    const s1 = c.servers[0]!;
    const { qc, log, positionsOf } = client(c, { resetHistory: 20 });
    await qc.connect();
    c.state.inject('general', ['1', '2']);
    await waitFor(() => positionsOf().length === 2, 'first');
    await s1.kill();
    c.state.inject('general', range(3, 100).map(String));
    c.state.compactedBelow.set('general', 50);
    await s1.listen();
    await waitFor(() => log.resets.length === 1 && positionsOf().at(-1) === 100, 'history reset', 8_000);
    expect(log.resets[0]).toEqual({
      room: 'general',
      lastSeen: 2,
      resumedFrom: 80,
      missed: { from: 3, to: 80 },
      head: 100,
    });
    expect(positionsOf()).toEqual([1, 2, ...range(81, 100)]);
    // Live messages continue from there.
    c.state.inject('general', ['101']);
    await waitFor(() => positionsOf().at(-1) === 101, 'live after reset');
  });

  it('connects to known servers directly when no balancer answers', async () => {
    const c = await cluster();
    await c.balancer.close();
    const { qc, log } = client(null, {
      balancers: ['http://127.0.0.1:1'],
      servers: [{ id: 2, url: c.servers[1]!.url }],
    });
    await qc.connect();
    expect(qc.serverId).toBe(2);
    expect(log.errors).toEqual([]);
  });

  it('fails over using servers learned from the balancer while the balancer is down', async () => {
    const c = await cluster();
    const { qc, positionsOf } = client(c);
    await qc.connect();
    expect(qc.serverId).toBe(1);
    c.balancer.down = true;
    await c.servers[0]!.kill();
    c.state.inject('general', ['after']);
    await waitFor(() => qc.state === 'connected' && qc.serverId === 2, 'reconnect to server 2');
    await waitFor(() => positionsOf().length === 1, 'resume on server 2');
  });

  it('a missing pong closes the socket and the client moves on', async () => {
    const c = await cluster();
    const { qc, log } = client(c);
    await qc.connect();
    expect(qc.serverId).toBe(1);
    c.servers[0]!.behavior.pong = false;
    await waitFor(() => qc.serverId === 2, 'reconnect after ping timeout');
    expect(log.states.some((s) => s.state === 'reconnecting' && /pong/.test(s.reason ?? ''))).toBe(true);
  });

  it('a server that never answers hello is left after the connect timeout', async () => {
    const c = await cluster();
    c.servers[0]!.behavior.mute = true;
    const { qc } = client(c, { connectTimeoutMs: 150 });
    await qc.connect();
    expect(qc.serverId).toBe(2);
  });

  it('reports invalid frames as errors and keeps going', async () => {
    const c = await cluster(1);
    const s1 = c.servers[0]!;
    const { qc, log, positionsOf } = client(c);
    await qc.connect();
    s1.sendRaw('this is not json');
    s1.sendRaw(JSON.stringify({ type: 'message', message: { room: 'general', position: -1 } }));
    s1.sendRaw(JSON.stringify({ type: 'no_such_type' }));
    c.state.inject('general', ['fine']);
    await waitFor(() => positionsOf().length === 1, 'valid message after invalid frames');
    expect(log.errors.map((e) => e.code)).toEqual(['invalid_frame', 'invalid_frame', 'invalid_frame']);
    expect(log.errors.every((e) => !e.fatal)).toBe(true);
    expect(qc.state).toBe('connected');
  });

  it('retries retryable send errors with the same seq and fails non-retryable ones', async () => {
    const c = await cluster(1);
    const s1 = c.servers[0]!;
    const { qc, log } = client(c);
    await qc.connect();
    s1.behavior.sendErrors.push('unavailable', 'rate_limited');
    const first = qc.send('general', 'eventually');
    const refused = qc.send('elsewhere', 'not a member');
    const after = qc.send('general', 'next');
    expect(await first.settled).toMatchObject({ state: 'delivered', attempts: 3, position: 1 });
    expect(await refused.settled).toMatchObject({ state: 'failed', error: { code: 'not_member' } });
    expect(await after.settled).toMatchObject({ state: 'delivered', seq: 3, position: 2 });
    expect(s1.framesOfType('send').map((f) => f.seq)).toEqual([1, 1, 1, 2, 3]);
    expect(log.outbox.filter((e) => e.change === 'retrying').map((e) => e.entry.error?.code)).toEqual([
      'unavailable',
      'rate_limited',
    ]);
  });

  it('a send without an answer times out and is retransmitted with the same seq', async () => {
    const c = await cluster(1);
    const s1 = c.servers[0]!;
    const { qc } = client(c, { requestTimeoutMs: 150 });
    await qc.connect();
    s1.behavior.ignoreSends = true;
    const pending = qc.send('general', 'slow');
    await waitFor(() => s1.framesOfType('send').length >= 2, 'a retransmission');
    s1.behavior.ignoreSends = false;
    expect(await pending.settled).toMatchObject({ state: 'delivered', seq: 1 });
    expect(new Set(s1.framesOfType('send').map((f) => f.seq))).toEqual(new Set([1]));
    expect(c.state.history('general')).toHaveLength(1);
  });

  it('requests reject with typed errors: timeout, server refusal, not connected', async () => {
    const c = await cluster(1);
    const s1 = c.servers[0]!;
    const { qc } = client(c, { requestTimeoutMs: 150 });
    await qc.connect();
    s1.behavior.ignoreTypes.add('who');
    const timedOut = await qc.who('general').catch((e: unknown) => e);
    expect(timedOut).toBeInstanceOf(ClientError);
    expect((timedOut as ClientError).code).toBe('request_timeout');
    expect((timedOut as ClientError).retryable).toBe(true);
    const refused = await qc.react('general', 99, '+1').catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'unknown_message', retryable: false });
    const invalid = await qc.history('not a valid room!').catch((e: unknown) => e);
    expect(invalid).toMatchObject({ code: 'invalid_request' });
    await s1.kill();
    await waitFor(() => qc.state !== 'connected', 'the loss to be noticed');
    const offline = await qc.rooms().catch((e: unknown) => e);
    expect(offline).toMatchObject({ code: 'not_connected' });
  });

  it('bounds the outbox and validates sends before queueing them', async () => {
    const c = await cluster(1);
    c.servers[0]!.behavior.mute = true; // never connected: sends stay pending
    const { qc } = client(c, { maxOutbox: 2 });
    void qc.connect();
    qc.send('general', 'a');
    qc.send('general', 'b');
    expect(() => qc.send('general', 'c')).toThrowError(expect.objectContaining({ code: 'outbox_full' }));
    expect(() => qc.send('general', 'bad\u001b[2Jtext')).toThrowError(
      expect.objectContaining({ code: 'invalid_request' }),
    );
    expect(() => qc.send('general', 'x'.repeat(4001))).toThrowError(
      expect.objectContaining({ code: 'invalid_request' }),
    );
    expect(qc.pending().map((e) => e.seq)).toEqual([1, 2]);
    expect(qc.nextSeq).toBe(3);
  });

  it('flushes sends queued while offline, in seq order, once connected', async () => {
    const c = await cluster(1);
    const { qc, positionsOf, log } = client(c);
    const sends = ['1', '2', '3'].map((t) => qc.send('general', t));
    await qc.connect();
    const finals = await Promise.all(sends.map((s) => s.settled));
    expect(finals.map((f) => [f.seq, f.position])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
    await waitFor(() => positionsOf().length === 3, 'messages');
    expect(log.messages.map((m) => m.message.text)).toEqual(['1', '2', '3']);
  });

  it('stops with a fatal error on wrong credentials', async () => {
    const c = await cluster(1);
    const { qc, log } = client(c, { credentials: { user: 'alice', password: 'wrong password' } });
    await expect(qc.connect()).rejects.toMatchObject({ code: 'auth_failed' });
    expect(qc.state).toBe('closed');
    expect(log.errors).toMatchObject([{ code: 'auth_failed', fatal: true }]);
  });

  it('registers once, then resumes the session with its token', async () => {
    const c = await cluster(1);
    const s1 = c.servers[0]!;
    const { qc, log } = client(c, { credentials: { user: 'bob', password: PASSWORD }, register: true });
    await qc.connect();
    expect(qc.user).toBe('bob');
    s1.dropConnections();
    await waitFor(() => log.states.filter((s) => s.state === 'connected').length === 2, 'reconnected');
    expect(
      s1.received.map((f) => f.type).filter((t) => ['register', 'login', 'resume_session'].includes(t)),
    ).toEqual(['register', 'resume_session']);
  });

  it('falls back to the credentials when the token is no longer valid', async () => {
    const c = await cluster(1);
    const { qc, log } = client(c, { token: 'A'.repeat(43) });
    await qc.connect();
    expect(log.errors.map((e) => e.code)).toEqual(['session_invalid']);
    expect(c.servers[0]!.received.map((f) => f.type).slice(1, 3)).toEqual(['resume_session', 'login']);
    expect(qc.token).not.toBe('A'.repeat(43));
  });

  it('never gives up: offline after a failed cycle, connected when a server returns', async () => {
    const c = await cluster(1);
    const s1 = c.servers[0]!;
    await c.balancer.close();
    const url = s1.url;
    await s1.kill();
    const { qc, log } = client(null, {
      servers: [{ id: 1, url }],
      backoff: { minDelayMs: 5, initialDelayMs: 10, maxDelayMs: 40, maxAttemptsPerCycle: 2 },
    });
    void qc.connect();
    await waitFor(() => qc.state === 'offline', 'offline');
    const offline = log.states.filter((s) => s.state === 'offline' && s.retryInMs !== undefined);
    expect(offline.every((s) => (s.retryInMs ?? 0) <= 40 && (s.retryInMs ?? 0) >= 20)).toBe(true);
    await s1.listen(Number(new URL(url).port));
    await waitFor(() => qc.state === 'connected', 'connected again');
  });

  it('request methods, events and logout', async () => {
    const c = await cluster(1);
    const s1 = c.servers[0]!;
    const { qc } = client(c, { rooms: [] });
    await qc.connect();
    const joined = await qc.join('random');
    expect(joined).toMatchObject({ room: 'random', head: 0, members: ['alice'] });
    expect(await qc.join('random')).toBe(joined);
    expect(qc.joinedRooms()).toEqual(['random']);
    expect(await qc.who('random')).toEqual([{ user: 'alice', displayName: 'Alice', online: true }]);
    expect((await qc.send('random', 'hi').settled).state).toBe('delivered');
    await qc.react('random', 1, '+1');
    expect(await qc.rooms()).toEqual([{ room: 'random', members: 1, head: 1 }]);
    await qc.setDisplayName('Alice A.');
    expect(qc.displayName).toBe('Alice A.');
    const page = await qc.history('random', { limit: 10 });
    expect(page.messages.map((m) => m.text)).toEqual(['hi']);
    const cluster1 = await qc.clusterInfo(true);
    expect(cluster1).toMatchObject({ serverId: 1, leaderId: 1 });
    const presence: unknown[] = [];
    qc.on('presence', (e) => presence.push(e));
    s1.sendAll({ type: 'presence', room: 'random', user: 'bob', online: true });
    await waitFor(() => presence.length === 1, 'presence event');
    expect(qc.typing('random', true)).toBe(true);
    await waitFor(() => s1.framesOfType('typing').length === 1, 'typing frame');
    await qc.leave('random');
    expect(qc.joinedRooms()).toEqual([]);
    await qc.logout();
    expect(qc.state).toBe('closed');
    expect(qc.token).toBeNull();
    expect(() => qc.send('random', 'x')).toThrowError(expect.objectContaining({ code: 'closed' }));
  });

  it('a send right after join() waits for the join instead of being refused', async () => {
    const c = await cluster(1);
    const { qc } = client(c, { rooms: [] });
    await qc.connect();
    const joining = qc.join('fresh');
    const pending = qc.send('fresh', 'first words');
    await joining;
    expect(await pending.settled).toMatchObject({ state: 'delivered', position: 1 });
    expect(c.servers[0]!.received.map((f) => f.type).filter((t) => t === 'join' || t === 'send')).toEqual([
      'join',
      'send',
    ]);
  });

  it('a listener that throws is reported and does not break delivery', async () => {
    const c = await cluster(1);
    const { qc, log, positionsOf } = client(c);
    qc.on('message', () => {
      throw new Error('ui bug');
    });
    await qc.connect();
    c.state.inject('general', ['1', '2']);
    await waitFor(() => positionsOf().length === 2, 'messages');
    expect(log.errors.filter((e) => /ui bug/.test(e.message))).toHaveLength(2);
  });

  it('resumes from positions given at start (persisted by the caller)', async () => {
    const c = await cluster(1);
    c.state.inject('general', range(1, 12).map(String));
    const { qc, positionsOf } = client(c, { positions: { general: 9 } });
    await qc.connect();
    await waitFor(() => positionsOf().length === 3, 'resumed');
    expect(positionsOf()).toEqual([10, 11, 12]);
    expect(c.servers[0]!.framesOfType('resume')[0]).toMatchObject({ after: 9 });
  });
});
