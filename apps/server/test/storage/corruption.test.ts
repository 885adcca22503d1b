import { readFileSync, writeFileSync } from 'node:fs';
import { readFile, rm, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { open as openLmdb } from 'lmdb';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeLogRecord, slotKey } from '../../src/storage/codec.js';
import {
  DATA_FILE,
  type DurableState,
  DurableStore,
  MANIFEST_FILE,
  STORE_VERSION,
  StoreCorruptError,
  StoreError,
  StoreFormatError,
} from '../../src/storage/index.js';
import { record, records, removeTempDirs, tempDir } from './helpers.js';

afterEach(removeTempDirs);

/** A closed store with 400 records, a 200 kB snapshot and a promise; returns its state. */
async function populated(dir: string): Promise<DurableState> {
  const store = await DurableStore.open(dir);
  await store.persist({ promised: { round: 3, node: 2 }, entries: records(1, 250, 3), committed: 240 });
  await store.persist({
    entries: records(251, 400, 3),
    snapshot: { index: 100, data: `SNAPSHOT${'s'.repeat(200_000)}` },
    discardThrough: 50,
  });
  const state = store.load();
  await store.close();
  // Reopening folds the write-ahead log into LMDB: every record is then in the data file.
  const folded = await DurableStore.open(dir);
  expect(folded.load()).toEqual(state);
  await folded.close();
  return state;
}

/** Every offset of `marker` in the data file (live and stale copies alike). */
function offsetsOf(file: string, marker: string): number[] {
  const bytes = readFileSync(file);
  const needle = Buffer.from(marker);
  const found: number[] = [];
  for (let at = bytes.indexOf(needle); at >= 0; at = bytes.indexOf(needle, at + 1)) found.push(at);
  return found;
}

function flipAt(file: string, offsets: readonly number[], delta = 0x01): void {
  const bytes = readFileSync(file);
  for (const at of offsets) bytes[at] = (bytes[at] ?? 0) ^ delta;
  writeFileSync(file, bytes);
}

