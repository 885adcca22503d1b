import { describe, expect, it } from 'vitest';
import { ClientError } from '../src/errors.js';
import { Outbox } from '../src/outbox.js';

const send = (text: string) => ({ kind: 'send', room: 'r', text }) as const;

describe('Outbox', () => {
  it('numbers commands from nextSeq and transmits only the head, one at a time', () => {
    const o = new Outbox({ clientId: 'client-01', nextSeq: 7 });
    const a = o.add(send('a'), 1);
    const b = o.add(send('b'), 2);
    expect([a.seq, b.seq]).toEqual([7, 8]);
    expect(a.state).toBe('pending');
    expect(o.nextSeq).toBe(9);
    expect(o.next()?.seq).toBe(7);
    o.markSent(7, 100);
    expect(o.next()).toBeNull(); // 8 waits until 7 is settled
    expect(() => o.markSent(8, 101)).toThrow();
    const done = o.deliver(7, { position: 3, ts: 55 });
    expect(done).toMatchObject({ seq: 7, state: 'delivered', position: 3, ts: 55, attempts: 1, text: 'a' });
    expect(o.next()?.seq).toBe(8);
  });

  it('retries keep the same (clientId, seq), after a retryable error and after a reconnect', () => {
    const o = new Outbox({ clientId: 'client-01' });
    o.add(send('a'), 0);
    o.add(send('b'), 0);
    o.markSent(1, 10);
    const waiting = o.deferRetry(1, { code: 'unavailable', message: 'no quorum' });
    expect(waiting).toMatchObject({ seq: 1, state: 'pending', error: { code: 'unavailable' } });
    expect(o.phaseOf(1)).toBe('waiting');
    expect(o.next()).toBeNull(); // order: 2 may not overtake 1
    o.requeue(1);
    expect(o.next()?.seq).toBe(1);
    o.markSent(1, 11);
    expect(o.byRid(10)).toBeNull();
    expect(o.byRid(11)?.seq).toBe(1);
    // The connection drops: 1 is queued again, still seq 1, still ahead of 2.
    expect(o.disconnected().map((e) => e.seq)).toEqual([1]);
    expect(o.byRid(11)).toBeNull();
    const again = o.next();
    expect(again).toMatchObject({ seq: 1, clientId: 'client-01', text: 'a', attempts: 2 });
    o.markSent(1, 1);
    expect(o.deliver(1, { position: 1, ts: 1 })?.attempts).toBe(3);
    expect(o.next()?.seq).toBe(2);
  });

  it('a non-retryable error fails the command and lets the next one go', () => {
    const o = new Outbox({ clientId: 'client-01' });
    o.add(send('a'), 0);
    o.add(send('b'), 0);
    o.markSent(1, 1);
    const failed = o.fail(1, 'not_member', 'Join the room first.');
    expect(failed).toMatchObject({ seq: 1, state: 'failed', error: { code: 'not_member' } });
    expect(o.fail(1, 'not_member', 'again')).toBeNull();
    expect(o.deliver(1)).toBeNull();
    expect(o.next()?.seq).toBe(2);
    expect(o.size).toBe(1);
  });

  it('is bounded: a full outbox refuses with outbox_full and does not consume a seq', () => {
    const o = new Outbox({ clientId: 'client-01', maxPending: 2 });
    o.add(send('a'), 0);
    o.add(send('b'), 0);
    expect(o.full).toBe(true);
    let caught: unknown;
    try {
      o.add(send('c'), 0);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ClientError);
    expect((caught as ClientError).code).toBe('outbox_full');
    expect(o.nextSeq).toBe(3);
    o.markSent(1, 1);
    o.deliver(1, { position: 1 });
    expect(o.add(send('c'), 0).seq).toBe(3);
  });

  it('snapshots are immutable and independent', () => {
    const o = new Outbox({ clientId: 'client-01' });
    const a = o.add(send('a'), 0);
    o.markSent(1, 1);
    expect(a.attempts).toBe(0);
    expect(Object.isFrozen(a)).toBe(true);
    expect(o.pending().map((e) => e.attempts)).toEqual([1]);
  });

  it('reactions share the seq sequence with sends', () => {
    const o = new Outbox({ clientId: 'client-01' });
    o.add(send('a'), 0);
    const r = o.add({ kind: 'react', room: 'r', position: 1, emoji: '+1', on: true }, 0);
    expect(r).toMatchObject({ kind: 'react', seq: 2, position: 1, emoji: '+1' });
  });

  it('refuses invalid options', () => {
    expect(() => new Outbox({ clientId: 'client-01', nextSeq: 0 })).toThrow(RangeError);
    expect(() => new Outbox({ clientId: 'client-01', maxPending: 0 })).toThrow(RangeError);
  });
});
