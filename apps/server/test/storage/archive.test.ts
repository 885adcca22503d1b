import type { ChatMessage } from '@quorum/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { archiveKey, decodeArchived, encodeArchived } from '../../src/storage/codec.js';
import { DurableStore, StoreCorruptError } from '../../src/storage/index.js';
import { removeTempDirs, tempDir } from './helpers.js';

afterEach(removeTempDirs);

function message(room: string, position: number): ChatMessage {
  return {
    room,
    position,
    author: 'ann',
    text: `ARCHIVED ${room} #${position}`,
    ts: 1_700_000_000_000 + position,
    reactions: [],
  };
}

const range = (room: string, from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => message(room, from + i));

describe('the message archive', () => {
  it('keeps messages per room in position order, with a watermark that stops at the first hole', async () => {
    const dir = tempDir();
    const store = await DurableStore.open(dir);
    await store.archive(range('lobby', 1, 4));
    await store.archive(range('lobby', 7, 9)); // a hole at 4..6, as after a snapshot install
    await store.archive(range('lobbyist', 1, 3)); // a room whose name extends another's
    expect(store.archiveThrough('lobby')).toBe(3);
    expect(store.archiveThrough('lobbyist')).toBe(2);
    expect(store.archiveThrough('nowhere')).toBe(0);
    expect(store.readArchive('lobby', 1, 4).map((m) => m.position)).toEqual([1, 2, 3]);
    // A read stops short at a hole rather than skip it.
    expect(store.readArchive('lobby', 2, 9).map((m) => m.position)).toEqual([2, 3]);
    expect(store.readArchive('lobby', 7, 9).map((m) => m.text)).toEqual([
      'ARCHIVED lobby #7',
      'ARCHIVED lobby #8',
    ]);
    expect(store.readArchive('lobbyist', 1, 100)).toEqual(range('lobbyist', 1, 3));

    // Filling the hole moves the watermark over everything now present; writing again is harmless.
    await store.archive(range('lobby', 4, 7));
    await store.archive(range('lobby', 2, 5));
    expect(store.archiveThrough('lobby')).toBe(8);
    await store.close();

    const reopened = await DurableStore.open(dir);
    expect(reopened.archiveThrough('lobby')).toBe(8);
    expect(reopened.readArchive('lobby', 1, 9)).toEqual(range('lobby', 1, 9));
    await reopened.close();
  });

  it('detects a damaged archived record on read', async () => {
    const dir = tempDir();
    const store = await DurableStore.open(dir);
    await store.archive(range('lobby', 1, 3));
    // Damage the stored value through LMDB itself (same key, bytes changed), then read it back.
    const raw = (
      store as unknown as { archiveDb: { getBinary(k: Buffer): Buffer; putSync(k: Buffer, v: Buffer): void } }
    ).archiveDb;
    const key = archiveKey('lobby', 2);
    const value = Buffer.from(raw.getBinary(key));
    const at = value.length - 3;
    value.writeUInt8(value.readUInt8(at) ^ 0x20, at);
    raw.putSync(key, value);
    expect(() => store.readArchive('lobby', 1, 3)).toThrow(StoreCorruptError);
    await store.close();
  });

  it("reads a message the previous build archived with its author's clientId and seq, without them", () => {
    const key = archiveKey('lobby', 5);
    const old = { ...message('lobby', 5), clientId: 'client-ann-1', seq: 9 };
    const stored = encodeArchived(key, old as ChatMessage);
    expect(decodeArchived(key, stored)).toEqual(message('lobby', 5));
  });
});
