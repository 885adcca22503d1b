import type { Command } from '@quorum/protocol';
import { describe, expect, it } from 'vitest';
import { CLIENT_ID_KEYING, commandKey, RegisterMachine } from '../src/state-machine.js';

const cmd = (clientId: string, seq: number): Command => ({
  op: 'post',
  clientId,
  seq,
  ts: 0,
  user: 'u',
  room: 'r',
  text: `${clientId}:${seq}`,
});

describe('RegisterMachine', () => {
  it('applies commands in order and returns each one its position', () => {
    const sm = new RegisterMachine();
    const out = sm.apply(1, { commands: [cmd('client-a', 1), cmd('client-b', 1)] });
    expect(out.map((o) => o.result)).toEqual([1, 2]);
    expect(sm.apply(2, { commands: [] })).toEqual([]);
    expect(sm.appliedIndex).toBe(2);
    expect(sm.keys).toEqual(['u/client-a#1', 'u/client-b#1']);
    expect(sm.slots).toEqual([1, 1]);
    expect(commandKey(cmd('client-a', 7))).toBe('u/client-a#7');
  });

  it('dedups a retry: the second copy returns the first result and takes no effect', () => {
    const sm = new RegisterMachine();
    sm.apply(1, { commands: [cmd('client-a', 1)] });
    sm.apply(2, { commands: [cmd('client-b', 1)] });
    const [again] = sm.apply(3, { commands: [cmd('client-a', 1)] });
    expect(again).toMatchObject({ duplicate: true, result: 1 });
    sm.apply(4, { commands: [cmd('client-a', 2)] });
    const [stale] = sm.apply(5, { commands: [cmd('client-a', 1)] });
    expect(stale).toMatchObject({ duplicate: true, result: null });
    expect(sm.keys).toEqual(['u/client-a#1', 'u/client-b#1', 'u/client-a#2']);
  });

  it("keys by (user, clientId, seq): another user's command with the same pair takes effect", () => {
    const sm = new RegisterMachine();
    sm.apply(1, { commands: [cmd('client-a', 1)] });
    const [other] = sm.apply(2, { commands: [{ ...cmd('client-a', 1), user: 'v' }] });
    expect(other).toMatchObject({ duplicate: false, key: 'v/client-a#1', result: 2 });
    // The broken keying takes it for a retry of u's command.
    const broken = new RegisterMachine(true, CLIENT_ID_KEYING);
    broken.apply(1, { commands: [cmd('client-a', 1)] });
    expect(broken.apply(2, { commands: [{ ...cmd('client-a', 1), user: 'v' }] })[0]).toMatchObject({
      duplicate: true,
      result: 1,
    });
  });

  it('no-dedup (a broken variant) applies the retry again', () => {
    const sm = new RegisterMachine(false);
    sm.apply(1, { commands: [cmd('client-a', 1)] });
    sm.apply(2, { commands: [cmd('client-a', 1)] });
    expect(sm.keys).toEqual(['u/client-a#1', 'u/client-a#1']);
  });

  it('serialises and restores, dedup table included', () => {
    const sm = new RegisterMachine();
    sm.apply(1, { commands: [cmd('client-a', 1), cmd('client-b', 1)] });
    sm.apply(2, { commands: [cmd('client-a', 2)] });
    const copy = new RegisterMachine();
    copy.apply(1, { commands: [cmd('client-z', 1)] });
    copy.restore(sm.serialize(), 2);
    expect(copy.appliedIndex).toBe(2);
    expect(copy.keys).toEqual(sm.keys);
    expect(copy.has('u/client-z#1')).toBe(false);
    expect(copy.apply(3, { commands: [cmd('client-a', 2)] })[0]).toMatchObject({
      duplicate: true,
      result: 3,
    });
    expect(copy.apply(4, { commands: [cmd('client-b', 2)] })[0]).toMatchObject({
      duplicate: false,
      result: 4,
    });
  });
});
