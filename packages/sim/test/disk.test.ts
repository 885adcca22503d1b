import { CHOSEN_BALLOT, type PersistDelta } from '@quorum/paxos';
import { describe, expect, it } from 'vitest';
import { SimDisk } from '../src/disk.js';

const v = (text: string) => ({
  commands: [{ op: 'post' as const, clientId: 'client-01', seq: 1, ts: 0, user: 'u', room: 'r', text }],
});

const writes: PersistDelta[] = [
  { promised: { round: 2, node: 1 }, entries: [], committed: 0 },
  {
    entries: [
      { slot: 1, ballot: CHOSEN_BALLOT, value: v('one') },
      { slot: 2, ballot: { round: 2, node: 1 }, value: v('two') },
      { slot: 3, ballot: { round: 2, node: 1 }, value: v('three') },
    ],
    committed: 1,
  },
];

describe('SimDisk', () => {
  it('keeps every completed write and reads it back', () => {
    const disk = new SimDisk();
    for (const w of writes) disk.write(w);
    const state = disk.durableState();
    expect(state.promised).toEqual({ round: 2, node: 1 });
    expect(state.entries.map((e) => e.slot)).toEqual([1, 2, 3]);
    expect(state.committed).toBe(1);
    expect(state.snapshot).toBeNull();
    expect(disk.writes).toBe(2);
  });

  it('stores copies: neither the writer nor the reader can change what is on disk', () => {
    const disk = new SimDisk();
    const record = { slot: 1, ballot: { round: 1, node: 1 }, value: v('x') };
    disk.write({ entries: [record] });
    record.value.commands[0]!.text = 'changed';
    const state = disk.durableState();
    const textOf = (s: ReturnType<SimDisk['durableState']>) =>
      s.entries[0]?.value.commands[0] as { text: string };
    expect(textOf(state).text).toBe('x');
    textOf(state).text = 'changed again';
    expect(textOf(disk.durableState()).text).toBe('x');
  });

  it('takes a snapshot and discards the records it covers', () => {
    const disk = new SimDisk();
    for (const w of writes) disk.write(w);
    disk.write({ entries: [], snapshot: { index: 2, data: '{}' }, discardThrough: 2 });
    const state = disk.durableState();
    expect(state.snapshot).toEqual({ index: 2, data: '{}' });
    expect(state.entries.map((e) => e.slot)).toEqual([3]);
    expect(disk.snapshotIndex).toBe(2);
  });

  it('forget-promise: an amnesiac acceptor keeps only chosen records', () => {
    const disk = new SimDisk('forget-promise');
    for (const w of writes) disk.write(w);
    const state = disk.durableState();
    expect(state.promised).toEqual({ round: 0, node: 0 });
    expect(state.entries.map((e) => e.slot)).toEqual([1]);
  });

  it('no-persist: stores nothing at all', () => {
    const disk = new SimDisk('no-persist');
    for (const w of writes) disk.write(w);
    expect(disk.durableState()).toEqual({
      promised: { round: 0, node: 0 },
      entries: [],
      committed: 0,
      snapshot: null,
      incarnation: 0,
      recovering: false,
      incarnations: [],
    });
  });

  it('a replacement disk is of a higher incarnation and recovering until the replica says recovered; it keeps peers’ incarnations', () => {
    const disk = new SimDisk('correct', 3, true);
    expect(disk.durableState()).toMatchObject({ incarnation: 3, recovering: true, incarnations: [] });
    disk.write({ entries: [], incarnations: [[2, 5]] });
    disk.write({ entries: [], incarnations: [[2, 4]] }); // never goes back
    expect(disk.durableState()).toMatchObject({ recovering: true, incarnations: [[2, 5]] });
    disk.write({ entries: [], recovered: true });
    expect(disk.durableState()).toMatchObject({ incarnation: 3, recovering: false });
  });
});
