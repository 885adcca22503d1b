import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  encodeFrame,
  WAL_CHUNK_BYTES,
  WAL_FILES,
  WAL_HEADER_BYTES,
  Wal,
  WalCorruptError,
} from '../../src/storage/wal.js';
import { removeTempDirs, tempDir } from './helpers.js';

afterEach(removeTempDirs);

const payload = (i: number, size = 40) => Buffer.from(`frame-${i}:`.padEnd(size, 'x'));
/** A payload with the header's room in front, as append() takes it. */
const framed = (i: number, size = 40) => Buffer.concat([Buffer.alloc(WAL_HEADER_BYTES), payload(i, size)]);
const texts = (frames: readonly Buffer[]) => frames.map((f) => f.toString());

/** A log in `dir` with frames 0..n-1 appended in generation 1; closed. */
function written(dir: string, n: number, size = 40): void {
  const wal = Wal.open(dir);
  wal.replay(1);
  for (let i = 0; i < n; i++) wal.append(framed(i, size));
  wal.close();
}

function reopened(dir: string, generation = 1): string[] {
  const wal = Wal.open(dir);
  try {
    return texts(wal.replay(generation));
  } finally {
    wal.close();
  }
}

describe('Wal', () => {
  it('reads back what it appended, in order, and preallocates in whole chunks', () => {
    const dir = tempDir();
    written(dir, 50);
    expect(statSync(path.join(dir, WAL_FILES[0])).size).toBe(WAL_CHUNK_BYTES);
    expect(reopened(dir)).toEqual(texts(Array.from({ length: 50 }, (_, i) => payload(i))));
  });

  it('appends after the frames it replayed', () => {
    const dir = tempDir();
    written(dir, 3);
    const wal = Wal.open(dir);
    expect(wal.replay(1)).toHaveLength(3);
    wal.append(framed(3));
    wal.close();
    expect(reopened(dir)).toEqual(texts([0, 1, 2, 3].map((i) => payload(i))));
  });

  it('grows the file with zeros as appends need it, up to its limit', () => {
    const dir = tempDir();
    const wal = Wal.open(dir, { maxBytes: 3 * WAL_CHUNK_BYTES });
    wal.replay(1);
    const big = 200_000;
    let appended = 0;
    while (wal.fits(WAL_HEADER_BYTES + big)) {
      wal.append(framed(appended++, big));
    }
    expect(appended).toBe(15); // 15 frames of 200,012 bytes fit in 3 MiB, a 16th does not
    expect(() => wal.append(framed(99, big))).toThrow(RangeError);
    wal.close();
    expect(statSync(path.join(dir, WAL_FILES[0])).size).toBe(3 * WAL_CHUNK_BYTES);
    expect(reopened(dir)).toHaveLength(15);
  });

  it('a restarted generation starts empty and hides the older frames it has not overwritten', () => {
    const dir = tempDir();
    written(dir, 10);
    const wal = Wal.open(dir);
    wal.replay(1);
    wal.restart(2);
    wal.append(framed(100));
    wal.close();
    expect(reopened(dir, 2)).toEqual([payload(100).toString()]);
    const again = Wal.open(dir);
    again.replay(2);
    expect(() => again.restart(1)).toThrow(RangeError);
    again.append(framed(101));
    expect(() => again.restart(2)).toThrow(RangeError);
    again.close();
  });

  it('a torn last frame (a write cut short) is dropped, with everything before it kept', () => {
    const dir = tempDir();
    written(dir, 5);
    const file = path.join(dir, WAL_FILES[0]);
    const frameBytes = encodeFrame(1, payload(0)).byteLength;
    // A sixth frame whose write stopped halfway: its header and part of its payload.
    const bytes = readFileSync(file);
    encodeFrame(1, payload(5))
      .subarray(0, 20)
      .copy(bytes, 5 * frameBytes);
    writeFileSync(file, bytes);
    expect(reopened(dir)).toEqual(texts([0, 1, 2, 3, 4].map((i) => payload(i))));
  });

  it('a damaged frame with valid frames after it is corruption, not a tail', () => {
    const dir = tempDir();
    written(dir, 5);
    const file = path.join(dir, WAL_FILES[0]);
    const frameBytes = encodeFrame(1, payload(0)).byteLength;
    for (const at of [2 * frameBytes + 20, 2 * frameBytes + 5]) {
      // a payload byte, then a length byte
      const bytes = readFileSync(file);
      const pristine = Buffer.from(bytes);
      bytes[at] = (bytes[at] ?? 0) ^ 0x40;
      writeFileSync(file, bytes);
      const wal = Wal.open(dir);
      expect(() => wal.replay(1)).toThrow(WalCorruptError);
      wal.close();
      writeFileSync(file, pristine);
    }
  });

  it('rejects generations outside [1, 2^32) and appends before replay', () => {
    const dir = tempDir();
    const wal = Wal.open(dir);
    expect(() => wal.append(framed(0))).toThrow(/replay/);
    expect(() => wal.replay(0)).toThrow(RangeError);
    expect(() => wal.replay(2 ** 32)).toThrow(RangeError);
    wal.close();
    expect(() => Wal.open(dir, { maxBytes: 1000 })).toThrow(RangeError);
  });
});
