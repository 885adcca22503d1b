import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { open as openLmdb } from 'lmdb';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeFormat, LEGACY_IDENTITY, MetaKey } from '../../src/storage/codec.js';
import {
  DurableStore,
  InvalidDeltaError,
  MANIFEST_FILE,
  STORE_VERSION,
  StoreCorruptError,
  StoreExistsError,
  StoreFormatError,
} from '../../src/storage/index.js';
import { ballot, records, removeTempDirs, tempDir } from './helpers.js';

afterEach(removeTempDirs);

const RECOVERING = { clusterId: null, replicaId: 3, incarnation: 1_765_000_000_000, recovering: true };

/** Rewrites a closed store's meta records with `edit`, in one LMDB transaction. */
async function editMeta(
  dir: string,
  edit: (meta: { put(k: Buffer, v: Buffer): unknown; remove(k: Buffer): unknown }) => void,
) {
  const env = openLmdb({ path: dir, maxDbs: 4, overlappingSync: false });
  const meta = env.openDB<Buffer, Buffer>({ name: 'meta', encoding: 'binary', keyEncoding: 'binary' });
  await env.transaction(() => {
    edit({ put: (k, v) => meta.putSync(k, v), remove: (k) => meta.removeSync(k) });
  });
  await env.close();
}

