import { NOOP } from '@quorum/protocol';
import { describe, expect, it } from 'vitest';
import { ApplyOrderError, ChatState } from '../src/index.js';
import { TestClient } from './helpers.js';

describe('apply order', () => {
  it('applies a no-op slot: no effects, the slot advances, the digest does not change', () => {
    const state = new ChatState();
    const before = state.digest().hash;
    expect(state.apply(1, NOOP)).toEqual([]);
    expect(state.lastAppliedSlot).toBe(1);
    expect(state.digest()).toEqual({ lastAppliedSlot: 1, appliedCount: 0, hash: before });
  });

  it('reports each command with its slot and index', () => {
    const state = new ChatState();
    const ann = new TestClient('ann');
    const effects = state.apply(1, { commands: [ann.register(), ann.join('r')] });
    expect(effects.map((e) => [e.slot, e.index, e.op, e.seq])).toEqual([
      [1, 0, 'register', 1],
      [1, 1, 'join', 2],
    ]);
    expect(state.appliedCount).toBe(2);
  });

  it('throws ApplyOrderError on a gap and changes nothing', () => {
    const state = new ChatState();
    const ann = new TestClient('ann');
    expect(() => state.apply(2, { commands: [ann.register()] })).toThrow(ApplyOrderError);
    expect(state.lastAppliedSlot).toBe(0);
    expect(state.userExists('ann')).toBe(false);
  });

  it('throws on a slot that is not a positive integer', () => {
    const state = new ChatState();
    expect(() => state.apply(0, NOOP)).toThrow(ApplyOrderError);
    expect(() => state.apply(1.5, NOOP)).toThrow(ApplyOrderError);
  });

  it('ignores a slot that was already applied (replay after a restart)', () => {
    const state = new ChatState();
    const ann = new TestClient('ann');
    const value = { commands: [ann.register(), ann.join('r')] };
    state.apply(1, value);
    const snapshot = state.snapshot();
    expect(state.apply(1, value)).toEqual([]);
    expect(state.snapshot()).toBe(snapshot);
  });

  it('never throws on a malformed command: it becomes an invalid_message failure', () => {
    const state = new ChatState();
    const bad = { op: 'post', clientId: 'client-x', seq: -1, ts: 1, v: 2 } as unknown as Parameters<
      ChatState['apply']
    >[1]['commands'][number];
    const weird = { op: 'explode', clientId: 'client-x', seq: 1, ts: 1, v: 2 } as unknown as typeof bad;
    const effects = state.apply(1, { commands: [bad, weird] });
    expect(effects.map((e) => [e.ok, !e.ok && e.code])).toEqual([
      [false, 'invalid_message'],
      [false, 'invalid_message'],
    ]);
    expect(state.appliedCount).toBe(2);
    // The weird-but-well-formed one is remembered like any other outcome.
    expect(state.lastApplied('client-x', '')?.seq).toBe(1);
  });
});

describe('apply contract violations', () => {
  it('throws TypeError on a value that is not { commands: [...] } and changes nothing', () => {
    const state = new ChatState();
    const ann = new TestClient('ann');
    const value = { commands: [ann.register(), null] } as unknown as Parameters<ChatState['apply']>[1];
    expect(() => state.apply(1, value)).toThrow(TypeError);
    expect(() => state.apply(1, {} as Parameters<ChatState['apply']>[1])).toThrow(TypeError);
    expect(state.lastAppliedSlot).toBe(0);
    expect(state.userExists('ann')).toBe(false);
    expect(state.appliedCount).toBe(0);
  });
});
