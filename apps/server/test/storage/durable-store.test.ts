import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DATA_FILE,
  DurableStore,
  InvalidDeltaError,
  MANIFEST_FILE,
  type PersistDelta,
  StoreClosedError,
  StoreWriteError,
} from '../../src/storage/index.js';
import { ballot, record, records, removeTempDirs, tempDir, valueFor } from './helpers.js';

afterEach(removeTempDirs);

describe('DurableStore', () => {
  it('creates the directory and starts empty', async () => {
    const dir = path.join(tempDir(), 'nested', 'store');
    const store = await DurableStore.open(dir);
    expect(existsSync(path.join(dir, MANIFEST_FILE))).toBe(true);
    expect(existsSync(path.join(dir, DATA_FILE))).toBe(true);
    expect(store.load()).toEqual({
      promised: { round: 0, node: 0 },
      entries: [],
      committed: 0,
      snapshot: null,
    });
    await store.close();
    const again = await DurableStore.open(dir);
    expect(again.load()).toEqual({
      promised: { round: 0, node: 0 },
      entries: [],
      committed: 0,
      snapshot: null,
    });
    await again.close();
  });

  it('round-trips every field, and reopening returns the same state', async () => {
    const dir = tempDir();
    const store = await DurableStore.open(dir);
    const snapshot = { index: 3, data: JSON.stringify({ rooms: ['lobby'], note: 'héllo ✓ 🎉' }) };
    await store.persist({ promised: ballot(4, 2), entries: records(1, 6, 4), committed: 5 });
    await store.persist({ entries: [], snapshot, discardThrough: 2 });
    await store.persist({
      entries: [{ slot: 7, ballot: { round: Number.MAX_SAFE_INTEGER, node: 0 }, value: { commands: [] } }],
    });
    const expected = {
      promised: { round: 4, node: 2 },
      entries: [
        ...records(3, 6, 4),
        { slot: 7, ballot: { round: Number.MAX_SAFE_INTEGER, node: 0 }, value: { commands: [] } },
      ],
      committed: 5,
      snapshot,
    };
    expect(store.load()).toEqual(expected);
    await store.close();

    const reopened = await DurableStore.open(dir);
    expect(reopened.load()).toEqual(expected);
    await reopened.close();
  });

  it('keeps large slot numbers and overwrites a slot in place', async () => {
    const dir = tempDir();
    const store = await DurableStore.open(dir);
    const big = 2 ** 40 + 5;
    await store.persist({ entries: [record(big, 1), record(9, 1)] });
    await store.persist({
      entries: [{ slot: 9, ballot: ballot(7, 3), value: valueFor(9, ' (re-accepted)') }],
    });
    await store.close();
    const reopened = await DurableStore.open(dir);
    expect(reopened.load().entries).toEqual([
      { slot: 9, ballot: ballot(7, 3), value: valueFor(9, ' (re-accepted)') },
      record(big, 1),
    ]);
    await reopened.close();
  });

  it('resolves concurrent persists in call order, each one atomic, later ones winning', async () => {
    const dir = tempDir();
    const store = await DurableStore.open(dir);
    const order: number[] = [];
    const calls: Promise<void>[] = [];
    for (let i = 0; i < 60; i++) {
      // Every call rewrites slot 1 and adds its own slot; half of them in the same turn.
      const delta: PersistDelta = {
        promised: ballot(i + 1),
        entries: [record(1, i + 1), record(100 + i, 1)],
        committed: i,
      };
      calls.push(store.persist(delta).then(() => void order.push(i)));
      if (i % 2 === 1) await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(calls);
    expect(order).toEqual(Array.from({ length: 60 }, (_, i) => i));
    const state = store.load();
    expect(state.promised).toEqual(ballot(60));
    expect(state.committed).toBe(59);
    expect(state.entries[0]).toEqual(record(1, 60));
    expect(state.entries).toHaveLength(61);
    await store.close();
  });

  it('discardThrough deletes every record at or below it, in the same write as the snapshot', async () => {
    const dir = tempDir();
    const store = await DurableStore.open(dir);
    await store.persist({ entries: records(1, 20) });
    // Entries of the same delta at or below the mark are discarded too (as on the simulator's disk).
    await store.persist({
      entries: [record(5, 2), record(21, 2)],
      snapshot: { index: 10, data: 'state@10' },
      discardThrough: 10,
    });
    expect(store.load().entries.map((r) => r.slot)).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21]);
    await store.persist({ entries: [], snapshot: { index: 30, data: 'state@30' }, discardThrough: 30 });
    expect(store.load()).toMatchObject({ entries: [], snapshot: { index: 30, data: 'state@30' } });
    await store.persist({ entries: records(31, 33) });
    await store.close();
    const reopened = await DurableStore.open(dir);
    expect(reopened.load()).toEqual({
      promised: { round: 0, node: 0 },
      entries: records(31, 33),
      committed: 0,
      snapshot: { index: 30, data: 'state@30' },
    });
    await reopened.close();
  });

  it('stores and replaces a multi-megabyte snapshot', async () => {
    const dir = tempDir();
    const store = await DurableStore.open(dir);
    const data = 'x'.repeat(3 * 1024 * 1024) + 'é'.repeat(1000);
    await store.persist({ entries: records(1, 3), snapshot: { index: 2, data }, discardThrough: 2 });
    await store.persist({
      entries: [],
      snapshot: { index: 3, data: data.slice(0, 1000) },
      discardThrough: 3,
    });
    await store.persist({ entries: [], snapshot: { index: 3, data }, discardThrough: 3 });
    await store.close();
    const reopened = await DurableStore.open(dir);
    const state = reopened.load();
    expect(state.snapshot?.index).toBe(3);
    expect(state.snapshot?.data === data).toBe(true);
    expect(state.entries).toEqual([]);
    await reopened.close();
  });

  it('rejects a malformed delta with a typed error and then refuses further writes', async () => {
    const dir = tempDir();
    const store = await DurableStore.open(dir);
    const first = store.persist({ entries: records(1, 2) });
    const bad = store.persist({
      entries: [{ slot: 3, ballot: ballot(1), value: { commands: [{ op: 'nope' }] } as never }],
    });
    const after = store.persist({ entries: records(4, 4) });
    await expect(first).resolves.toBeUndefined();
    await expect(bad).rejects.toBeInstanceOf(InvalidDeltaError);
    await expect(bad).rejects.toMatchObject({ code: 'invalid_delta' });
    await expect(after).rejects.toBeInstanceOf(StoreWriteError);
    await expect(store.persist({ entries: [] })).rejects.toMatchObject({ code: 'write_failed' });
    expect(store.failed).toBe(true);
    await store.close();
    const reopened = await DurableStore.open(dir);
    expect(reopened.load().entries.map((r) => r.slot)).toEqual([1, 2]);
    await reopened.close();
  });

  it.each([
    ['a negative slot', { entries: [{ ...record(1), slot: -1 }] }],
    ['a fractional committed mark', { entries: [], committed: 1.5 }],
    ['a ballot with extra fields', { entries: [], promised: { round: 1, node: 1, x: 1 } as never }],
    ['a snapshot without text', { entries: [], snapshot: { index: 1, data: 5 } as never }],
  ])('refuses %s', async (_name, delta) => {
    const store = await DurableStore.open(tempDir());
    await expect(store.persist(delta as PersistDelta)).rejects.toBeInstanceOf(InvalidDeltaError);
    await store.close();
  });

  it('close waits for writes in flight; afterwards everything is refused', async () => {
    const dir = tempDir();
    const store = await DurableStore.open(dir);
    const pending = store.persist({ entries: records(1, 50) });
    const closing = store.close();
    await expect(store.persist({ entries: [] })).rejects.toBeInstanceOf(StoreClosedError);
    await expect(pending).resolves.toBeUndefined();
    await closing;
    await store.close();
    expect(() => store.load()).toThrow(StoreClosedError);
    const reopened = await DurableStore.open(dir);
    expect(reopened.load().entries).toHaveLength(50);
    await reopened.close();
  });

  it('refuses to open a directory twice in one process', async () => {
    const dir = tempDir();
    const store = await DurableStore.open(dir);
    await expect(DurableStore.open(dir)).rejects.toMatchObject({ code: 'in_use' });
    await store.close();
    const again = await DurableStore.open(dir);
    await again.close();
  });

  it('restarts a creation that crashed before the store was ready', async () => {
    const dir = tempDir();
    await writeFile(
      path.join(dir, MANIFEST_FILE),
      JSON.stringify({ format: 'quorum-chat/durable-store', version: 2, engine: 'lmdb', state: 'creating' }),
    );
    await writeFile(path.join(dir, DATA_FILE), 'half-written garbage');
    const store = await DurableStore.open(dir);
    expect(store.load().entries).toEqual([]);
    await store.persist({ entries: records(1, 1) });
    await store.close();
  });
});
