import { describe, expect, it } from 'vitest';
import { MAX_EMOJI_PER_MESSAGE } from '../src/index.js';
import { type TestClient, withRoom } from './helpers.js';

function room(): { replica: ReturnType<typeof withRoom>['replica']; ann: TestClient; bob: TestClient } {
  const { replica, clients } = withRoom('r', 'ann', 'bob');
  const [ann, bob] = clients as [TestClient, TestClient];
  replica.run(ann.post('r', 'hello'));
  return { replica, ann, bob };
}

describe('react', () => {
  it('adds a reaction and emits a reaction event', () => {
    const { replica, bob } = room();
    const effect = replica.one(bob.react('r', 1, '👍'));
    expect(effect).toMatchObject({
      ok: true,
      result: { op: 'react', room: 'r', position: 1, emoji: '👍', on: true, changed: true },
      events: [{ type: 'reaction', room: 'r', position: 1, user: 'bob', emoji: '👍', on: true }],
    });
    expect(replica.state.message('r', 1)?.reactions).toEqual([{ emoji: '👍', users: ['bob'] }]);
  });

  it('keeps emoji in order of first use and users in order of reacting', () => {
    const { replica, ann, bob } = room();
    replica.run(bob.react('r', 1, '🎉'), ann.react('r', 1, '👍'), ann.react('r', 1, '🎉'));
    expect(replica.state.message('r', 1)?.reactions).toEqual([
      { emoji: '🎉', users: ['bob', 'ann'] },
      { emoji: '👍', users: ['ann'] },
    ]);
  });

  it('removes a reaction; the emoji disappears with its last user', () => {
    const { replica, ann, bob } = room();
    replica.run(bob.react('r', 1, '👍'), ann.react('r', 1, '👍'));
    expect(replica.one(bob.react('r', 1, '👍', false))).toMatchObject({
      ok: true,
      result: { on: false, changed: true },
      events: [{ type: 'reaction', user: 'bob', on: false }],
    });
    expect(replica.state.message('r', 1)?.reactions).toEqual([{ emoji: '👍', users: ['ann'] }]);
    replica.one(ann.react('r', 1, '👍', false));
    expect(replica.state.message('r', 1)?.reactions).toEqual([]);
  });

  it('is a no-op without event when the reaction is already in the asked state', () => {
    const { replica, bob } = room();
    replica.one(bob.react('r', 1, '👍'));
    expect(replica.one(bob.react('r', 1, '👍'))).toMatchObject({
      ok: true,
      result: { changed: false },
      events: [],
    });
    expect(replica.one(bob.react('r', 1, '🎉', false))).toMatchObject({
      ok: true,
      result: { changed: false },
      events: [],
    });
  });

  it('refuses unknown positions, unknown rooms and non-members', () => {
    const { replica, ann } = room();
    expect(replica.one(ann.react('r', 2, '👍'))).toMatchObject({ ok: false, code: 'unknown_message' });
    expect(replica.one(ann.react('nowhere', 1, '👍'))).toMatchObject({ ok: false, code: 'unknown_room' });
    replica.one(ann.leave('r'));
    expect(replica.one(ann.react('r', 1, '👍'))).toMatchObject({ ok: false, code: 'not_member' });
  });

  it(`caps distinct emoji per message at ${MAX_EMOJI_PER_MESSAGE}`, () => {
    const { replica, ann } = room();
    for (let i = 0; i < MAX_EMOJI_PER_MESSAGE; i++) replica.one(ann.react('r', 1, `e${i}`));
    expect(replica.one(ann.react('r', 1, 'one-more'))).toMatchObject({ ok: false, code: 'forbidden' });
    // Joining an existing emoji is still fine.
    expect(replica.one(ann.react('r', 1, 'e0', false))).toMatchObject({ ok: true });
  });
});
