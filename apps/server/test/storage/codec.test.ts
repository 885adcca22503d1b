import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  CodecError,
  decodeLogRecord,
  decodePromised,
  decodeSnapshot,
  decodeWalDelta,
  encodeLogRecord,
  encodePromised,
  encodeRecord,
  encodeSnapshot,
  encodeSnapshotParts,
  encodeWalDelta,
  MetaKey,
  slotKey,
  slotOfKey,
} from '../../src/storage/codec.js';
import { record } from './helpers.js';

function reframe(key: Buffer, value: Buffer, mutate: (body: Buffer) => Buffer): Buffer {
  // Rebuild a value with a valid checksum around a changed body, to test the shape checks.
  const body = mutate(Buffer.from(value.subarray(6)));
  const header = Buffer.from(value.subarray(0, 6));
  const out = Buffer.concat([header, body]);
  // Recompute the CRC the same way the codec does: over the key, then bytes 4..end.
  out.writeUInt32BE(crc32(out.subarray(4), crc32(key)), 0);
  return out;
}

describe('storage codec', () => {
  it('slot keys sort like slots, up to the largest safe integer', () => {
    const slots = [0, 1, 255, 256, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 3, Number.MAX_SAFE_INTEGER];
    const keys = slots.map(slotKey);
    for (let i = 1; i < keys.length; i++) expect(Buffer.compare(keys[i - 1]!, keys[i]!)).toBe(-1);
    expect(keys.map(slotOfKey)).toEqual(slots);
    expect(() => slotOfKey(Buffer.alloc(7))).toThrow(CodecError);
  });

  it('round-trips records, promises and snapshots', () => {
    const key = slotKey(42);
    expect(decodeLogRecord(key, encodeLogRecord(key, record(42, 3, 2)))).toEqual(record(42, 3, 2));
    expect(decodePromised(encodePromised({ round: 9, node: 65535 }))).toEqual({ round: 9, node: 65535 });
    const snapshot = { index: 2 ** 35, data: 'ünïcødé 🎉' };
    expect(decodeSnapshot(encodeSnapshot(snapshot))).toEqual(snapshot);
  });

  it('refuses a value read under another key, a flipped bit, a cut value', () => {
    const value = encodeLogRecord(slotKey(1), record(1));
    expect(() => decodeLogRecord(slotKey(2), value)).toThrow(/checksum mismatch/);
    for (const at of [0, 4, 5, 6, value.length - 1]) {
      const bad = Buffer.from(value);
      bad[at] = (bad[at] ?? 0) ^ 0x40;
      expect(() => decodeLogRecord(slotKey(1), bad)).toThrow(CodecError);
    }
    expect(() => decodeLogRecord(slotKey(1), value.subarray(0, 4))).toThrow(/shorter than its header/);
    expect(() => decodeLogRecord(slotKey(1), value.subarray(0, value.length - 1))).toThrow(/checksum/);
  });

  it('decodes strictly even when the checksum is right', () => {
    const key = slotKey(5);
    const value = encodeLogRecord(key, record(5));
    const withJson = (edit: (x: Record<string, unknown>) => unknown) =>
      reframe(key, value, (body) => Buffer.from(JSON.stringify(edit(JSON.parse(body.toString('utf8'))))));
    const cases: Buffer[] = [
      withJson((x) => ({ ...x, extra: 1 })),
      withJson((x) => ({ ballot: x.ballot })),
      withJson((x) => ({ ...x, ballot: { round: -1, node: 1 } })),
      withJson((x) => ({ ...x, ballot: { round: 1, node: 70000 } })),
      withJson((x) => ({ ...x, value: { commands: [{ op: 'post' }] } })),
      withJson((x) => ({ ...x, value: { commands: [], more: true } })),
      withJson(() => [1, 2]),
      reframe(key, value, () => Buffer.from([0xff, 0xfe])),
      reframe(key, value, () => Buffer.from('{"ballot":')),
    ];
    for (const bad of cases) expect(() => decodeLogRecord(key, bad)).toThrow(CodecError);
    const wrongKind = reframe(key, value, (b) => b);
    wrongKind[5] = 2;
    expect(() =>
      decodeLogRecord(
        key,
        reframe(key, wrongKind, (b) => b),
      ),
    ).toThrow(/wrong record kind/);
    const wrongVersion = Buffer.from(value);
    wrongVersion[4] = 9;
    expect(() =>
      decodeLogRecord(
        key,
        reframe(key, wrongVersion, (b) => b),
      ),
    ).toThrow(/unknown record version/);
    expect(() => decodePromised(encodePromised({ round: 1, node: 1 }).fill(0, 6))).toThrow(CodecError);
    expect(MetaKey.promised.toString()).toBe('promised');
  });
});

