import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Ballot, ChatMessage } from '@quorum/protocol';
import { type Database, open as openLmdb, type RootDatabase } from 'lmdb';
import {
  archiveKey,
  archiveThroughKey,
  CodecError,
  checkBallot,
  decodeArchived,
  decodeArchiveThrough,
  decodeCommitted,
  decodeFormat,
  decodeLogRecord,
  decodePromised,
  decodeSnapshot,
  decodeSummary,
  encodeArchived,
  encodeArchiveThrough,
  encodeCommitted,
  encodeFormat,
  encodeLogRecord,
  encodePromised,
  encodeSnapshot,
  encodeSummary,
  invalidRecord,
  isUint,
  type LogSummary,
  MetaKey,
  slotKey,
  storedChecksum,
} from './codec.js';
import {
  InvalidDeltaError,
  StoreClosedError,
  StoreCorruptError,
  StoreError,
  StoreFormatError,
  StoreWriteError,
} from './errors.js';
import { MANIFEST_FILE, readManifest, STORE_FORMAT, STORE_VERSION, writeManifest } from './manifest.js';
import { probeEnvironment } from './probe.js';
import { type DurableState, type LogRecord, type PersistDelta, ZERO_BALLOT } from './types.js';

export interface DurableStoreOptions {
  /**
   * Walk an existing store in a child process before mapping it, so that a damaged data file
   * makes open() fail with StoreCorruptError instead of crashing the server (default true).
   */
  readonly probe?: boolean;
  /** How long the probe may take (default 120 s). */
  readonly probeTimeoutMs?: number;
}

/** The LMDB data file inside the store directory. */
export const DATA_FILE = 'data.mdb';
const LOCK_FILE = 'lock.mdb';

type Bytes = Database<Buffer, Buffer>;

/** A delta, validated and encoded before its transaction starts. */
interface WritePlan {
  readonly promised: Buffer | null;
  readonly committed: Buffer | null;
  readonly snapshot: Buffer | null;
  readonly entries: readonly { readonly key: Buffer; readonly value: Buffer; readonly crc: number }[];
  readonly discardThrough: number | null;
}

const metaKeyNames = new Set(Object.keys(MetaKey));

/** Store directories open in this process: LMDB would silently share one environment. */
const openDirs = new Set<string>();

/**
 * The replica's durable state: promise, log records, commit watermark and snapshot, in one LMDB
 * environment (two named databases: `meta` and `log`).
 *
 * Durability: the environment is opened with `overlappingSync: false`, so LMDB's classic commit
 * path runs — write the dirty pages, fdatasync, then write the meta page through an O_DSYNC
 * descriptor — and the transaction's promise resolves only after that. `persist()` resolves on
 * that promise: when it resolves, the delta is on stable storage.
 *
 * Every `persist()` is one atomic unit (an LMDB child transaction): a crash keeps all of a delta
 * or none of it. Calls made in the same event-loop turn share one LMDB transaction and hence
 * one fsync (group commit); promises resolve in call order. The first failed write poisons the
 * store: every later `persist()` rejects, because the replica's memory is then ahead of its disk.
 */
export class DurableStore {
  private tail: Promise<void> = Promise.resolve();
  private failure: StoreError | null = null;
  /** Number of the first call that failed; later calls are refused, earlier ones are not. */
  private failedAt = Number.POSITIVE_INFINITY;
  private calls = 0;
  private isClosed = false;
  private closing: Promise<void> | null = null;
  /** The state verified at open, handed out by the first load() if nothing was written since. */
  private initial: DurableState | null = null;

  private constructor(
    /** Absolute path of the store directory. */
    readonly dir: string,
    private readonly env: RootDatabase,
    private readonly meta: Bytes,
    private readonly log: Bytes,
    /** Chat messages moved out of the state machine's memory, and per room a watermark. */
    private readonly archiveDb: Bytes,
  ) {}

