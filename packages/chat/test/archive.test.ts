import { describe, expect, it } from 'vitest';
import { ChatState, DEFAULT_RETAIN_PER_ROOM } from '../src/index.js';
import { Replica, T0, TestClient } from './helpers.js';

/** A room "r" with ann as a member, keeping `retain` messages in memory. */
function setup(retain: number) {
  const replica = new Replica({ retainPerRoom: retain });
  const ann = new TestClient('ann', 'client-ann', { now: T0 });
  replica.run(ann.register(), ann.join('r'));
  return { replica, ann };
}

const positions = (list: readonly { position: number }[] | undefined) => list?.map((m) => m.position);

describe('archiving old messages out of memory', () => {
  it('keeps the newest retainPerRoom messages and hands the older ones to the host, in order', () => {
    expect(new ChatState().options.retainPerRoom).toBe(DEFAULT_RETAIN_PER_ROOM);
    const { replica, ann } = setup(3);
    const archived = [];
    for (let i = 1; i <= 5; i++) archived.push(...replica.one(ann.post('r', `m${i}`)).archived);
    expect(archived.map((m) => [m.position, m.text])).toEqual([
      [1, 'm1'],
      [2, 'm2'],
    ]);
    expect(replica.state.firstRetained('r')).toBe(3);
    expect(replica.state.message('r', 2)).toBeNull();
    expect(replica.state.message('r', 3)?.text).toBe('m3');
    expect(replica.state.stats()).toMatchObject({ messages: 3, archivedMessages: 2 });
    expect(replica.state.head('r')).toBe(5);
  });

  it('tells the host which part of a history page or a resume is archived', () => {
    const { replica, ann } = setup(3);
    for (let i = 1; i <= 5; i++) replica.one(ann.post('r', `m${i}`));
    const newest = replica.state.history('r', undefined, 4);
    expect(positions(newest?.messages)).toEqual([3, 4, 5]);
    expect(newest).toMatchObject({ archived: { from: 2, to: 3 }, hasMore: true, head: 5 });
    const oldest = replica.state.history('r', 3, 10);
    expect(oldest).toMatchObject({ messages: [], archived: { from: 1, to: 3 }, hasMore: false });
    const resume = replica.state.messagesAfter('r', 0, 10);
    expect(resume).toMatchObject({ recovered: true, archived: { from: 1, to: 3 }, complete: true });
    expect(positions(resume?.messages)).toEqual([3, 4, 5]);
    expect(replica.state.messagesAfter('r', 3, 10)?.archived).toBeNull();
    // A page that ends inside the archive has no part in memory.
    expect(replica.state.messagesAfter('r', 0, 1)).toMatchObject({
      messages: [],
      archived: { from: 1, to: 2 },
      complete: false,
    });
  });

  it('keeps reactions replicated for archived messages: kept on the way out, toggled after', () => {
    const { replica, ann } = setup(2);
    replica.one(ann.post('r', 'm1'));
    expect(replica.one(ann.react('r', 1, '👍', true)).ok).toBe(true);
    const pushedOut = replica
      .one(ann.post('r', 'm2'))
      .archived.concat(replica.one(ann.post('r', 'm3')).archived);
    expect(pushedOut.map((m) => [m.position, m.reactions])).toEqual([[1, []]]);
    expect(replica.state.archivedReactions('r', 1)).toEqual([{ emoji: '👍', users: ['ann'] }]);

    const add = replica.one(ann.react('r', 1, '🎉', true));
    expect(add).toMatchObject({ ok: true, result: { position: 1, changed: true } });
    expect(add.events).toEqual([
      { type: 'reaction', room: 'r', position: 1, user: 'ann', emoji: '🎉', on: true },
    ]);
    replica.one(ann.react('r', 1, '👍', false));
    replica.one(ann.react('r', 1, '🎉', false));
    expect(replica.state.archivedReactions('r', 1)).toEqual([]);
    // Reacting to a position that never existed is still unknown_message.
    expect(replica.one(ann.react('r', 9, '👍', true))).toMatchObject({ ok: false, code: 'unknown_message' });
    expect(replica.one(ann.react('r', 0, '👍', true))).toMatchObject({ ok: false, code: 'unknown_message' });
  });

  it('snapshots only what is in memory, and a restored replica archives exactly as the original', () => {
    const { replica, ann } = setup(2);
    for (let i = 1; i <= 4; i++) replica.one(ann.post('r', `m${i}`));
    replica.one(ann.react('r', 1, '👍', true));
    const text = replica.state.snapshot();
    expect(text).not.toContain('"m1"');
    const restored = ChatState.restore(text);
    expect(restored.snapshot()).toBe(text);
    expect(restored.options.retainPerRoom).toBe(2);
    expect(restored.archivedReactions('r', 1)).toEqual([{ emoji: '👍', users: ['ann'] }]);
    const next = ann.post('r', 'm5');
    const fromOriginal = replica.state.apply(replica.state.lastAppliedSlot + 1, { commands: [next] });
    const fromRestored = restored.apply(restored.lastAppliedSlot + 1, { commands: [next] });
    expect(fromRestored).toEqual(fromOriginal);
    expect(positions(fromRestored[0]?.archived)).toEqual([3]);
    expect(restored.snapshot()).toBe(replica.state.snapshot());
  });
});