describe('WAL frames', () => {
  const delta = {
    promised: { round: 2 ** 40, node: 3 },
    entries: [record(7), record(2 ** 33)].map(encodeRecord),
    committed: 6,
    discardThrough: 5,
  };

  it('round-trip every field, with each record exactly as LMDB stores it', () => {
    const decoded = decodeWalDelta(encodeWalDelta(delta));
    expect(decoded).toEqual(delta);
    expect(decodeWalDelta(encodeWalDelta({ entries: [] }))).toEqual({ entries: [] });
    // With headroom for the WAL frame header: the same bytes after it.
    expect(encodeWalDelta(delta, 12).subarray(12)).toEqual(encodeWalDelta(delta));
  });

  it('a frame cut short, too long, of another version or with a damaged record is refused', () => {
    const bytes = encodeWalDelta(delta);
    expect(() => decodeWalDelta(bytes.subarray(0, bytes.length - 1))).toThrow(CodecError);
    expect(() => decodeWalDelta(Buffer.concat([bytes, Buffer.of(0)]))).toThrow(/longer than its contents/);
    expect(() => decodeWalDelta(Buffer.concat([Buffer.of(9), bytes.subarray(1)]))).toThrow(/version/);
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 3] = (flipped[flipped.length - 3] ?? 0) ^ 1; // inside the last record
    expect(() => decodeWalDelta(flipped)).toThrow(/checksum/);
    const badSlot = Buffer.from(bytes);
    badSlot.writeDoubleBE(0.5, 2 + 10 + 8); // the discard mark
    expect(() => decodeWalDelta(badSlot)).toThrow(/discard mark/);
  });

  it("round-trip the identity changes (version 4): recovered, peers' incarnations, the cluster id", () => {
    const withIdentity = {
      ...delta,
      recovered: true as const,
      incarnations: [
        [2, 1_765_000_000_123],
        [3, 0],
      ] as [number, number][],
      clusterId: '3f1c-cluster.id_9',
    };
    expect(decodeWalDelta(encodeWalDelta(withIdentity))).toEqual(withIdentity);
    const alone = { entries: [], recovered: true as const };
    expect(decodeWalDelta(encodeWalDelta(alone))).toEqual(alone);
    // A frame of the previous version (none of these flags) reads as it did.
    expect(decodeWalDelta(encodeWalDelta(delta))).not.toHaveProperty('recovered');
    // A malformed cluster id in a frame whose checksum passed is a format error, not trusted.
    const bad = encodeWalDelta({ entries: [], clusterId: 'ok' });
    bad.write('-', 2 + 2, 'latin1');
    expect(() => decodeWalDelta(bad)).toThrow(/cluster id/);
    // An unknown flag is refused.
    const unknown = encodeWalDelta({ entries: [] });
    unknown[1] = 64;
    expect(() => decodeWalDelta(unknown)).toThrow(/flags/);
  });
});

describe('a snapshot encoded in pieces', () => {
  it('is byte for byte the snapshot encoded at once', () => {
    const pieces = ['QCHAT-SNAPSHOT 2 0123456789abcdef\n', '{"a":"héllo €𝄞"', ',"b":[1,2,3]', '}'];
    const parts = pieces.map((piece) => Buffer.from(piece, 'utf8'));
    const whole = encodeSnapshot({ index: 2 ** 33 + 5, data: pieces.join('') });
    expect(encodeSnapshotParts(2 ** 33 + 5, parts)).toEqual(whole);
    expect(decodeSnapshot(whole)).toEqual({ index: 2 ** 33 + 5, data: pieces.join('') });
  });
});