  /**
   * Opens the store in `dir`, creating the directory and an empty store if it does not exist.
   * An existing store is verified first — structure (probe), every checksum, the record count —
   * and open() rejects with StoreCorruptError or StoreFormatError rather than serve bad data.
   */
  static async open(dir: string, options: DurableStoreOptions = {}): Promise<DurableStore> {
    const abs = path.resolve(dir);
    if (openDirs.has(abs)) throw new StoreError('in_use', 'the store is already open in this process', abs);
    openDirs.add(abs);
    try {
      return await DurableStore.openOrCreate(abs, options);
    } catch (error) {
      openDirs.delete(abs);
      throw error;
    }
  }

  private static async openOrCreate(abs: string, options: DurableStoreOptions): Promise<DurableStore> {
    await mkdir(abs, { recursive: true });
    const manifest = await readManifest(abs);
    if (manifest === null) {
      const present = (await readdir(abs)).filter((name) => name !== `${MANIFEST_FILE}.tmp`);
      if (present.length > 0) {
        throw new StoreFormatError(
          `the directory has no ${MANIFEST_FILE} but is not empty (${present.slice(0, 5).join(', ')}): ` +
            'not a Quorum store, or its manifest was lost',
          abs,
        );
      }
      return DurableStore.create(abs);
    }
    if (manifest.state === 'creating') {
      // A creation that crashed: nothing was ever persisted here (open() had not returned).
      await rm(path.join(abs, DATA_FILE), { force: true });
      await rm(path.join(abs, LOCK_FILE), { force: true });
      return DurableStore.create(abs);
    }

    const size = await stat(path.join(abs, DATA_FILE)).then(
      (s) => s.size,
      () => 0,
    );
    if (size === 0) {
      throw new StoreCorruptError(
        `${DATA_FILE} is missing or empty, but ${MANIFEST_FILE} says it holds data`,
        abs,
      );
    }
    if (options.probe !== false) await probeEnvironment(abs, options.probeTimeoutMs ?? 120_000);

    const store = DurableStore.openEnvironment(abs);
    try {
      store.initial = store.readState();
    } catch (error) {
      await store.env.close().catch(() => undefined);
      throw error;
    }
    return store;
  }

  private static async create(abs: string): Promise<DurableStore> {
    await writeManifest(abs, 'creating');
    const store = DurableStore.openEnvironment(abs);
    try {
      await store.env.childTransaction(() => {
        store.meta.putSync(MetaKey.format, encodeFormat({ format: STORE_FORMAT, version: STORE_VERSION }));
        store.meta.putSync(MetaKey.summary, encodeSummary({ count: 0, crcXor: 0 }));
      });
      await writeManifest(abs, 'ready');
      store.initial = store.readState();
    } catch (error) {
      await store.env.close().catch(() => undefined);
      throw error;
    }
    return store;
  }

  private static openEnvironment(abs: string): DurableStore {
    let env: RootDatabase;
    try {
      env = openLmdb({
        path: abs,
        noSubdir: false,
        maxDbs: 4,
        // Durable commits: the commit promise resolves after fdatasync (see the class comment).
        overlappingSync: false,
        noSync: false,
        noMetaSync: false,
        useWritemap: false,
        eventTurnBatching: true,
        encoding: 'binary',
        keyEncoding: 'binary',
      });
    } catch (error) {
      throw new StoreCorruptError(`LMDB refused to open the data file: ${message(error)}`, abs, {
        cause: error,
      });
    }
    try {
      const meta = env.openDB<Buffer, Buffer>({ name: 'meta', encoding: 'binary', keyEncoding: 'binary' });
      const log = env.openDB<Buffer, Buffer>({ name: 'log', encoding: 'binary', keyEncoding: 'binary' });
      const archive = env.openDB<Buffer, Buffer>({
        name: 'archive',
        encoding: 'binary',
        keyEncoding: 'binary',
      });
      return new DurableStore(abs, env, meta, log, archive);
    } catch (error) {
      void env.close();
      throw new StoreCorruptError(`cannot open the store's databases: ${message(error)}`, abs, {
        cause: error,
      });
    }
  }

