import { closeSync, constants, fstatSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';

/**
 * The write-ahead log's two files inside the store directory: generation g appends to
 * `WAL_FILES[g % 2]`, so a checkpoint of one generation runs while the next one is written.
 */
export const WAL_FILES = ['wal-0.log', 'wal-1.log'] as const;

/*
 * Frame layout (all integers unsigned 32-bit big-endian):
 *
 *   bytes 0..3    generation (>= 1; the zero fill that preallocates the file reads as 0)
 *   bytes 4..7    payload length (>= 1)
 *   bytes 8..11   CRC-32 of bytes 0..7, then of the payload
 *   bytes 12..    payload
 */
const HEADER_BYTES = 12;
/** Bytes a caller of append() leaves free at the start of a frame. */
export const WAL_HEADER_BYTES = HEADER_BYTES;
/** The file grows in zero-filled chunks, so that an append never changes the file's size. */
export const WAL_CHUNK_BYTES = 1 << 20;
/** Default largest file: an append that does not fit makes the store checkpoint instead. */
export const WAL_MAX_BYTES = 64 << 20;

/** Why the log could not be read back: a damaged record with valid ones after it. */
export class WalCorruptError extends Error {}

export interface WalOptions {
  /** Largest file size in bytes (a multiple of WAL_CHUNK_BYTES). */
  readonly maxBytes?: number;
  /** The file's name in the directory (default WAL_FILES[0]). */
  readonly name?: string;
}

/**
 * An append-only log of durable writes in one preallocated file, reused across checkpoints.
 *
 * Why it exists: the replica makes one durable write per turn, and an LMDB commit costs two
 * flushes (pages, then the meta page) and two hand-offs to its write thread — about 300 µs and
 * 200 µs of CPU on this machine's disk. One `pwrite` through an `O_DSYNC` descriptor costs
 * about 110 µs and 50 µs of CPU. The store appends each write here and folds the log into LMDB
 * only at checkpoints.
 *
 * Appends are synchronous: `append()` returns once the frame is on stable storage (`O_DSYNC`:
 * the write and its flush are one system call). That blocks the event loop for one flush, like a
 * Raft node that syncs its WAL before it sends; everything that arrives meanwhile is batched
 * into the next turn's write. The file is zero-filled ahead of the appends (in
 * `WAL_CHUNK_BYTES` steps, each made durable with `fsync`), so that an append never changes the
 * file's size and its flush never waits on a metadata journal commit.
 *
 * Generations: a checkpoint makes the log's contents durable elsewhere and starts the next
 * generation at offset 0, overwriting the old frames in place. Reading stops at the first frame
 * that is not of the wanted generation (an older frame, or the zero fill). A frame of the wanted
 * generation that fails its length or checksum is the torn tail of a write that never returned —
 * unless a valid frame of that generation follows it, which only damage can cause: then reading
 * throws WalCorruptError.
 */
export class Wal {
  private size: number;
  private offset = 0;
  private generation = 0;

  private constructor(
    readonly file: string,
    private readonly fd: number,
    private readonly maxBytes: number,
  ) {
    this.size = fstatSync(fd).size;
  }

  /** Opens (creating and preallocating if needed) the log file in `dir`. */
  static open(dir: string, options: WalOptions = {}): Wal {
    const maxBytes = options.maxBytes ?? WAL_MAX_BYTES;
    if (!Number.isInteger(maxBytes) || maxBytes < WAL_CHUNK_BYTES || maxBytes % WAL_CHUNK_BYTES !== 0) {
      throw new RangeError(`the WAL size must be a positive multiple of ${WAL_CHUNK_BYTES} bytes`);
    }
    const file = path.join(dir, options.name ?? WAL_FILES[0]);
    const fd = openSync(file, constants.O_RDWR | constants.O_CREAT | constants.O_DSYNC, 0o600);
    try {
      const wal = new Wal(file, fd, maxBytes);
      if (wal.size < WAL_CHUNK_BYTES) {
        wal.grow(WAL_CHUNK_BYTES);
        syncDirectory(dir);
      }
      return wal;
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  /**
   * Reads the frames of `generation` from the start of the file, and positions the log to append
   * after them (in that generation). Throws WalCorruptError on damage (see the class comment).
   */
  replay(generation: number): Buffer[] {
    checkGeneration(generation);
    const bytes = Buffer.allocUnsafe(this.size);
    let read = 0;
    while (read < this.size) {
      const n = readSync(this.fd, bytes, read, this.size - read, read);
      if (n === 0) break;
      read += n;
    }
    const payloads: Buffer[] = [];
    let at = 0;
    for (;;) {
      const frame = frameAt(bytes, at, read, generation);
      if (frame === 'end') break;
      if (frame === 'torn') {
        const later = findValidFrame(bytes, at + 1, read, generation);
        if (later !== null) {
          throw new WalCorruptError(
            `damaged WAL frame at byte ${at}, followed by a valid one at byte ${later}`,
          );
        }
        break;
      }
      payloads.push(frame.payload);
      at = frame.next;
    }
    this.generation = generation;
    this.offset = at;
    return payloads;
  }

  /** Whether a frame of this many bytes (header included) still fits before a checkpoint. */
  fits(frameBytes: number): boolean {
    return this.offset + frameBytes <= this.maxBytes;
  }

  /** Whether a frame of this many bytes fits an empty log (else no generation can hold it). */
  holds(frameBytes: number): boolean {
    return frameBytes <= this.maxBytes;
  }

  /**
   * Appends one frame — a payload after WAL_HEADER_BYTES the caller left free, where the header
   * is written (no copy of the payload) — and returns once it is durable. Check `fits()` first.
   */
  append(frame: Buffer): void {
    if (this.generation === 0) throw new Error('replay() or restart() the WAL before appending');
    if (frame.byteLength <= HEADER_BYTES) throw new RangeError('an empty WAL payload');
    if (!this.fits(frame.byteLength)) throw new RangeError('the WAL is full: checkpoint first');
    const end = this.offset + frame.byteLength;
    if (end > this.size) this.grow(Math.min(this.maxBytes, roundUp(end + WAL_CHUNK_BYTES, WAL_CHUNK_BYTES)));
    writeHeader(frame, this.generation);
    writeAll(this.fd, frame, this.offset);
    this.offset = end;
  }

  /**
   * Starts `generation` at offset 0. Call only once everything logged so far is durable
   * elsewhere: the older frames are then dead, and will be overwritten.
   */
  restart(generation: number): void {
    checkGeneration(generation);
    // The same generation only while it has no frames (replay() found none): never overwrite them.
    if (generation < this.generation || (generation === this.generation && this.offset > 0)) {
      throw new RangeError('WAL generations only increase');
    }
    this.generation = generation;
    this.offset = 0;
  }

  close(): void {
    closeSync(this.fd);
  }

  /** Extends the file with zeros up to `size` and makes the new length durable. */
  private grow(size: number): void {
    const zeros = Buffer.alloc(WAL_CHUNK_BYTES);
    for (let at = this.size; at < size; at += zeros.length) {
      writeAll(this.fd, zeros.subarray(0, Math.min(zeros.length, size - at)), at);
    }
    fsyncSync(this.fd);
    this.size = size;
  }
}

export function encodeFrame(generation: number, payload: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(HEADER_BYTES + payload.byteLength);
  frame.set(payload, HEADER_BYTES);
  writeHeader(frame, generation);
  return frame;
}

function writeHeader(frame: Buffer, generation: number): void {
  frame.writeUInt32BE(generation, 0);
  frame.writeUInt32BE(frame.byteLength - HEADER_BYTES, 4);
  frame.writeUInt32BE(crc32(frame.subarray(HEADER_BYTES), crc32(frame.subarray(0, 8))), 8);
}

type FrameAt = 'end' | 'torn' | { readonly payload: Buffer; readonly next: number };

function frameAt(bytes: Buffer, at: number, limit: number, generation: number): FrameAt {
  if (at + HEADER_BYTES > limit) return 'end';
  if (bytes.readUInt32BE(at) !== generation) return 'end';
  const length = bytes.readUInt32BE(at + 4);
  if (length === 0 || at + HEADER_BYTES + length > limit) return 'torn';
  const payload = bytes.subarray(at + HEADER_BYTES, at + HEADER_BYTES + length);
  if (crc32(payload, crc32(bytes.subarray(at, at + 8))) !== bytes.readUInt32BE(at + 8)) return 'torn';
  return { payload, next: at + HEADER_BYTES + length };
}

/** The offset of a valid frame of `generation` at or after `from`, or null. */
function findValidFrame(bytes: Buffer, from: number, limit: number, generation: number): number | null {
  const marker = Buffer.allocUnsafe(4);
  marker.writeUInt32BE(generation, 0);
  for (let at = bytes.indexOf(marker, from); at !== -1 && at < limit; at = bytes.indexOf(marker, at + 1)) {
    if (typeof frameAt(bytes, at, limit, generation) === 'object') return at;
  }
  return null;
}

function checkGeneration(generation: number): void {
  if (!Number.isInteger(generation) || generation < 1 || generation > 0xffffffff) {
    throw new RangeError(`WAL generation ${generation} is not in [1, 2^32)`);
  }
}

function writeAll(fd: number, bytes: Uint8Array, position: number): void {
  let written = 0;
  while (written < bytes.byteLength) {
    written += writeSync(fd, bytes, written, bytes.byteLength - written, position + written);
  }
}

function roundUp(n: number, step: number): number {
  return Math.ceil(n / step) * step;
}

/** Makes a new directory entry durable. */
function syncDirectory(dir: string): void {
  const fd = openSync(dir, constants.O_RDONLY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