describe('the store identity', () => {
  it('init makes a voter of the cluster, and refuses a directory that holds a store or anything else', async () => {
    const dir = path.join(tempDir(), 'server-1');
    const identity = { clusterId: 'c0ffee-1', replicaId: 1, incarnation: 0, recovering: false };
    const store = await DurableStore.init(dir, identity);
    expect(store.identity).toEqual(identity);
    expect(store.created).toBe(true);
    expect(store.load()).toMatchObject({ incarnation: 0, recovering: false, incarnations: [] });
    await store.persist({ promised: ballot(2), entries: records(1, 3, 2) });
    await store.close();

    await expect(DurableStore.init(dir, { ...identity, clusterId: 'other' })).rejects.toThrow(
      StoreExistsError,
    );
    const reopened = await DurableStore.open(dir, { newStore: RECOVERING });
    expect(reopened.created).toBe(false);
    expect(reopened.identity).toEqual(identity); // an existing store keeps what it is
    expect(reopened.load().entries).toEqual(records(1, 3, 2));
    await reopened.close();

    const other = tempDir();
    writeFileSync(path.join(other, 'notes.txt'), 'not a store');
    await expect(DurableStore.init(other, identity)).rejects.toThrow(StoreFormatError);
  });

  it('a store made on an empty directory is recovering until the write that ends recovery, which records the cluster id', async () => {
    const dir = tempDir();
    const store = await DurableStore.open(dir, { newStore: RECOVERING });
    expect(store.created).toBe(true);
    expect(store.identity).toEqual(RECOVERING);
    expect(store.load()).toMatchObject({ incarnation: RECOVERING.incarnation, recovering: true });
    await store.persist({ entries: records(1, 4), committed: 4 });
    await store.close();

    const again = await DurableStore.open(dir);
    expect(again.identity).toEqual(RECOVERING);
    expect(again.load()).toMatchObject({ recovering: true, committed: 4 });
    // The Ready that ends recovery: the promise and records it learned, `recovered`, and the id.
    await again.persist(
      { promised: ballot(7, 2), entries: records(5, 6, 7), recovered: true },
      { clusterId: 'the-cluster' },
    );
    expect(again.identity).toEqual({ ...RECOVERING, recovering: false, clusterId: 'the-cluster' });
    expect(again.load()).toMatchObject({ recovering: false, promised: ballot(7, 2) });
    await again.close();

    // From the WAL (not folded yet when it closed), then from LMDB (folded at that open).
    for (let i = 0; i < 2; i++) {
      const reopened = await DurableStore.open(dir);
      expect(reopened.identity).toEqual({ ...RECOVERING, recovering: false, clusterId: 'the-cluster' });
      expect(reopened.load()).toMatchObject({
        incarnation: RECOVERING.incarnation,
        recovering: false,
        promised: ballot(7, 2),
      });
      await reopened.close();
    }
  });

  it('keeps the highest incarnation per peer, through the WAL, a checkpoint and a reopen', async () => {
    const dir = tempDir();
    const store = await DurableStore.open(dir, { walMaxBytes: 1 << 20 });
    await store.persist({ entries: [], incarnations: [[2, 500]] });
    await store.persist({
      entries: [],
      incarnations: [
        [2, 300],
        [3, 700],
      ],
    });
    expect(store.load().incarnations).toEqual([
      [2, 500],
      [3, 700],
    ]);
    // A snapshot starts a checkpoint: the incarnations go to LMDB with it.
    await store.persist({ entries: [], snapshot: { index: 1, data: 'S' }, discardThrough: 1 });
    await store.checkpointed();
    await store.persist({ entries: [], incarnations: [[1, 900]] });
    await store.close();
    const reopened = await DurableStore.open(dir);
    expect(reopened.load().incarnations).toEqual([
      [1, 900],
      [2, 500],
      [3, 700],
    ]);
    await reopened.close();
  });

  it('never changes a cluster id, and refuses malformed identity fields', async () => {
    const store = await DurableStore.init(tempDir(), {
      clusterId: 'first',
      replicaId: 1,
      incarnation: 0,
      recovering: false,
    });
    await store.persist({ entries: [] }, { clusterId: 'first' }); // the same id: nothing changes
    await expect(store.persist({ entries: [] }, { clusterId: 'second' })).rejects.toThrow(InvalidDeltaError);
    await store.close();
    for (const delta of [
      { entries: [], incarnations: [[0, 1]] },
      { entries: [], incarnations: [[1, -1]] },
      { entries: [], recovered: false },
    ]) {
      const fresh = await DurableStore.open(tempDir());
      await expect(fresh.persist(delta as never)).rejects.toThrow(InvalidDeltaError);
      await fresh.close();
    }
    const fresh = await DurableStore.open(tempDir());
    await expect(fresh.persist({ entries: [] }, { clusterId: 'has space' })).rejects.toThrow(
      InvalidDeltaError,
    );
    await fresh.close();
  });

  it('upgrades a version 3 store in place: a voter of incarnation 0 without a cluster id', async () => {
    const dir = tempDir();
    const store = await DurableStore.open(dir);
    await store.persist({ promised: ballot(4), entries: records(1, 5, 4), committed: 5 });
    await store.close();
    await (await DurableStore.open(dir)).close(); // folds the WAL into LMDB
    // What version 3 left: format record 3, no identity records, manifest version 3.
    await editMeta(dir, (meta) => {
      meta.put(MetaKey.format, encodeFormat({ format: 'quorum-chat/durable-store', version: 3 }));
      meta.remove(MetaKey.identity);
      meta.remove(MetaKey.incarnations);
    });
    const manifest = path.join(dir, MANIFEST_FILE);
    writeFileSync(
      manifest,
      readFileSync(manifest, 'utf8').replace(`"version":${STORE_VERSION}`, '"version":3'),
    );

    const upgraded = await DurableStore.open(dir);
    expect(upgraded.identity).toEqual(LEGACY_IDENTITY);
    expect(upgraded.load()).toEqual({
      promised: ballot(4),
      entries: records(1, 5, 4),
      committed: 5,
      snapshot: null,
      incarnation: 0,
      recovering: false,
      incarnations: [],
    });
    await upgraded.close();
    expect(JSON.parse(readFileSync(manifest, 'utf8')).version).toBe(STORE_VERSION);
  });

  it('a version 4 store whose identity record is gone is corrupt, never taken for a voter', async () => {
    const dir = tempDir();
    const store = await DurableStore.open(dir, { newStore: RECOVERING });
    await store.close();
    await (await DurableStore.open(dir)).close();
    await editMeta(dir, (meta) => meta.remove(MetaKey.identity));
    await expect(DurableStore.open(dir)).rejects.toThrow(StoreCorruptError);
  });

  it('a creation that crashed before it finished is made again, with the identity asked for now', async () => {
    const dir = tempDir();
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, MANIFEST_FILE),
      JSON.stringify({
        format: 'quorum-chat/durable-store',
        version: STORE_VERSION,
        engine: 'lmdb',
        state: 'creating',
      }),
      { mode: 0o600 },
    );
    const store = await DurableStore.init(dir, {
      clusterId: 'x',
      replicaId: 2,
      incarnation: 0,
      recovering: false,
    });
    expect(store.identity.clusterId).toBe('x');
    await store.close();
  });
});