  /**
   * The durable state: the promise (the zero ballot if none), every log record in slot order,
   * the commit watermark (0 if none) and the snapshot (or null). Meant to be called once, after
   * open() and before the first persist(); later calls read the committed state again.
   */
  load(): DurableState {
    if (this.isClosed) throw new StoreClosedError(this.dir);
    const initial = this.initial;
    if (initial !== null) {
      this.initial = null;
      return initial;
    }
    return this.readState();
  }

  /**
   * Writes one Ready's delta in one transaction and resolves once it is durable (fsync'd).
   * Resolves in call order. Rejects with InvalidDeltaError for a malformed delta, StoreWriteError
   * if the write failed or an earlier one did, StoreClosedError after close(). Any rejection is
   * fatal for the replica: its memory is ahead of its disk, so the host must stop.
   */
  persist(delta: PersistDelta): Promise<void> {
    if (this.isClosed) return Promise.reject(new StoreClosedError(this.dir));
    this.initial = null;
    return this.enqueue((call) => {
      const plan = this.plan(delta);
      return () => this.apply(plan, call);
    });
  }

  /**
   * One write in call order: `prepare` validates and encodes (outside the transaction) and
   * returns the transaction body. Calls made in the same turn share one LMDB commit. The first
   * failure poisons the store; the returned promise resolves once this write and every earlier
   * one are durable.
   */
  private enqueue(prepare: (call: number) => () => void): Promise<void> {
    const call = ++this.calls;
    let write: Promise<unknown>;
    if (this.failure !== null) {
      write = Promise.reject(this.refusal());
    } else {
      try {
        write = this.env.childTransaction(prepare(call));
      } catch (error) {
        // Poison at once, so that calls made later in this same turn are refused too.
        write = Promise.reject(this.fail(error, call));
      }
    }
    const previous = this.tail;
    const done = Promise.allSettled([previous, write]).then(([before, own]) => {
      if (own.status === 'rejected') throw this.fail(own.reason, call);
      if (before.status === 'rejected') {
        throw new StoreWriteError('an earlier write failed', this.dir, { cause: before.reason });
      }
    });
    this.tail = done;
    return done;
  }

  /**
   * Adds chat messages to the archive (idempotent: a message is the same on every replica and in
   * every replay) and advances each touched room's watermark over every position now present
   * without a gap. Ordered with `persist()` calls: a snapshot persisted after this call never
   * lands on disk without these messages. Fails like `persist()` (and poisons the store).
   */
  archive(messages: readonly ChatMessage[]): Promise<void> {
    if (this.isClosed) return Promise.reject(new StoreClosedError(this.dir));
    if (messages.length === 0) return Promise.resolve();
    return this.enqueue((call) => {
      const records = messages.map((message) => {
        const key = archiveKey(message.room, message.position);
        return { room: message.room, key, value: encodeArchived(key, message) };
      });
      return () => {
        if (call > this.failedAt) throw this.refusal();
        for (const record of records) this.archiveDb.putSync(record.key, record.value);
        for (const room of new Set(records.map((r) => r.room))) this.advanceArchiveThrough(room);
      };
    });
  }

  /** Inside a transaction: moves the room's watermark over the positions now present. */
  private advanceArchiveThrough(room: string): void {
    const start = this.archiveThrough(room);
    let through = start;
    while (this.archiveDb.getBinary(archiveKey(room, through + 1)) !== undefined) through++;
    if (through > start) {
      const key = archiveThroughKey(room);
      this.archiveDb.putSync(key, encodeArchiveThrough(key, through));
    }
  }

  /** Every position of `room` up to this one is in the archive (0: none). */
  archiveThrough(room: string): number {
    const key = archiveThroughKey(room);
    const value = this.archiveDb.getBinary(key);
    if (value === undefined) return 0;
    try {
      return decodeArchiveThrough(key, value);
    } catch (error) {
      throw this.codecFailure(error);
    }
  }

