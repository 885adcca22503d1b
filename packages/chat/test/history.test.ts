import { MAX_HISTORY_PAGE } from '@quorum/protocol';
import { describe, expect, it } from 'vitest';
import { type TestClient, withRoom } from './helpers.js';

function roomWith(count: number): ReturnType<typeof withRoom>['replica'] {
  const { replica, clients } = withRoom('r', 'ann');
  const [ann] = clients as [TestClient];
  for (let i = 1; i <= count; i++) replica.run(ann.post('r', `m${i}`));
  return replica;
}

const positions = (page: { messages: { position: number }[] } | null) =>
  page?.messages.map((m) => m.position);

describe('history', () => {
  it('returns the newest page oldest-first with hasMore', () => {
    const replica = roomWith(10);
    const page = replica.state.history('r', undefined, 4);
    expect(positions(page)).toEqual([7, 8, 9, 10]);
    expect(page).toMatchObject({ hasMore: true, head: 10 });
  });

  it('pages backwards with before (exclusive) down to the first message', () => {
    const replica = roomWith(10);
    expect(positions(replica.state.history('r', 7, 4))).toEqual([3, 4, 5, 6]);
    const last = replica.state.history('r', 3, 4);
    expect(positions(last)).toEqual([1, 2]);
    expect(last?.hasMore).toBe(false);
    expect(replica.state.history('r', 1, 4)).toEqual({
      messages: [],
      archived: null,
      hasMore: false,
      head: 10,
    });
  });

  it('treats before beyond the head as "newest" and clamps the limit', () => {
    const replica = roomWith(3);
    expect(positions(replica.state.history('r', 99, 2))).toEqual([2, 3]);
    expect(replica.state.history('r', undefined, 10_000)?.messages).toHaveLength(3);
    expect(roomWith(MAX_HISTORY_PAGE + 5).state.history('r', undefined, 10_000)?.messages).toHaveLength(
      MAX_HISTORY_PAGE,
    );
  });

  it('answers an empty room with an empty page', () => {
    const replica = roomWith(0);
    expect(replica.state.history('r', undefined, 5)).toEqual({
      messages: [],
      archived: null,
      hasMore: false,
      head: 0,
    });
  });
});

describe('messagesAfter', () => {
  it('returns exactly the positions after `after`, complete when it reaches the head', () => {
    const replica = roomWith(5);
    expect(replica.state.messagesAfter('r', 2, 10)).toMatchObject({
      recovered: true,
      complete: true,
      head: 5,
    });
    expect(positions(replica.state.messagesAfter('r', 2, 10))).toEqual([3, 4, 5]);
    expect(positions(replica.state.messagesAfter('r', 0, 2))).toEqual([1, 2]);
    expect(replica.state.messagesAfter('r', 0, 2)?.complete).toBe(false);
  });

  it('is empty and complete when the client is at or past the head', () => {
    const replica = roomWith(3);
    expect(replica.state.messagesAfter('r', 3)).toEqual({
      recovered: true,
      messages: [],
      archived: null,
      complete: true,
      head: 3,
    });
    expect(replica.state.messagesAfter('r', 7)).toEqual({
      recovered: true,
      messages: [],
      archived: null,
      complete: true,
      head: 3,
    });
  });

  it('returns copies that do not alias the state', () => {
    const replica = roomWith(1);
    const [first] = replica.state.messagesAfter('r', 0)?.messages ?? [];
    if (first) first.text = 'changed';
    expect(replica.state.message('r', 1)?.text).toBe('m1');
  });
});