describe('corruption is refused at open with a typed error', () => {
  it('a flipped bit inside a log value fails its checksum', async () => {
    const dir = tempDir();
    await populated(dir);
    const file = path.join(dir, DATA_FILE);
    const hits = offsetsOf(file, 'MARK300:');
    expect(hits.length).toBeGreaterThan(0);
    flipAt(
      file,
      hits.map((at) => at + 10),
    );
    const failure = await DurableStore.open(dir).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StoreCorruptError);
    expect(failure).toMatchObject({
      code: 'corrupt',
      message: expect.stringMatching(/checksum mismatch in log slot 300/),
    });
  });

  it('a flipped bit inside the snapshot fails its checksum', async () => {
    const dir = tempDir();
    await populated(dir);
    const file = path.join(dir, DATA_FILE);
    const hits = offsetsOf(file, 'SNAPSHOT');
    expect(hits.length).toBeGreaterThan(0);
    flipAt(
      file,
      hits.map((at) => at + 150_000),
      0x20,
    );
    await expect(DurableStore.open(dir)).rejects.toThrow(/checksum mismatch in key "snapshot"/);
  });

  it.each([0.5, 0.1])('a data file truncated to %s of its size', async (fraction) => {
    const dir = tempDir();
    await populated(dir);
    const file = path.join(dir, DATA_FILE);
    const size = readFileSync(file).byteLength;
    await truncate(file, Math.floor((size * fraction) / 4096) * 4096);
    await expect(DurableStore.open(dir)).rejects.toBeInstanceOf(StoreCorruptError);
  });

  it('a data file cut down to its meta pages or below', async () => {
    for (const size of [8192, 4096, 100]) {
      const dir = tempDir();
      await populated(dir);
      await truncate(path.join(dir, DATA_FILE), size);
      await expect(DurableStore.open(dir)).rejects.toBeInstanceOf(StoreCorruptError);
    }
  });

  it('a data file that is empty or gone, while the manifest says the store holds data', async () => {
    const dir = tempDir();
    await populated(dir);
    await truncate(path.join(dir, DATA_FILE), 0);
    await expect(DurableStore.open(dir)).rejects.toThrow(/missing or empty/);
    await rm(path.join(dir, DATA_FILE));
    await expect(DurableStore.open(dir)).rejects.toBeInstanceOf(StoreCorruptError);
  });

  it('a record that vanished is caught by the log summary', async () => {
    const dir = tempDir();
    await populated(dir);
    // Remove one record behind the store's back, through LMDB itself: every remaining value is
    // intact, only the count and the CRC aggregate can tell.
    const env = openLmdb({ path: dir, maxDbs: 4, overlappingSync: false });
    const log = env.openDB<Buffer, Buffer>({ name: 'log', encoding: 'binary', keyEncoding: 'binary' });
    await log.remove(slotKey(77));
    await env.close();
    await expect(DurableStore.open(dir)).rejects.toThrow(
      /does not match its summary: 349 records found, 350 written/,
    );
  });

  it('a value moved to another slot fails its checksum, which covers the key', async () => {
    const dir = tempDir();
    await populated(dir);
    const env = openLmdb({ path: dir, maxDbs: 4, overlappingSync: false });
    const log = env.openDB<Buffer, Buffer>({ name: 'log', encoding: 'binary', keyEncoding: 'binary' });
    const a = log.getBinary(slotKey(60));
    const b = log.getBinary(slotKey(61));
    if (a === undefined || b === undefined) throw new Error('records missing');
    await log.put(slotKey(60), Buffer.from(b));
    await log.put(slotKey(61), Buffer.from(a));
    await env.close();
    await expect(DurableStore.open(dir)).rejects.toThrow(/checksum mismatch in log slot 60/);
  });

  it('a well-checksummed record of the wrong shape is a format error', async () => {
    const dir = tempDir();
    await populated(dir);
    const env = openLmdb({ path: dir, maxDbs: 4, overlappingSync: false });
    const log = env.openDB<Buffer, Buffer>({ name: 'log', encoding: 'binary', keyEncoding: 'binary' });
    const bad = { ...record(70), value: { commands: [{ op: 'post', text: 'no fields' }] } } as never;
    await log.put(slotKey(70), encodeLogRecord(slotKey(70), bad));
    await env.close();
    await expect(DurableStore.open(dir)).rejects.toBeInstanceOf(StoreFormatError);
  });

  it('a manifest that is damaged, foreign or from another version', async () => {
    const dir = tempDir();
    await populated(dir);
    const manifest = path.join(dir, MANIFEST_FILE);
    const good = await readFile(manifest, 'utf8');
    for (const text of [
      '{"format":"quorum-chat/durable-store","vers',
      good.replace(`"version":${STORE_VERSION}`, '"version":1'),
      good.replace(`"version":${STORE_VERSION}`, `"version":${STORE_VERSION + 1}`),
      good.replace('quorum-chat/durable-store', 'someone-else'),
      good.replace('"state":"ready"', '"state":"ready","extra":1'),
    ]) {
      await writeFile(manifest, text);
      await expect(DurableStore.open(dir)).rejects.toBeInstanceOf(StoreFormatError);
    }
    await rm(manifest);
    await expect(DurableStore.open(dir)).rejects.toThrow(/no quorum-store.json but is not empty/);
  });

  // STORE_FUZZ_TRIALS / STORE_FUZZ_SEED run a longer or different campaign by hand.
  const trials = Number(process.env.STORE_FUZZ_TRIALS ?? 12);
  const firstSeed = Number(process.env.STORE_FUZZ_SEED ?? 0x2f6b1d);

  it(
    'random byte damage either leaves the data intact or is refused, never served',
    async () => {
      const dir = tempDir();
      const original = await populated(dir);
      const file = path.join(dir, DATA_FILE);
      const pristine = readFileSync(file);
      // A small deterministic PRNG: the test is reproducible.
      let seed = firstSeed;
      const random = () => {
        seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
        return seed / 2 ** 32;
      };
      const outcomes = { intact: 0, refused: 0 };
      for (let trial = 0; trial < trials; trial++) {
        const damaged = Buffer.from(pristine);
        // Half of the trials hit page headers and node tables (the start of a page), half anywhere.
        const page = Math.floor(random() * (damaged.byteLength / 4096));
        const at =
          trial % 2 === 0
            ? page * 4096 + Math.floor(random() * 64)
            : Math.floor(random() * damaged.byteLength);
        damaged[at] = (damaged[at] ?? 0) ^ (1 + Math.floor(random() * 255));
        writeFileSync(file, damaged);
        try {
          const store = await DurableStore.open(dir);
          try {
            expect(store.load(), `damage at byte ${at} changed what the store serves`).toEqual(original);
          } finally {
            await store.close();
          }
          outcomes.intact++;
        } catch (error) {
          expect(error, `damage at byte ${at}`).toBeInstanceOf(StoreError);
          outcomes.refused++;
        }
      }
      if (process.env.STORE_FUZZ_TRIALS) console.log('random damage outcomes', outcomes);
      expect(outcomes.intact + outcomes.refused).toBe(trials);
      expect(outcomes.refused).toBeGreaterThan(0);
    },
    20_000 + trials * 1000,
  );
});