  /**
   * The archived messages of `room` at positions [from, to), in order, as far as the archive
   * holds them without a gap from `from` (so fewer when it has a hole). Throws StoreCorruptError
   * on a damaged record.
   */
  readArchive(room: string, from: number, to: number): ChatMessage[] {
    if (this.isClosed) throw new StoreClosedError(this.dir);
    const out: ChatMessage[] = [];
    if (to <= from) return out;
    for (const { key, value } of this.archiveDb.getRange({
      start: archiveKey(room, from),
      end: archiveKey(room, to),
    })) {
      let message: ChatMessage;
      try {
        message = decodeArchived(key, value);
      } catch (error) {
        throw this.codecFailure(error);
      }
      if (message.room !== room || message.position !== from + out.length) break;
      out.push(message);
    }
    return out;
  }

  /** Waits for the writes in flight, then closes the environment. Idempotent. */
  close(): Promise<void> {
    if (this.closing === null) {
      this.isClosed = true;
      this.initial = null;
      this.closing = Promise.allSettled([this.tail])
        .then(() => this.env.close())
        .finally(() => openDirs.delete(this.dir));
    }
    return this.closing;
  }

  /** Whether a write failed (the store then refuses all writes). */
  get failed(): boolean {
    return this.failure !== null;
  }

  // ---- writing ----

  private plan(delta: PersistDelta): WritePlan {
    const invalid = (why: string) => new InvalidDeltaError(why, this.dir);
    let promised: Buffer | null = null;
    if (delta.promised !== undefined) {
      let ballot: Ballot;
      try {
        ballot = checkBallot(delta.promised, 'promised');
      } catch (error) {
        throw invalid(message(error));
      }
      promised = encodePromised(ballot);
    }
    if (delta.committed !== undefined && !isUint(delta.committed)) {
      throw invalid(`committed ${String(delta.committed)} is not a slot number`);
    }
    if (delta.discardThrough !== undefined && !isUint(delta.discardThrough)) {
      throw invalid(`discardThrough ${String(delta.discardThrough)} is not a slot number`);
    }
    let snapshot: Buffer | null = null;
    if (delta.snapshot !== undefined) {
      const s = delta.snapshot;
      if (!isUint(s.index) || typeof s.data !== 'string')
        throw invalid('snapshot needs a slot index and string data');
      snapshot = encodeSnapshot({ index: s.index, data: s.data });
    }
    if (!Array.isArray(delta.entries)) throw invalid('entries is not an array');
    const entries = delta.entries.map((record: LogRecord) => {
      const why = invalidRecord(record);
      if (why !== null) throw invalid(why);
      const key = slotKey(record.slot);
      const value = encodeLogRecord(key, record);
      return { key, value, crc: storedChecksum(value) };
    });
    return {
      promised,
      committed: delta.committed === undefined ? null : encodeCommitted(delta.committed),
      snapshot,
      entries,
      discardThrough: delta.discardThrough ?? null,
    };
  }

  /** Runs inside the LMDB transaction: the same order as the simulator's disk. */
  private apply(plan: WritePlan, call: number): void {
    if (call > this.failedAt) throw this.refusal();
    const summaryBytes = this.meta.getBinary(MetaKey.summary);
    if (summaryBytes === undefined)
      throw new StoreCorruptError('the log summary record is missing', this.dir);
    let count: number;
    let crcXor: number;
    try {
      ({ count, crcXor } = decodeSummary(summaryBytes));
    } catch (error) {
      throw this.codecFailure(error);
    }

    if (plan.promised !== null) this.meta.putSync(MetaKey.promised, plan.promised);
    for (const entry of plan.entries) {
      const old = this.log.getBinary(entry.key);
      if (old === undefined) count++;
      else crcXor = (crcXor ^ this.checksumOf(old)) >>> 0;
      crcXor = (crcXor ^ entry.crc) >>> 0;
      this.log.putSync(entry.key, entry.value);
    }
    if (plan.committed !== null) this.meta.putSync(MetaKey.committed, plan.committed);
    if (plan.snapshot !== null) this.meta.putSync(MetaKey.snapshot, plan.snapshot);
    if (plan.discardThrough !== null) {
      const through = plan.discardThrough;
      const doomed: Buffer[] = [];
      const range = through < Number.MAX_SAFE_INTEGER ? { end: slotKey(through + 1) } : {};
      for (const { key, value } of this.log.getRange(range)) {
        doomed.push(Buffer.from(key));
        crcXor = (crcXor ^ this.checksumOf(value)) >>> 0;
        count--;
      }
      for (const key of doomed) this.log.removeSync(key);
    }
    const summary: LogSummary = { count, crcXor };
    this.meta.putSync(MetaKey.summary, encodeSummary(summary));
  }

