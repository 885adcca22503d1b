import type { ChatMessage } from '@quorum/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RoomCursor } from '../src/positions.js';

const msg = (position: number, room = 'r'): ChatMessage => ({
  room,
  position,
  author: 'u',
  text: `m${position}`,
  ts: 1_000 + position,
  reactions: [],
});

const positions = (messages: readonly ChatMessage[]) => messages.map((m) => m.position);

describe('RoomCursor', () => {
  it('delivers contiguous positions and drops duplicates', () => {
    const c = new RoomCursor('r', 0);
    expect(positions(c.offer(msg(1)))).toEqual([1]);
    expect(positions(c.offer(msg(2)))).toEqual([2]);
    expect(c.offer(msg(2))).toEqual([]);
    expect(c.offer(msg(1))).toEqual([]);
    expect(c.last).toBe(2);
    expect(c.hasGap).toBe(false);
  });

  it('buffers past a gap, reports it, and drains when the gap is filled', () => {
    const c = new RoomCursor('r', 3);
    expect(c.offer(msg(6))).toEqual([]);
    expect(c.offer(msg(5))).toEqual([]);
    expect(c.hasGap).toBe(true);
    expect(c.last).toBe(3);
    expect(c.buffered).toBe(2);
    // the resume page: 4, 5, 6 (5 and 6 are duplicates of the buffer)
    const out = [...c.offer(msg(4)), ...c.offer(msg(5)), ...c.offer(msg(6))];
    expect(positions(out)).toEqual([4, 5, 6]);
    expect(c.hasGap).toBe(false);
    expect(c.buffered).toBe(0);
  });

  it('keeps a gap open for a head it has not reached, until an authoritative head says otherwise', () => {
    const c = new RoomCursor('r', 2);
    c.noteHead(5);
    expect(c.hasGap).toBe(true);
    c.offer(msg(3));
    expect(c.hasGap).toBe(true);
    c.acceptHead(3);
    expect(c.hasGap).toBe(false);
    // A buffered message proves a higher position even against an authoritative head.
    c.offer(msg(6));
    c.acceptHead(3);
    expect(c.hasGap).toBe(true);
    expect(c.maxSeen).toBe(6);
  });

  it('bounds its buffer, keeping the lowest positions and still remembering the gap', () => {
    const c = new RoomCursor('r', 0, 3);
    for (const p of [10, 9, 8, 7, 6, 5]) c.offer(msg(p));
    expect(c.buffered).toBe(3);
    expect(c.dropped).toBe(3);
    expect(c.maxSeen).toBe(10);
    const out: ChatMessage[] = [];
    for (let p = 1; p <= 4; p++) out.push(...c.offer(msg(p)));
    expect(positions(out)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(c.last).toBe(7);
    expect(c.hasGap).toBe(true); // 8..10 were dropped: a resume fetches them
    for (let p = 8; p <= 10; p++) out.push(...c.offer(msg(p)));
    expect(c.last).toBe(10);
    expect(c.hasGap).toBe(false);
  });

  it('buffers while unanchored, then anchors and drains', () => {
    const c = new RoomCursor('r');
    expect(c.anchored).toBe(false);
    expect(c.offer(msg(11))).toEqual([]);
    expect(c.offer(msg(12))).toEqual([]);
    expect(c.hasGap).toBe(false); // nothing to resume before an anchor
    expect(positions(c.anchor(10))).toEqual([11, 12]);
    expect(c.last).toBe(12);
    expect(() => c.anchor(3)).toThrow();
  });

  it('anchoring above buffered messages drops them', () => {
    const c = new RoomCursor('r');
    c.offer(msg(4));
    c.offer(msg(6));
    expect(c.anchor(5)).toHaveLength(1);
    expect(c.last).toBe(6);
  });

  it('reset skips a gap that cannot be filled and reports the missed range', () => {
    const c = new RoomCursor('r', 5);
    c.offer(msg(40));
    const { missed, delivered } = c.reset(30, [msg(31), msg(32), msg(33)]);
    expect(missed).toEqual({ from: 6, to: 30 });
    expect(positions(delivered)).toEqual([31, 32, 33]);
    expect(c.last).toBe(33);
    expect(c.hasGap).toBe(true); // 34..40
  });

  it('reset never moves backwards and redelivers nothing', () => {
    const c = new RoomCursor('r', 10);
    const { missed, delivered } = c.reset(7, [msg(8), msg(9), msg(10), msg(11)]);
    expect(missed).toBeNull();
    expect(positions(delivered)).toEqual([11]);
    expect(c.last).toBe(11);
  });

  it('property: any arrival order with duplicates, then a resume, delivers 1..n once, in order', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }).chain((n) =>
          fc.tuple(
            fc.constant(n),
            // live arrivals: a shuffled multiset of positions in 1..n, some missing, some repeated
            fc.array(fc.integer({ min: 1, max: n }), { maxLength: 3 * n }),
            fc.integer({ min: 1, max: 20 }),
            fc.integer({ min: 1, max: 25 }),
          ),
        ),
        ([n, arrivals, bufferSize, page]) => {
          const c = new RoomCursor('r', 0, bufferSize);
          const delivered: number[] = [];
          for (const p of arrivals) delivered.push(...positions(c.offer(msg(p))));
          // The resume loop: while a gap is known (or the head is ahead), fetch a page after `last`.
          c.noteHead(n);
          let rounds = 0;
          while (c.hasGap) {
            const after = c.last;
            for (let p = after + 1; p <= Math.min(n, after + page); p++)
              delivered.push(...positions(c.offer(msg(p))));
            if (after + page >= n) c.acceptHead(n);
            rounds += 1;
            expect(rounds).toBeLessThanOrEqual(n + 1);
          }
          expect(delivered).toEqual(Array.from({ length: n }, (_, i) => i + 1));
          expect(c.buffered).toBe(0);
        },
      ),
    );
  });
});
