import { crc32 } from 'node:zlib';
import {
  type Ballot,
  ChatMessage,
  CLUSTER_ID_PATTERN,
  commands,
  MAX_BATCH_COMMANDS,
  type PaxosValue,
} from '@quorum/protocol';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { LogRecord, PeerIncarnation, SnapshotData } from './types.js';

/*
 * On-disk encoding of every value the store keeps (format version 1).
 *
 *   bytes 0..3   CRC-32 (big-endian) of: the record's KEY, then bytes 4..end of the value
 *   byte  4      record format version (1)
 *   byte  5      kind (see Kind)
 *   bytes 6..    body: UTF-8 JSON, except the snapshot (index as two uint32 BE, then UTF-8 text)
 *
 * The checksum covers the key, so a value that lands under another key (a misdirected write,
 * a damaged B-tree) fails it just like a flipped bit does. Decoding is strict: a checksum
 * mismatch, an unknown version or kind, invalid UTF-8, a JSON shape with missing or extra
 * fields, or a Paxos value that does not validate against the protocol schema all throw.
 */

export const RECORD_VERSION = 1;
const HEADER_BYTES = 6;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

export const Kind = {
  format: 1,
  promised: 2,
  committed: 3,
  snapshot: 4,
  summary: 5,
  log: 6,
  archived: 7,
  archiveThrough: 8,
  walGeneration: 9,
  identity: 10,
  incarnations: 11,
} as const;
export type Kind = (typeof Kind)[keyof typeof Kind];