  private checksumOf(value: Uint8Array): number {
    try {
      return storedChecksum(value);
    } catch (error) {
      throw this.codecFailure(error);
    }
  }

  /** Records the first failure; every later write is refused. */
  private fail(reason: unknown, call: number): StoreError {
    if (this.failure === null) {
      this.failedAt = call;
      this.failure =
        reason instanceof StoreError
          ? reason
          : new StoreWriteError(`durable write failed: ${message(reason)}`, this.dir, { cause: reason });
      return this.failure;
    }
    return reason instanceof StoreError ? reason : this.refusal();
  }

  private refusal(): StoreWriteError {
    return new StoreWriteError('the store refuses writes after an earlier failure', this.dir, {
      cause: this.failure,
    });
  }

  // ---- reading ----

  /** Reads and verifies everything: checksums, shapes, the record summary. */
  private readState(): DurableState {
    try {
      return this.readStateUnchecked();
    } catch (error) {
      if (error instanceof StoreError) throw error;
      if (error instanceof CodecError) throw this.codecFailure(error);
      throw new StoreCorruptError(`reading the store failed: ${message(error)}`, this.dir, { cause: error });
    }
  }

  private readStateUnchecked(): DurableState {
    for (const { key } of this.meta.getRange()) {
      const name = Buffer.from(key).toString('latin1');
      if (!metaKeyNames.has(name)) throw new StoreCorruptError(`unknown meta record "${name}"`, this.dir);
    }
    const formatBytes = this.meta.getBinary(MetaKey.format);
    if (formatBytes === undefined) throw new StoreCorruptError('the format record is missing', this.dir);
    const format = decodeFormat(formatBytes);
    if (format.format !== STORE_FORMAT || format.version !== STORE_VERSION) {
      throw new StoreFormatError(`data file has format ${format.format} v${format.version}`, this.dir);
    }
    const summaryBytes = this.meta.getBinary(MetaKey.summary);
    if (summaryBytes === undefined)
      throw new StoreCorruptError('the log summary record is missing', this.dir);
    const summary = decodeSummary(summaryBytes);

    const promisedBytes = this.meta.getBinary(MetaKey.promised);
    const committedBytes = this.meta.getBinary(MetaKey.committed);
    const snapshotBytes = this.meta.getBinary(MetaKey.snapshot);

    const entries: LogRecord[] = [];
    let crcXor = 0;
    let lastSlot = -1;
    for (const { key, value } of this.log.getRange()) {
      const record = decodeLogRecord(key, value);
      if (record.slot <= lastSlot)
        throw new StoreCorruptError(`log keys out of order at slot ${record.slot}`, this.dir);
      lastSlot = record.slot;
      crcXor = (crcXor ^ storedChecksum(value)) >>> 0;
      entries.push(record);
    }
    if (entries.length !== summary.count || crcXor !== summary.crcXor) {
      throw new StoreCorruptError(
        `the log does not match its summary: ${entries.length} records found, ${summary.count} written` +
          (entries.length === summary.count ? ' (but different ones)' : ''),
        this.dir,
      );
    }
    return {
      promised: promisedBytes === undefined ? { ...ZERO_BALLOT } : decodePromised(promisedBytes),
      entries,
      committed: committedBytes === undefined ? 0 : decodeCommitted(committedBytes),
      snapshot: snapshotBytes === undefined ? null : decodeSnapshot(snapshotBytes),
    };
  }

  private codecFailure(error: unknown): StoreError {
    if (error instanceof CodecError) {
      return error.kind === 'format'
        ? new StoreFormatError(error.message, this.dir, { cause: error })
        : new StoreCorruptError(error.message, this.dir, { cause: error });
    }
    if (error instanceof StoreError) return error;
    return new StoreCorruptError(message(error), this.dir, { cause: error });
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
