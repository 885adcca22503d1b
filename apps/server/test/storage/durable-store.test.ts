import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { open as openLmdb } from 'lmdb';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeFormat, MetaKey } from '../../src/storage/codec.js';
import {
  DATA_FILE,
  DurableStore,
  InvalidDeltaError,
  MANIFEST_FILE,
  type PersistDelta,
  STORE_VERSION,
  StoreClosedError,
  StoreCorruptError,
  StoreWriteError,
  WAL_FILES,
} from '../../src/storage/index.js';
import { ballot, record, records, removeTempDirs, tempDir, valueFor } from './helpers.js';

afterEach(removeTempDirs);

/** What load() says of a store open() made with its default identity: a voter, incarnation 0. */
const VOTER = { incarnation: 0, recovering: false, incarnations: [] };

describe('DurableStore', () => {
  it('creates the directory and starts empty', async () => {
    const dir = path.join(tempDir(), 'nested', 'store');
    const store = await DurableStore.open(dir);
    expect(existsSync(path.join(dir, MANIFEST_FILE))).toBe(true);
    expect(existsSync(path.join(dir, DATA_FILE))).toBe(true);
    expect(store.load()).toEqual({
      ...VOTER,
      promised: { round: 0, node: 0 },
      entries: [],
      committed: 0,
      snapshot: null,
    });
    await store.close();
    const again = await DurableStore.open(dir);
    expect(again.load()).toEqual({
      ...VOTER,
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
      ...VOTER,
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
      ...VOTER,
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

  it('upgrades a store the previous build wrote (version 2: no write-ahead log) in place', async () => {
    const dir = tempDir();
    const store = await DurableStore.open(dir);
    await store.persist({ promised: ballot(4), entries: records(1, 30, 4), committed: 25 });
    await store.persist({
      entries: records(31, 31, 4),
      snapshot: { index: 10, data: 'SNAP' },
      discardThrough: 10,
    });
    const expected = store.load();
    await store.close();
    await (await DurableStore.open(dir)).close(); // folds the log: everything is in LMDB now
    // Turn it into what version 2 left on disk: format record 2, no WAL generation, no WAL files.
    const env = openLmdb({ path: dir, maxDbs: 4, overlappingSync: false });
    const meta = env.openDB<Buffer, Buffer>({ name: 'meta', encoding: 'binary', keyEncoding: 'binary' });
    await meta.put(MetaKey.format, encodeFormat({ format: 'quorum-chat/durable-store', version: 2 }));
    await meta.remove(MetaKey.walGeneration);
    await env.close();
    for (const name of WAL_FILES) rmSync(path.join(dir, name));
    const manifest = path.join(dir, MANIFEST_FILE);
    writeFileSync(
      manifest,
      readFileSync(manifest, 'utf8').replace(`"version":${STORE_VERSION}`, '"version":2'),
    );

    const upgraded = await DurableStore.open(dir);
    expect(upgraded.load()).toEqual(expected);
    await upgraded.persist({ entries: records(32, 32, 4) });
    await upgraded.close();
    expect(JSON.parse(readFileSync(manifest, 'utf8')).version).toBe(STORE_VERSION);
    const again = await DurableStore.open(dir);
    expect(again.load().entries.at(-1)).toEqual(record(32, 4));
    await again.close();
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
      JSON.stringify({
        format: 'quorum-chat/durable-store',
        version: STORE_VERSION,
        engine: 'lmdb',
        state: 'creating',
      }),
    );
    await writeFile(path.join(dir, DATA_FILE), 'half-written garbage');
    await writeFile(path.join(dir, WAL_FILES[0]), 'half-written garbage');
    const store = await DurableStore.open(dir);
    expect(store.load().entries).toEqual([]);
    await store.persist({ entries: records(1, 1) });
    await store.close();
  });
});

describe('DurableStore: the write-ahead log', () => {
  const snapshot = (index: number) => ({ index, data: `SNAP@${index}` });

  it('a persist without a snapshot is one WAL append, durable before persist returns', async () => {
    const dir = tempDir();
    const store = await DurableStore.open(dir);
    const written = store.persist({ promised: ballot(2), entries: records(1, 3, 2), committed: 1 });
    expect(store.stats).toMatchObject({ walAppends: 1, checkpoints: 0 });
    await written;
    await store.close();
    // close() does not checkpoint: the reopened store reads the frame back, then folds it in.
    const again = await DurableStore.open(dir);
    expect(again.load()).toEqual({
      ...VOTER,
      promised: ballot(2),
      entries: records(1, 3, 2),
      committed: 1,
      snapshot: null,
    });
    expect(again.stats.checkpoints).toBe(1);
    await again.close();
  });

  it('a snapshot starts a checkpoint in the background; appends go on in the next generation', async () => {
    const dir = tempDir();
    const store = await DurableStore.open(dir);
    await store.persist({ promised: ballot(1), entries: records(1, 20) });
    await store.persist({ entries: records(21, 30), committed: 25 });
    // The snapshot's delta: its records and watermark are appended; snapshot + discard checkpoint.
    await store.persist({ entries: records(31, 31), snapshot: snapshot(10), discardThrough: 10 });
    await store.persist({ entries: records(32, 32) }); // does not wait for the checkpoint
    expect(store.stats).toMatchObject({ walAppends: 4, checkpoints: 0 });
    const expected = {
      ...VOTER,
      promised: ballot(1),
      entries: records(11, 32),
      committed: 25,
      snapshot: snapshot(10),
    };
    expect(store.load()).toEqual(expected);
    await store.checkpointed();
    expect(store.stats.checkpoints).toBe(1);
    expect(store.load()).toEqual(expected);
    await store.close();
    const again = await DurableStore.open(dir);
    expect(again.load()).toEqual(expected);
    await again.close();
  });

  it('a snapshot encoded piece by piece while it was written is stored as the same text', async () => {
    const dir = tempDir();
    const store = await DurableStore.open(dir);
    await store.persist({ entries: records(1, 3) });
    const pieces = ['{"rooms":[', '"é€𝄞"', ',"b"', ']}'];
    const encoder = store.snapshotEncoder();
    let body = '';
    for (const piece of pieces) {
      encoder.piece(piece);
      body += piece;
    }
    const header = 'QCHAT-SNAPSHOT 2 0000000000000000\n';
    const text = header + body;
    encoder.done(3, header, text);
    await store.persist({ entries: [], snapshot: { index: 3, data: text }, discardThrough: 3 });
    await store.checkpointed();
    expect(store.stats.snapshotsFromPieces).toBe(1); // the prepared bytes were stored, not re-encoded
    await store.close();
    const again = await DurableStore.open(dir);
    expect(again.load().snapshot).toEqual({ index: 3, data: text });
    // A prepared encoding of another string is not used for this one.
    const other = again.snapshotEncoder();
    other.piece('something else');
    other.done(3, header, `${header}something else`);
    await again.persist({
      entries: [],
      snapshot: { index: 3, data: text.replace('é', 'e') },
      discardThrough: 3,
    });
    await again.checkpointed();
    expect(again.stats.snapshotsFromPieces).toBe(0);
    await again.close();
    const third = await DurableStore.open(dir);
    expect(third.load().snapshot).toEqual({ index: 3, data: text.replace('é', 'e') });
    await third.close();
  });

  it('a crash before the checkpoint commits keeps the previous snapshot and the whole log', async () => {
    const dir = tempDir();
    const store = await DurableStore.open(dir);
    await store.persist({ promised: ballot(1), entries: records(1, 20), committed: 20 });
    // The crash image, built without racing LMDB's write thread: the data file as it was before
    // the checkpoint, and both WAL files as they are after the appends that follow it (the
    // checkpoint does not touch them: the old generation's file is only reused by the next one).
    const crashed = tempDir();
    cpSync(dir, crashed, { recursive: true });
    await store.persist({ entries: records(21, 21), snapshot: snapshot(15), discardThrough: 15 });
    await store.persist({ entries: records(22, 22), committed: 22 });
    await store.checkpointed();
    for (const name of WAL_FILES) cpSync(path.join(dir, name), path.join(crashed, name));
    await store.close();
    const reopened = await DurableStore.open(crashed);
    expect(reopened.load()).toEqual({
      ...VOTER,
      promised: ballot(1),
      entries: records(1, 22),
      committed: 22,
      snapshot: null,
    });
    await reopened.close();
  });

  it('replays discards and rewrites in their order (a discard, then a record below it written again)', async () => {
    const dir = tempDir();
    const store = await DurableStore.open(dir);
    await store.persist({ entries: records(1, 10) });
    await store.persist({ entries: [], discardThrough: 5 });
    await store.persist({ entries: [record(3, 4)] });
    const expected = [record(3, 4), ...records(6, 10)];
    expect(store.load().entries).toEqual(expected);
    await store.close();
    const again = await DurableStore.open(dir);
    expect(again.load().entries).toEqual(expected);
    await again.close();
    const third = await DurableStore.open(dir);
    expect(third.load().entries).toEqual(expected);
    await third.close();
  });

  it('a frame that would not fit the log is written by a checkpoint instead', async () => {
    const dir = tempDir();
    const store = await DurableStore.open(dir, { walMaxBytes: 1 << 20 });
    const big = (slot: number) => ({ ...record(slot), value: valueFor(slot, 'y'.repeat(2000)) });
    const expected = [];
    for (let slot = 1; slot <= 1200; slot += 100) {
      const batch = Array.from({ length: 100 }, (_, i) => big(slot + i));
      expected.push(...batch);
      await store.persist({ entries: batch, committed: slot });
    }
    expect(store.stats.checkpoints).toBeGreaterThan(0);
    expect(store.stats.walAppends).toBeGreaterThan(0);
    await store.close();
    const again = await DurableStore.open(dir, { walMaxBytes: 1 << 20 });
    expect(again.load()).toEqual({
      ...VOTER,
      promised: ballot(0, 0),
      entries: expected,
      committed: 1101,
      snapshot: null,
    });
    await again.close();
  });

  it('a second checkpoint waits for the first, and the persists after it wait too, in call order', async () => {
    const dir = tempDir();
    const store = await DurableStore.open(dir);
    await store.persist({ entries: records(1, 5) });
    const order: string[] = [];
    const calls = [
      store
        .persist({ entries: [], snapshot: snapshot(2), discardThrough: 2 })
        .then(() => order.push('snap 2')),
      store.persist({ entries: records(6, 6) }).then(() => order.push('6')),
      store
        .persist({ entries: [], snapshot: snapshot(4), discardThrough: 4 })
        .then(() => order.push('snap 4')),
      store.persist({ entries: records(7, 7), committed: 7 }).then(() => order.push('7')),
    ];
    // The first two are appended at once; the second snapshot waits for the first checkpoint.
    expect(store.stats.walAppends).toBe(3);
    await Promise.all(calls);
    expect(order).toEqual(['snap 2', '6', 'snap 4', '7']);
    await store.checkpointed();
    expect(store.stats).toMatchObject({ walAppends: 5, checkpoints: 2 });
    const expected = {
      ...VOTER,
      promised: ballot(0, 0),
      entries: records(5, 7),
      committed: 7,
      snapshot: snapshot(4),
    };
    expect(store.load()).toEqual(expected);
    await store.close();
    const again = await DurableStore.open(dir);
    expect(again.load()).toEqual(expected);
    await again.close();
  });

  it('random damage to the log is refused, or costs at most its last frame, never served', async () => {
    const dir = tempDir();
    const store = await DurableStore.open(dir);
    const states = [];
    for (let i = 0; i < 8; i++) {
      await store.persist({
        promised: ballot(i + 1),
        entries: records(i * 10 + 1, i * 10 + 10),
        committed: i * 10,
      });
      states.push(store.load());
    }
    await store.close();
    // Opening folds the log into LMDB, so every trial starts from a copy of the closed store.
    const pristineDir = tempDir();
    cpSync(dir, pristineDir, { recursive: true });
    const file = path.join(dir, WAL_FILES[1]); // a new store's generation is 1
    const pristine = readFileSync(file);
    const used = pristine.indexOf(Buffer.alloc(64)); // the zero fill after the last frame
    let seed = 0x51ed;
    const random = () => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed / 2 ** 32;
    };
    const outcomes = { intact: 0, lastFrameLost: 0, refused: 0 };
    for (let trial = 0; trial < 16; trial++) {
      rmSync(dir, { recursive: true, force: true });
      cpSync(pristineDir, dir, { recursive: true });
      const damaged = Buffer.from(pristine);
      const at = Math.floor(random() * used);
      damaged[at] = (damaged[at] ?? 0) ^ (1 + Math.floor(random() * 255));
      writeFileSync(file, damaged);
      try {
        const reopened = await DurableStore.open(dir);
        const state = reopened.load();
        await reopened.close();
        if (JSON.stringify(state) === JSON.stringify(states[7])) outcomes.intact++;
        else {
          // Damage to the last frame looks like a write cut short by a crash (see wal.ts).
          expect(state, `damage at byte ${at} of ${used}`).toEqual(states[6]);
          outcomes.lastFrameLost++;
        }
      } catch (error) {
        expect(error, `damage at byte ${at}`).toBeInstanceOf(StoreCorruptError);
        outcomes.refused++;
      }
    }
    expect(outcomes.refused).toBeGreaterThan(0);
  });
});