/** Why a value failed to decode: `corrupt` (checksum, framing) or `format` (checksummed but wrong shape). */
export class CodecError extends Error {
  constructor(
    readonly kind: 'corrupt' | 'format',
    message: string,
  ) {
    super(message);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

// ---- keys ----

/** Keys of the `meta` database. */
export const MetaKey = {
  format: Buffer.from('format'),
  promised: Buffer.from('promised'),
  committed: Buffer.from('committed'),
  snapshot: Buffer.from('snapshot'),
  summary: Buffer.from('summary'),
  /** The generation of the write-ahead log whose frames are not yet folded in (see wal.ts). */
  walGeneration: Buffer.from('walGeneration'),
  /** What the store is: its cluster, its server, its incarnation, whether it is recovering. */
  identity: Buffer.from('identity'),
  /** Peers' incarnations learned from their recovery requests (see PersistDelta.incarnations). */
  incarnations: Buffer.from('incarnations'),
} as const;

function isUint(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= MAX_SAFE;
}

/** A slot as an 8-byte big-endian key, so that LMDB's byte order is slot order. */
export function slotKey(slot: number): Buffer {
  const key = Buffer.allocUnsafe(8);
  key.writeUInt32BE(Math.floor(slot / 2 ** 32), 0);
  key.writeUInt32BE(slot >>> 0, 4);
  return key;
}

export function slotOfKey(key: Uint8Array): number {
  if (key.byteLength !== 8) throw new CodecError('corrupt', `log key of ${key.byteLength} bytes`);
  const view = Buffer.from(key.buffer, key.byteOffset, 8);
  const hi = view.readUInt32BE(0);
  if (hi > 0x1fffff) throw new CodecError('corrupt', 'log key beyond the safe integer range');
  return hi * 2 ** 32 + view.readUInt32BE(4);
}

// ---- framing ----

function checksum(key: Uint8Array, value: Uint8Array): number {
  return crc32(value.subarray(4), crc32(key));
}

/** frame() of a JSON value, written straight into place (one allocation, no copy of the body). */
function frameJson(key: Uint8Array, kind: Kind, value: unknown): Buffer {
  const text = JSON.stringify(value);
  const out = Buffer.allocUnsafe(HEADER_BYTES + Buffer.byteLength(text, 'utf8'));
  out[4] = RECORD_VERSION;
  out[5] = kind;
  out.write(text, HEADER_BYTES, 'utf8');
  out.writeUInt32BE(checksum(key, out), 0);
  return out;
}

function frame(key: Uint8Array, kind: Kind, body: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(HEADER_BYTES + body.byteLength);
  out[4] = RECORD_VERSION;
  out[5] = kind;
  out.set(body, HEADER_BYTES);
  out.writeUInt32BE(checksum(key, out), 0);
  return out;
}

/** The CRC a framed value carries (what the log summary aggregates). */
export function storedChecksum(value: Uint8Array): number {
  if (value.byteLength < HEADER_BYTES) throw new CodecError('corrupt', 'value shorter than its header');
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength).readUInt32BE(0);
}

/** Checks a framed value and returns its body. */
export function unframe(key: Uint8Array, value: Uint8Array, kind: Kind): Uint8Array {
  const stored = storedChecksum(value);
  if (checksum(key, value) !== stored) {
    throw new CodecError('corrupt', `checksum mismatch in ${describeKey(key)}`);
  }
  if (value[4] !== RECORD_VERSION) {
    throw new CodecError('format', `unknown record version ${value[4]} in ${describeKey(key)}`);
  }
  if (value[5] !== kind)
    throw new CodecError('corrupt', `wrong record kind ${value[5]} in ${describeKey(key)}`);
  return value.subarray(HEADER_BYTES);
}

function describeKey(key: Uint8Array): string {
  if (key.byteLength === 8 && key[0] === 0) {
    try {
      return `log slot ${slotOfKey(key)}`;
    } catch {
      // fall through
    }
  }
  return `key "${Buffer.from(key).toString('latin1')}"`;
}

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

function parse(body: Uint8Array, what: string): unknown {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw new CodecError('corrupt', `${what}: invalid UTF-8`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new CodecError('corrupt', `${what}: invalid JSON`);
  }
}

// ---- strict shapes ----

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function exactKeys(x: Record<string, unknown>, keys: readonly string[], what: string): void {
  const have = Object.keys(x);
  if (have.length !== keys.length || !keys.every((k) => Object.hasOwn(x, k))) {
    throw new CodecError('format', `${what}: expected fields ${keys.join(', ')}, found ${have.join(', ')}`);
  }
}

export function checkBallot(x: unknown, what: string): Ballot {
  if (!isPlainObject(x)) throw new CodecError('format', `${what}: ballot is not an object`);
  exactKeys(x, ['round', 'node'], what);
  const { round, node } = x;
  if (!isUint(round) || !isUint(node) || node > 65535) {
    throw new CodecError('format', `${what}: ballot out of range`);
  }
  return { round, node };
}

export function checkPaxosValue(x: unknown, what: string): PaxosValue {
  if (!isPlainObject(x)) throw new CodecError('format', `${what}: value is not an object`);
  exactKeys(x, ['commands'], what);
  const list = x.commands;
  if (!Array.isArray(list) || list.length > MAX_BATCH_COMMANDS) {
    throw new CodecError('format', `${what}: commands is not an array of at most ${MAX_BATCH_COMMANDS}`);
  }
  for (const command of list) {
    const checked = commands.check(command);
    if (!checked.ok) throw new CodecError('format', `${what}: invalid command: ${checked.error.message}`);
  }
  return x as PaxosValue;
}

// ---- values ----

export interface FormatHeader {
  readonly format: string;
  readonly version: number;
}

export function encodeFormat(header: FormatHeader): Buffer {
  return frame(MetaKey.format, Kind.format, json({ format: header.format, version: header.version }));
}

export function decodeFormat(value: Uint8Array): FormatHeader {
  const x = parse(unframe(MetaKey.format, value, Kind.format), 'format record');
  if (!isPlainObject(x)) throw new CodecError('format', 'format record is not an object');
  exactKeys(x, ['format', 'version'], 'format record');
  if (typeof x.format !== 'string' || !isUint(x.version)) {
    throw new CodecError('format', 'format record has wrong field types');
  }
  return { format: x.format, version: x.version };
}

export function encodePromised(ballot: Ballot): Buffer {
  return frame(MetaKey.promised, Kind.promised, json({ round: ballot.round, node: ballot.node }));
}

export function decodePromised(value: Uint8Array): Ballot {
  return checkBallot(parse(unframe(MetaKey.promised, value, Kind.promised), 'promise'), 'promise');
}

export function encodeCommitted(committed: number): Buffer {
  return frame(MetaKey.committed, Kind.committed, json(committed));
}

export function decodeCommitted(value: Uint8Array): number {
  const x = parse(unframe(MetaKey.committed, value, Kind.committed), 'commit watermark');
  if (!isUint(x)) throw new CodecError('format', 'commit watermark is not a slot number');
  return x;
}

export function encodeSnapshot(snapshot: SnapshotData): Buffer {
  // frame() by hand, writing the text straight into place: a snapshot is tens of MB, and one
  // copy fewer is milliseconds of the event loop.
  const out = Buffer.allocUnsafe(HEADER_BYTES + 8 + Buffer.byteLength(snapshot.data, 'utf8'));
  out[4] = RECORD_VERSION;
  out[5] = Kind.snapshot;
  slotKey(snapshot.index).copy(out, HEADER_BYTES);
  out.write(snapshot.data, HEADER_BYTES + 8, 'utf8');
  out.writeUInt32BE(checksum(MetaKey.snapshot, out), 0);
  return out;
}

/** encodeSnapshot() of the text whose UTF-8 bytes are `parts`, in order (already encoded). */
export function encodeSnapshotParts(index: number, parts: readonly Uint8Array[]): Buffer {
  let size = HEADER_BYTES + 8;
  for (const part of parts) size += part.byteLength;
  const out = Buffer.allocUnsafe(size);
  out[4] = RECORD_VERSION;
  out[5] = Kind.snapshot;
  slotKey(index).copy(out, HEADER_BYTES);
  let at = HEADER_BYTES + 8;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  out.writeUInt32BE(checksum(MetaKey.snapshot, out), 0);
  return out;
}

export function decodeSnapshot(value: Uint8Array): SnapshotData {
  const body = unframe(MetaKey.snapshot, value, Kind.snapshot);
  if (body.byteLength < 8) throw new CodecError('corrupt', 'snapshot shorter than its index');
  const index = slotOfKey(body.subarray(0, 8));
  let data: string;
  try {
    data = utf8.decode(body.subarray(8));
  } catch {
    throw new CodecError('corrupt', 'snapshot: invalid UTF-8');
  }
  return { index, data };
}

/** Count and XOR of the stored CRCs of every log record: catches records that went missing. */
export interface LogSummary {
  readonly count: number;
  readonly crcXor: number;
}

export function encodeSummary(summary: LogSummary): Buffer {
  return frame(MetaKey.summary, Kind.summary, json({ count: summary.count, crcXor: summary.crcXor }));
}

export function decodeSummary(value: Uint8Array): LogSummary {
  const x = parse(unframe(MetaKey.summary, value, Kind.summary), 'log summary');
  if (!isPlainObject(x)) throw new CodecError('format', 'log summary is not an object');
  exactKeys(x, ['count', 'crcXor'], 'log summary');
  if (!isUint(x.count) || !isUint(x.crcXor) || x.crcXor > 0xffffffff) {
    throw new CodecError('format', 'log summary has wrong field types');
  }
  return { count: x.count, crcXor: x.crcXor };
}

export function encodeLogRecord(key: Buffer, record: LogRecord): Buffer {
  return frameJson(key, Kind.log, {
    ballot: { round: record.ballot.round, node: record.ballot.node },
    value: record.value,
  });
}

export function decodeLogRecord(key: Uint8Array, value: Uint8Array): LogRecord {
  const slot = slotOfKey(key);
  const what = `log slot ${slot}`;
  const x = parse(unframe(key, value, Kind.log), what);
  if (!isPlainObject(x)) throw new CodecError('format', `${what}: not an object`);
  exactKeys(x, ['ballot', 'value'], what);
  return { slot, ballot: checkBallot(x.ballot, what), value: checkPaxosValue(x.value, what) };
}

/** Validates a caller's record before it is written; returns a reason, or null when it is fine. */
export function invalidRecord(record: LogRecord): string | null {
  if (!isUint(record.slot)) return `slot ${String(record.slot)} is not a non-negative safe integer`;
  try {
    checkBallot(record.ballot, `slot ${record.slot}`);
    checkPaxosValue(record.value, `slot ${record.slot}`);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  return null;
}

export { isUint };

// ---- the store's identity ----

const clusterIdPattern = new RegExp(CLUSTER_ID_PATTERN);

/** Whether `x` is a well-formed cluster id (see ClusterId in the protocol). */
export function isClusterId(x: unknown): x is string {
  return typeof x === 'string' && clusterIdPattern.test(x);
}

function isReplicaId(x: unknown): x is number {
  return isUint(x) && x >= 1 && x <= 65535;
}

/**
 * What a store is, fixed when it is made (`init` or a server's first start on an empty
 * directory) and changed only when recovery ends (`recovering` false, and the cluster id its
 * peers presented) or when a store from before cluster ids adopts one.
 */
export interface StoreIdentity {
  /** The cluster this store belongs to; null for a recovering store (until it recovered) and for stores from before cluster ids. */
  readonly clusterId: string | null;
  /** The server the store was made for; null for stores from before it was recorded. */
  readonly replicaId: number | null;
  /** 0 for the stores a cluster starts with; the creating server's clock (ms) for a later one. */
  readonly incarnation: number;
  /** New store of an existing cluster: it must not vote until recovery is over. */
  readonly recovering: boolean;
}

/** The identity of a store written before identities existed (versions 2 and 3): a voter. */
export const LEGACY_IDENTITY: StoreIdentity = {
  clusterId: null,
  replicaId: null,
  incarnation: 0,
  recovering: false,
};

/** Throws CodecError('format') unless `identity` is well-formed. */
export function checkIdentity(x: unknown, what: string): StoreIdentity {
  if (!isPlainObject(x)) throw new CodecError('format', `${what}: not an object`);
  exactKeys(x, ['clusterId', 'replicaId', 'incarnation', 'recovering'], what);
  const { clusterId, replicaId, incarnation, recovering } = x;
  if (clusterId !== null && !isClusterId(clusterId))
    throw new CodecError('format', `${what}: malformed cluster id`);
  if (replicaId !== null && !isReplicaId(replicaId))
    throw new CodecError('format', `${what}: replica id out of range`);
  if (!isUint(incarnation)) throw new CodecError('format', `${what}: incarnation is not a whole number`);
  if (typeof recovering !== 'boolean') throw new CodecError('format', `${what}: recovering is not a boolean`);
  return { clusterId, replicaId, incarnation, recovering };
}

export function encodeIdentity(identity: StoreIdentity): Buffer {
  return frame(
    MetaKey.identity,
    Kind.identity,
    json({
      clusterId: identity.clusterId,
      replicaId: identity.replicaId,
      incarnation: identity.incarnation,
      recovering: identity.recovering,
    }),
  );
}

export function decodeIdentity(value: Uint8Array): StoreIdentity {
  return checkIdentity(parse(unframe(MetaKey.identity, value, Kind.identity), 'identity'), 'identity');
}

/** Throws CodecError('format') unless `x` is a list of [replica id, incarnation] pairs. */
export function checkIncarnations(x: unknown, what: string): PeerIncarnation[] {
  if (!Array.isArray(x) || x.length > 65535) throw new CodecError('format', `${what}: not a list`);
  const out: PeerIncarnation[] = [];
  for (const pair of x) {
    if (!Array.isArray(pair) || pair.length !== 2 || !isReplicaId(pair[0]) || !isUint(pair[1])) {
      throw new CodecError('format', `${what}: not a [replica, incarnation] pair`);
    }
    out.push([pair[0], pair[1]]);
  }
  return out;
}

/** Stored sorted by replica id, one pair per replica. */
export function encodeIncarnations(incarnations: ReadonlyMap<number, number>): Buffer {
  const pairs = [...incarnations].sort((a, b) => a[0] - b[0]);
  return frame(MetaKey.incarnations, Kind.incarnations, json(pairs));
}

export function decodeIncarnations(value: Uint8Array): Map<number, number> {
  const pairs = checkIncarnations(
    parse(unframe(MetaKey.incarnations, value, Kind.incarnations), 'incarnations'),
    'incarnations',
  );
  const map = new Map<number, number>();
  for (const [id, incarnation] of pairs) {
    if (map.has(id)) throw new CodecError('format', `incarnations: replica ${id} listed twice`);
    map.set(id, incarnation);
  }
  return map;
}

export function encodeWalGeneration(generation: number): Buffer {
  return frame(MetaKey.walGeneration, Kind.walGeneration, json(generation));
}

export function decodeWalGeneration(value: Uint8Array): number {
  const x = parse(unframe(MetaKey.walGeneration, value, Kind.walGeneration), 'WAL generation');
  if (!isUint(x) || x < 1 || x > 0xffffffff) throw new CodecError('format', 'WAL generation out of range');
  return x;
}

// ---- write-ahead log frames (the payload of one wal.ts frame: one persisted delta) ----

/** A log record with its LMDB key and value, encoded once: in the WAL frame and at checkpoint. */
export interface EncodedRecord {
  readonly record: LogRecord;
  readonly key: Buffer;
  readonly value: Buffer;
  /** The CRC the value carries (what the log summary aggregates). */
  readonly crc: number;
}

export function encodeRecord(record: LogRecord): EncodedRecord {
  const key = slotKey(record.slot);
  const value = encodeLogRecord(key, record);
  return { record, key, value, crc: storedChecksum(value) };
}

/**
 * What a WAL frame holds: a persisted delta without a snapshot (a checkpoint carries those),
 * with the store's identity changes: recovery over, peers' incarnations, the cluster id.
 */
export interface WalDelta {
  readonly promised?: Ballot;
  readonly entries: readonly EncodedRecord[];
  readonly committed?: number;
  readonly discardThrough?: number;
  readonly recovered?: true;
  readonly incarnations?: readonly PeerIncarnation[];
  readonly clusterId?: string;
}

const WAL_DELTA_VERSION = 2;
const HAS_PROMISED = 1;
const HAS_COMMITTED = 2;
const HAS_DISCARD = 4;
// Store version 4 added these three flags (older frames have none of them and read as before).
const HAS_RECOVERED = 8;
const HAS_INCARNATIONS = 16;
const HAS_CLUSTER_ID = 32;
const ALL_FLAGS =
  HAS_PROMISED | HAS_COMMITTED | HAS_DISCARD | HAS_RECOVERED | HAS_INCARNATIONS | HAS_CLUSTER_ID;

/**
 * Binary, big-endian: version (1 byte), flags (1 byte), then as flagged the promise (round as a
 * float64, node as uint16), the commit watermark and the discard mark (float64 each: exact for
 * safe integers), the peers' incarnations (uint16 count, then uint16 replica and float64
 * incarnation each), the cluster id (uint16 byte length, then UTF-8; `recovered` is a flag
 * alone), then a uint32 count of records, each as slot (float64), value length (uint32)
 * and the value exactly as LMDB stores it (with its own CRC over key and value). So a checkpoint
 * writes the very bytes the WAL holds, without encoding anything again.
 */
export function encodeWalDelta(delta: WalDelta, headroom = 0): Buffer {
  let size = headroom + 2 + 4;
  if (delta.promised !== undefined) size += 10;
  if (delta.committed !== undefined) size += 8;
  if (delta.discardThrough !== undefined) size += 8;
  if (delta.incarnations !== undefined) size += 2 + 10 * delta.incarnations.length;
  const clusterId = delta.clusterId === undefined ? undefined : Buffer.from(delta.clusterId, 'utf8');
  if (clusterId !== undefined) size += 2 + clusterId.byteLength;
  for (const entry of delta.entries) size += 12 + entry.value.byteLength;
  const out = Buffer.allocUnsafe(size);
  let at = headroom + 2;
  let flags = 0;
  if (delta.promised !== undefined) {
    flags |= HAS_PROMISED;
    at = out.writeDoubleBE(delta.promised.round, at);
    at = out.writeUInt16BE(delta.promised.node, at);
  }
  if (delta.committed !== undefined) {
    flags |= HAS_COMMITTED;
    at = out.writeDoubleBE(delta.committed, at);
  }
  if (delta.discardThrough !== undefined) {
    flags |= HAS_DISCARD;
    at = out.writeDoubleBE(delta.discardThrough, at);
  }
  if (delta.recovered) flags |= HAS_RECOVERED;
  if (delta.incarnations !== undefined) {
    flags |= HAS_INCARNATIONS;
    at = out.writeUInt16BE(delta.incarnations.length, at);
    for (const [id, incarnation] of delta.incarnations) {
      at = out.writeUInt16BE(id, at);
      at = out.writeDoubleBE(incarnation, at);
    }
  }
  if (clusterId !== undefined) {
    flags |= HAS_CLUSTER_ID;
    at = out.writeUInt16BE(clusterId.byteLength, at);
    at += clusterId.copy(out, at);
  }
  at = out.writeUInt32BE(delta.entries.length, at);
  for (const entry of delta.entries) {
    at = out.writeDoubleBE(entry.record.slot, at);
    at = out.writeUInt32BE(entry.value.byteLength, at);
    at += entry.value.copy(out, at);
  }
  out[headroom] = WAL_DELTA_VERSION;
  out[headroom + 1] = flags;
  return out;
}

/** Decodes and validates a WAL payload (its frame's checksum already passed; each record's too). */
export function decodeWalDelta(payload: Uint8Array): WalDelta {
  const bytes = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  const short = () => new CodecError('corrupt', 'WAL frame shorter than its contents');
  if (bytes.byteLength < 6) throw short();
  if (bytes[0] !== WAL_DELTA_VERSION)
    throw new CodecError('format', `unknown WAL payload version ${bytes[0]}`);
  const flags = bytes[1] ?? 0;
  if ((flags & ~ALL_FLAGS) !== 0) {
    throw new CodecError('format', `unknown WAL frame flags ${flags}`);
  }
  let at = 2;
  const need = (n: number) => {
    if (at + n > bytes.byteLength) throw short();
  };
  const slotNumber = (what: string) => {
    need(8);
    const n = bytes.readDoubleBE(at);
    at += 8;
    if (!isUint(n)) throw new CodecError('format', `WAL frame: ${what} is not a slot number`);
    return n;
  };
  let promised: Ballot | undefined;
  if (flags & HAS_PROMISED) {
    need(10);
    promised = checkBallot(
      { round: bytes.readDoubleBE(at), node: bytes.readUInt16BE(at + 8) },
      'WAL promise',
    );
    at += 10;
  }
  const committed = flags & HAS_COMMITTED ? slotNumber('the commit watermark') : undefined;
  const discardThrough = flags & HAS_DISCARD ? slotNumber('the discard mark') : undefined;
  let incarnations: PeerIncarnation[] | undefined;
  if (flags & HAS_INCARNATIONS) {
    need(2);
    const n = bytes.readUInt16BE(at);
    at += 2;
    need(10 * n);
    const pairs: [number, number][] = [];
    for (let i = 0; i < n; i++) {
      pairs.push([bytes.readUInt16BE(at), bytes.readDoubleBE(at + 2)]);
      at += 10;
    }
    incarnations = checkIncarnations(pairs, 'WAL incarnations');
  }
  let clusterId: string | undefined;
  if (flags & HAS_CLUSTER_ID) {
    need(2);
    const length = bytes.readUInt16BE(at);
    at += 2;
    need(length);
    let text: string;
    try {
      text = utf8.decode(bytes.subarray(at, at + length));
    } catch {
      throw new CodecError('corrupt', 'WAL cluster id: invalid UTF-8');
    }
    at += length;
    if (!isClusterId(text)) throw new CodecError('format', 'WAL frame: malformed cluster id');
    clusterId = text;
  }
  need(4);
  const count = bytes.readUInt32BE(at);
  at += 4;
  const entries: EncodedRecord[] = [];
  for (let i = 0; i < count; i++) {
    const slot = slotNumber('a record slot');
    need(4);
    const length = bytes.readUInt32BE(at);
    at += 4;
    need(length);
    const key = slotKey(slot);
    const value = Buffer.from(bytes.subarray(at, at + length));
    at += length;
    entries.push({ record: decodeLogRecord(key, value), key, value, crc: storedChecksum(value) });
  }
  if (at !== bytes.byteLength) throw new CodecError('corrupt', 'WAL frame longer than its contents');
  return {
    entries,
    ...(promised !== undefined && { promised }),
    ...(committed !== undefined && { committed }),
    ...(discardThrough !== undefined && { discardThrough }),
    ...((flags & HAS_RECOVERED) !== 0 && { recovered: true as const }),
    ...(incarnations !== undefined && { incarnations }),
    ...(clusterId !== undefined && { clusterId }),
  };
}

// ---- the message archive (database `archive`) ----

const ARCHIVED_PREFIX = 0x01;
const THROUGH_PREFIX = 0x02;
const checkChatMessage = TypeCompiler.Compile(ChatMessage);

/**
 * An archived message's key: 0x01, the room name (UTF-8, never containing NUL), NUL, the position
 * as 8 bytes big-endian; so LMDB's byte order is room, then position.
 */
export function archiveKey(room: string, position: number): Buffer {
  const name = Buffer.from(room, 'utf8');
  const key = Buffer.allocUnsafe(name.byteLength + 10);
  key[0] = ARCHIVED_PREFIX;
  name.copy(key, 1);
  key[name.byteLength + 1] = 0;
  slotKey(position).copy(key, name.byteLength + 2);
  return key;
}

/** The key of a room's archive watermark: every position up to it is in the archive. */
export function archiveThroughKey(room: string): Buffer {
  return Buffer.concat([Buffer.of(THROUGH_PREFIX), Buffer.from(room, 'utf8')]);
}

export function encodeArchived(key: Buffer, message: ChatMessage): Buffer {
  return frameJson(key, Kind.archived, message);
}

export function decodeArchived(key: Uint8Array, value: Uint8Array): ChatMessage {
  const x = parse(unframe(key, value, Kind.archived), 'archived message');
  // Archived by the previous build, whose messages carried their author's (clientId, seq):
  // those never leave the server any more.
  if (typeof x === 'object' && x !== null && 'clientId' in x) {
    delete (x as { clientId?: unknown }).clientId;
    delete (x as { seq?: unknown }).seq;
  }
  if (!checkChatMessage.Check(x)) throw new CodecError('format', 'archived message has the wrong shape');
  return x;
}

export function encodeArchiveThrough(key: Buffer, through: number): Buffer {
  return frame(key, Kind.archiveThrough, json(through));
}

export function decodeArchiveThrough(key: Uint8Array, value: Uint8Array): number {
  const x = parse(unframe(key, value, Kind.archiveThrough), 'archive watermark');
  if (!isUint(x)) throw new CodecError('format', 'archive watermark is not a position');
  return x;
}
