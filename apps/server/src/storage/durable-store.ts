import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ChatMessage } from '@quorum/protocol';
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
  decodeIdentity,
  decodeIncarnations,
  decodeLogRecord,
  decodePromised,
  decodeSnapshot,
  decodeSummary,
  decodeWalDelta,
  decodeWalGeneration,
  encodeArchived,
  encodeArchiveThrough,
  encodeCommitted,
  encodeFormat,
  encodeIdentity,
  encodeIncarnations,
  encodePromised,
  encodeRecord,
  encodeSnapshot,
  encodeSnapshotParts,
  encodeSummary,
  encodeWalDelta,
  encodeWalGeneration,
  invalidRecord,
  isClusterId,
  isUint,
  LEGACY_IDENTITY,
  type LogSummary,
  MetaKey,
  type StoreIdentity,
  slotKey,
  storedChecksum,
  type WalDelta,
} from './codec.js';
import {
  InvalidDeltaError,
  StoreClosedError,
  StoreCorruptError,
  StoreError,
  StoreExistsError,
  StoreFormatError,
  StorePermissionError,
  StoreWriteError,
} from './errors.js';
import {
  MANIFEST_FILE,
  readManifest,
  STORE_FORMAT,
  STORE_VERSION,
  UPGRADABLE_VERSIONS,
  writeManifest,
} from './manifest.js';
import { preparePrivateDir, tightenFileModes } from './permissions.js';
import { probeEnvironment } from './probe.js';
import {
  type DurableState,
  type LogRecord,
  type PersistDelta,
  type SnapshotData,
  ZERO_BALLOT,
} from './types.js';
import { WAL_FILES, WAL_HEADER_BYTES, WAL_MAX_BYTES, Wal, WalCorruptError } from './wal.js';
import { mergeIncarnations, WalBacklog } from './wal-backlog.js';

export interface DurableStoreOptions {
  /**
   * Walk an existing store in a child process before mapping it, so that a damaged data file
   * makes open() fail with StoreCorruptError instead of crashing the server (default true).
   */
  readonly probe?: boolean;
  /** How long the probe may take (default 120 s). */
  readonly probeTimeoutMs?: number;
  /** Largest write-ahead log file before a checkpoint (default 64 MiB; a multiple of 1 MiB). */
  readonly walMaxBytes?: number;
  /**
   * Open a directory that group or others may access (default false: refused with
   * StorePermissionError, see permissions.ts). Files are made 0600 either way.
   */
  readonly allowSharedDir?: boolean;
  /**
   * What a store that this open() creates is (an existing store keeps its own). Default: a voter
   * of incarnation 0 without a cluster id or server id — what the store's own tests use. The
   * server never relies on it: `init` makes a voter of a new cluster, and a server starting on
   * an empty directory makes a recovering store (see app.ts).
   */
  readonly newStore?: StoreIdentity;
  /** Only create: refuse with StoreExistsError if the directory already holds a store (`init`). */
  readonly createOnly?: boolean;
}

/** Written with a persist() but not part of the replica's delta. */
export interface StoreExtras {
  /**
   * The cluster id to record (once: a store never changes cluster). A recovering server passes
   * the id its peers presented with the delta that ends recovery.
   */
  readonly clusterId?: string;
}

/** A delta as the store writes it: the replica's, with the host's extras. */
type StoreDelta = PersistDelta & StoreExtras;

/** The LMDB data file inside the store directory. */
export const DATA_FILE = 'data.mdb';
const LOCK_FILE = 'lock.mdb';

type Bytes = Database<Buffer, Buffer>;

const RESOLVED: Promise<void> = Promise.resolve();

/** One write of a checkpoint batch: a put, or a remove when `value` is null. */
interface BatchOp {
  readonly db: Bytes;
  readonly key: Buffer;
  readonly value: Buffer | null;
}

interface Checkpoint {
  readonly backlog: WalBacklog;
  readonly snapshot: SnapshotData | null;
  readonly discardThrough: number | null;
  readonly done: Promise<void>;
}
const ignore = () => {};

const metaKeyNames = new Set(Object.keys(MetaKey));

/** Store directories open in this process: LMDB would silently share one environment. */
const openDirs = new Set<string>();

/**
 * The replica's durable state: promise, log records, commit watermark and snapshot, and the
 * store's identity (cluster id, server id, incarnation, whether it is recovering, and the peers'
 * incarnations it has seen; see StoreIdentity). They live in one LMDB environment (named databases `meta`, `log` and `archive`) plus a write-ahead log (two
 * files, `wal-0.log` and `wal-1.log`, see wal.ts) holding the writes made since the last
 * checkpoint.
 *
 * The hot path: a `persist()` is encoded as one WAL frame and appended synchronously through an
 * `O_DSYNC` descriptor; when `persist()` returns, the delta is on stable storage (the promise it
 * returns is already resolved). A frame is one atomic unit: a torn frame fails its checksum and is
 * dropped at open, and it was never acknowledged.
 *
 * Checkpoints run in the background. A `persist()` with a snapshot, or one whose frame does not
 * fit the current WAL file, starts one: one LMDB batch (one transaction, run by LMDB's write
 * thread) with the current generation's
 * backlog, the snapshot and its discard (if any) and the next WAL generation number, durable
 * (`overlappingSync: false`: pages fdatasync'd, then the meta page through `O_DSYNC`) when its
 * promise resolves. Meanwhile appends go on, in the next generation, in the other file. At open,
 * the store replays the generation LMDB names and the one after it; a crash before the
 * checkpoint's commit therefore keeps both generations' frames in force, and one after it leaves
 * the older generation dead. Only one checkpoint runs at a time: a persist that needs a second one
 * waits for the first, and so do the persists after it.
 *
 * What lags: a snapshot and the discard of the records it covers become durable when their
 * checkpoint commits, shortly after `persist()` returned. A crash in between leaves the previous
 * snapshot and the full log — more to replay, nothing lost: a snapshot only ever covers chosen
 * slots, and records are never discarded without it (same transaction). The rest of that delta
 * (promise, records, watermark) is in the WAL before `persist()` returns, like any other.
 *
 * open() folds whatever frames it finds into LMDB, so every run starts with an empty log. Archive
 * writes (`archive()`) are LMDB transactions; calls in the same event-loop turn share one commit,
 * and they are ordered before any later checkpoint: a snapshot never lands before the messages it
 * dropped. The first failed write poisons the store: every later write rejects, because the
 * replica's memory is then ahead of its disk.
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
  /** The WAL's two files (generation g appends to `wals[g % 2]`); null once closed. */
  private wals: [Wal, Wal] | null = null;
  /** The generation appends go to. */
  private generation = 1;
  /** This generation's frames, merged. */
  private backlog = new WalBacklog();
  /** The checkpoint in flight: the previous generation's backlog and the snapshot it carries. */
  private inflight: Checkpoint | null = null;
  /** The CRC of every record in LMDB's log, by slot, and their summary (see checkpointOps). */
  private logCrcs = new Map<number, number>();
  private summary: LogSummary = { count: 0, crcXor: 0 };
  /** The identity as LMDB holds it (updated as checkpoints are queued, like `summary`). */
  private lmdbIdentity: StoreIdentity = LEGACY_IDENTITY;
  private lmdbIncarnations = new Map<number, number>();
  /** The identity with every persist so far applied (what `identity` reports). */
  private current: StoreIdentity = LEGACY_IDENTITY;
  /** Whether open() made this store (it did not exist, or its creation had not finished). */
  private isNew = false;
  /** A snapshot encoded while it was written (snapshotEncoder), until it is persisted. */
  private preparedSnapshot: { index: number; text: string; parts: Buffer[] } | null = null;
  /** persist() calls waiting for a checkpoint, in call order. */
  private chain: Promise<void> = RESOLVED;
  private chained = 0;
  /** `snapshotsFromPieces`: snapshots stored from the bytes snapshotEncoder() prepared. */
  readonly stats = { walAppends: 0, walBytes: 0, checkpoints: 0, snapshotsFromPieces: 0 };

  private constructor(
    /** Absolute path of the store directory. */
    readonly dir: string,
    private readonly env: RootDatabase,
    private readonly meta: Bytes,
    private readonly log: Bytes,
    /** Chat messages moved out of the state machine's memory, and per room a watermark. */
    private readonly archiveDb: Bytes,
    private readonly walMaxBytes: number,
  ) {}

  /**
   * Makes a new store in `dir` with `identity` (for `quorum-server init`: a voter of a new
   * cluster) and returns it open. Rejects with StoreExistsError if `dir` already holds a store,
   * and with StoreFormatError if it holds anything else.
   */
  static init(
    dir: string,
    identity: StoreIdentity,
    options: DurableStoreOptions = {},
  ): Promise<DurableStore> {
    return DurableStore.open(dir, { ...options, newStore: identity, createOnly: true });
  }

  /**
   * Opens the store in `dir`, creating the directory and an empty store (`options.newStore`) if
   * it does not exist.
   * An existing store is verified first — structure (probe), every checksum, the record count —
   * and open() rejects with StoreCorruptError or StoreFormatError rather than serve bad data.
   */
  static async open(dir: string, options: DurableStoreOptions = {}): Promise<DurableStore> {
    const abs = path.resolve(dir);
    if (openDirs.has(abs)) throw new StoreError('in_use', 'the store is already open in this process', abs);
    openDirs.add(abs);
    let store: DurableStore;
    try {
      await preparePrivateDir(abs, options.allowSharedDir ?? false);
      store = await DurableStore.openOrCreate(abs, options);
    } catch (error) {
      openDirs.delete(abs);
      throw error;
    }
    try {
      await tightenFileModes(abs); // after LMDB made its files: it cannot be told their mode
    } catch (error) {
      await store.close().catch(() => undefined);
      throw new StorePermissionError(`cannot make the store's files private: ${message(error)}`, abs, {
        cause: error,
      });
    }
    return store;
  }

  private static async openOrCreate(abs: string, options: DurableStoreOptions): Promise<DurableStore> {
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
      return DurableStore.create(abs, options);
    }
    if (options.createOnly && manifest.state === 'ready') {
      throw new StoreExistsError(
        `the directory already holds a store (${MANIFEST_FILE}); it is never replaced: move it away first`,
        abs,
      );
    }
    if (manifest.state === 'creating') {
      // A creation that crashed: nothing was ever persisted here (open() had not returned).
      await rm(path.join(abs, DATA_FILE), { force: true });
      await rm(path.join(abs, LOCK_FILE), { force: true });
      for (const name of WAL_FILES) await rm(path.join(abs, name), { force: true });
      return DurableStore.create(abs, options);
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

    const store = DurableStore.openEnvironment(abs, options);
    try {
      if (manifest.version !== STORE_VERSION) await store.upgradeFromPrevious();
      store.openWal();
      store.replayWal();
      store.loadAtOpen();
      // Fold what the last run logged into LMDB: this run's log starts empty (and a torn tail,
      // if any, is overwritten in a new generation, never appended after).
      if (!store.backlog.isEmpty) await store.fold(null);
    } catch (error) {
      store.closeWals();
      await store.env.close().catch(() => undefined);
      throw error;
    }
    return store;
  }

  private static async create(abs: string, options: DurableStoreOptions): Promise<DurableStore> {
    const identity = options.newStore ?? LEGACY_IDENTITY;
    if (
      (identity.clusterId !== null && !isClusterId(identity.clusterId)) ||
      !isUint(identity.incarnation) ||
      (identity.replicaId !== null && !(isUint(identity.replicaId) && identity.replicaId >= 1))
    ) {
      throw new InvalidDeltaError(`cannot create a store with identity ${JSON.stringify(identity)}`, abs);
    }
    await writeManifest(abs, 'creating');
    const store = DurableStore.openEnvironment(abs, options);
    store.isNew = true;
    try {
      await store.env.childTransaction(() => {
        store.meta.putSync(MetaKey.format, encodeFormat({ format: STORE_FORMAT, version: STORE_VERSION }));
        store.meta.putSync(MetaKey.summary, encodeSummary({ count: 0, crcXor: 0 }));
        store.meta.putSync(MetaKey.walGeneration, encodeWalGeneration(1));
        store.meta.putSync(MetaKey.identity, encodeIdentity(identity));
        store.meta.putSync(MetaKey.incarnations, encodeIncarnations(new Map()));
      });
      store.openWal();
      store.replayWal();
      await writeManifest(abs, 'ready');
      store.loadAtOpen();
    } catch (error) {
      store.closeWals();
      await store.env.close().catch(() => undefined);
      throw error;
    }
    return store;
  }

  /**
   * Version 2 or 3 -> 4: version 3 added the write-ahead log, whose generation LMDB records;
   * version 4 the identity records. One transaction stamps the format record, the first
   * generation if there is none, and the identity of a store from before identities (a voter of
   * incarnation 0 with no cluster id: the server then adopts one, see app.ts) with no peers'
   * incarnations (idempotent: a crash before the manifest is rewritten repeats it), then the
   * manifest says version 4. Nothing else changed: a version 3 WAL's frames read as they are.
   */
  private async upgradeFromPrevious(): Promise<void> {
    const formatBytes = this.meta.getBinary(MetaKey.format);
    if (formatBytes === undefined) throw new StoreCorruptError('the format record is missing', this.dir);
    let format: { format: string; version: number };
    try {
      format = decodeFormat(formatBytes);
    } catch (error) {
      throw this.codecFailure(error);
    }
    if (
      format.format !== STORE_FORMAT ||
      (!UPGRADABLE_VERSIONS.includes(format.version) && format.version !== STORE_VERSION)
    ) {
      throw new StoreFormatError(`data file has format ${format.format} v${format.version}`, this.dir);
    }
    await this.env.childTransaction(() => {
      this.meta.putSync(MetaKey.format, encodeFormat({ format: STORE_FORMAT, version: STORE_VERSION }));
      if (this.meta.getBinary(MetaKey.walGeneration) === undefined) {
        this.meta.putSync(MetaKey.walGeneration, encodeWalGeneration(1));
      }
      if (this.meta.getBinary(MetaKey.identity) === undefined) {
        this.meta.putSync(MetaKey.identity, encodeIdentity(LEGACY_IDENTITY));
      }
      if (this.meta.getBinary(MetaKey.incarnations) === undefined) {
        this.meta.putSync(MetaKey.incarnations, encodeIncarnations(new Map()));
      }
    });
    await writeManifest(this.dir, 'ready');
  }

  private openWal(): void {
    const opened: Wal[] = [];
    try {
      for (const name of WAL_FILES) opened.push(Wal.open(this.dir, { name, maxBytes: this.walMaxBytes }));
      this.wals = opened as [Wal, Wal];
    } catch (error) {
      for (const wal of opened) wal.close();
      if (error instanceof RangeError) throw error;
      throw new StoreCorruptError(`cannot open the write-ahead log: ${message(error)}`, this.dir, {
        cause: error,
      });
    }
  }

  private closeWals(): void {
    for (const wal of this.wals ?? []) wal.close();
    this.wals = null;
  }

  private walOf(generation: number): Wal {
    if (this.wals === null) throw new StoreClosedError(this.dir);
    return this.wals[generation % 2] as Wal;
  }

  /**
   * Reads the frames of the generation LMDB names and of the one after it (written while a
   * checkpoint that did not commit was in flight) into the backlog, checked like LMDB's records.
   * Appends then continue in the latest generation that has frames.
   */
  private replayWal(): void {
    const bytes = this.meta.getBinary(MetaKey.walGeneration);
    if (bytes === undefined) throw new StoreCorruptError('the WAL generation record is missing', this.dir);
    let payloads: Buffer[];
    try {
      const named = decodeWalGeneration(bytes);
      payloads = this.walOf(named).replay(named);
      const after = this.walOf(named + 1).replay(named + 1);
      payloads.push(...after);
      this.generation = after.length > 0 ? named + 1 : named;
    } catch (error) {
      if (error instanceof WalCorruptError)
        throw new StoreCorruptError(error.message, this.dir, { cause: error });
      if (error instanceof CodecError) throw this.codecFailure(error);
      throw new StoreCorruptError(`reading the write-ahead log failed: ${message(error)}`, this.dir, {
        cause: error,
      });
    }
    const backlog = new WalBacklog();
    for (const payload of payloads) {
      try {
        backlog.add(decodeWalDelta(payload));
      } catch (error) {
        throw this.codecFailure(error);
      }
    }
    this.backlog = backlog;
  }

  private static openEnvironment(abs: string, options: DurableStoreOptions): DurableStore {
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
      return new DurableStore(abs, env, meta, log, archive, options.walMaxBytes ?? WAL_MAX_BYTES);
    } catch (error) {
      void env.close();
      throw new StoreCorruptError(`cannot open the store's databases: ${message(error)}`, abs, {
        cause: error,
      });
    }
  }

  /**
   * The durable state: the promise (the zero ballot if none), every log record in slot order,
   * the commit watermark (0 if none), the snapshot (or null), the store's incarnation, whether
   * it is recovering, and the peers' incarnations it has seen (sorted by replica). Meant to be
   * called once, after open() and before the first persist(); later calls read the committed
   * state again.
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
   * What this store is: cluster id, server id, incarnation, whether it is recovering — as of the
   * last persist() (which is durable when it returns).
   */
  get identity(): StoreIdentity {
    return this.current;
  }

  /** Whether open() created this store (the directory held none). */
  get created(): boolean {
    return this.isNew;
  }

  /**
   * Makes one Ready's delta durable, with `extras` (a cluster id to record): one WAL append, done before this returns (the returned
   * promise is already resolved). A snapshot in the delta, or a full WAL file, also starts a
   * checkpoint in the background (see the class comment). While a checkpoint is in flight, a
   * persist that needs another one (and every persist after it) waits for the first; so does a
   * delta too large for any WAL file, which is written by a checkpoint of its own. Rejects with
   * InvalidDeltaError for a malformed delta, StoreWriteError if the write failed or an earlier one
   * did, StoreClosedError after close(). Any rejection is fatal for the replica: its memory is
   * ahead of its disk, so the host must stop.
   */
  persist(delta: PersistDelta, extras?: StoreExtras): Promise<void> {
    if (this.isClosed) return Promise.reject(new StoreClosedError(this.dir));
    this.initial = null;
    const full: StoreDelta =
      extras?.clusterId === undefined ? delta : { ...delta, clusterId: extras.clusterId };
    if (this.chained > 0) return this.track(this.chain.then(() => this.write(full)));
    return this.write(full);
  }

  /** Later persists wait for `run` (and everything already waiting). */
  private track(run: Promise<void>): Promise<void> {
    this.chained++;
    this.chain = this.chain
      .then(() => run)
      .then(ignore, ignore)
      .then(() => {
        this.chained--;
      });
    return run;
  }

  private write(delta: StoreDelta): Promise<void> {
    const call = ++this.calls;
    if (this.failure !== null) return Promise.reject(this.refusal());
    if (this.wals === null || this.isClosed) return Promise.reject(new StoreClosedError(this.dir));
    let frame: Buffer;
    let part: WalDelta;
    try {
      this.checkDelta(delta);
      part = walPart(delta);
      frame = encodeWalDelta(part, WAL_HEADER_BYTES);
    } catch (error) {
      return Promise.reject(this.fail(error, call));
    }
    const needsCheckpoint =
      delta.snapshot !== undefined || !this.walOf(this.generation).fits(frame.byteLength);
    if (needsCheckpoint) {
      const inflight = this.inflight;
      // One checkpoint at a time: the next generation's file still holds frames it has not folded.
      if (inflight !== null) return this.track(inflight.done.then(() => this.write(delta)));
      const tooLarge = !this.walOf(this.generation).holds(frame.byteLength);
      if (tooLarge) return this.track(this.fold(delta));
      this.startCheckpoint(
        delta.snapshot ?? null,
        delta.snapshot === undefined ? null : (delta.discardThrough ?? null),
      );
    }
    try {
      this.walOf(this.generation).append(frame);
    } catch (error) {
      return Promise.reject(this.fail(error, call));
    }
    this.stats.walAppends++;
    this.stats.walBytes += frame.byteLength;
    this.backlog.add(part);
    this.noteIdentity(part);
    return RESOLVED;
  }

  /** After a delta is durable: what it changed of the identity. */
  private noteIdentity(part: WalDelta): void {
    if (!part.recovered && part.clusterId === undefined) return;
    this.current = {
      ...this.current,
      ...(part.recovered && { recovering: false }),
      ...(part.clusterId !== undefined && { clusterId: part.clusterId }),
    };
  }

  /**
   * Starts a background checkpoint of the current generation (with a snapshot and its discard,
   * if given) and moves appends to the next generation at once: its file's older frames were
   * folded by the previous checkpoint, which has committed.
   */
  private startCheckpoint(snapshot: SnapshotData | null, discardThrough: number | null): void {
    const next = this.generation + 1;
    const backlog = this.backlog;
    const done = this.queueCheckpoint(backlog, snapshot, discardThrough, next);
    this.walOf(next).restart(next);
    this.generation = next;
    this.backlog = new WalBacklog();
    const checkpoint: Checkpoint = { backlog, snapshot, discardThrough, done };
    this.inflight = checkpoint;
    done.then(
      () => {
        if (this.inflight === checkpoint) this.inflight = null;
        this.stats.checkpoints++;
      },
      ignore, // the store is poisoned: every later write is refused
    );
  }

  /**
   * Folds the backlog and `delta` into LMDB in one durable transaction and only then starts the
   * next generation (nothing is appended meanwhile: at open, and for a delta no WAL file holds).
   */
  private fold(delta: StoreDelta | null): Promise<void> {
    const next = this.generation + 1;
    const backlog = this.backlog;
    const part = delta === null ? null : walPart(delta);
    if (part !== null) backlog.add(part);
    const snapshot = delta?.snapshot ?? null;
    const discardThrough = snapshot === null ? null : (delta?.discardThrough ?? null);
    const done = this.queueCheckpoint(backlog, snapshot, discardThrough, next);
    return done.then(() => {
      this.walOf(next).restart(next);
      this.generation = next;
      this.backlog = new WalBacklog();
      this.stats.checkpoints++;
      if (part !== null) this.noteIdentity(part);
    });
  }

  /**
   * One write in call order: `prepare` validates and encodes (outside the transaction) and
   * returns the transaction body. Calls made in the same turn share one LMDB commit. The first
   * failure poisons the store; the returned promise resolves once this write and every earlier
   * one are durable.
   */
  private enqueue(prepare: (call: number) => () => void): Promise<void> {
    return this.enqueueWrite((call) => this.env.childTransaction(prepare(call)));
  }

  /** Like enqueue(), for any LMDB write that `start` queues this turn and whose promise it returns. */
  private enqueueWrite(start: (call: number) => Promise<unknown>): Promise<void> {
    const call = ++this.calls;
    let write: Promise<unknown>;
    if (this.failure !== null) {
      write = Promise.reject(this.refusal());
    } else {
      try {
        write = start(call);
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
   * Encodes the next snapshot as it is written (the driver feeds it piece by piece): when the
   * replica then persists that very string, the checkpoint uses these bytes instead of encoding
   * the whole text on the event loop at once.
   */
  snapshotEncoder(): { piece(text: string): void; done(index: number, header: string, text: string): void } {
    const parts: Buffer[] = [];
    return {
      piece: (text) => {
        parts.push(Buffer.from(text, 'utf8'));
      },
      done: (index, header, text) => {
        this.preparedSnapshot = { index, text, parts: [Buffer.from(header, 'utf8'), ...parts] };
      },
    };
  }

  /** The snapshot's stored value: from the prepared pieces if they are of this very string. */
  private snapshotValue(snapshot: SnapshotData): Buffer {
    const prepared = this.preparedSnapshot;
    this.preparedSnapshot = null;
    if (prepared !== null && prepared.index === snapshot.index && prepared.text === snapshot.data) {
      this.stats.snapshotsFromPieces++;
      return encodeSnapshotParts(snapshot.index, prepared.parts);
    }
    return encodeSnapshot(snapshot);
  }

  /** Bytes appended to the write-ahead log since open (the replica driver paces snapshots by it). */
  get loggedBytes(): number {
    return this.stats.walBytes;
  }

  /** Resolves once no checkpoint is in flight (its snapshot is durable); rejects if it failed. */
  async checkpointed(): Promise<void> {
    while (this.inflight !== null) await this.inflight.done;
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
      this.closing = Promise.allSettled([this.tail, this.chain])
        .then(() => {
          this.closeWals();
          return this.env.close();
        })
        .finally(() => openDirs.delete(this.dir));
    }
    return this.closing;
  }

  /** Whether a write failed (the store then refuses all writes). */
  get failed(): boolean {
    return this.failure !== null;
  }

  // ---- writing ----

  /** Validates a delta (throws InvalidDeltaError) and returns it as a WAL delta. */
  private checkDelta(delta: StoreDelta): void {
    const invalid = (why: string) => new InvalidDeltaError(why, this.dir);
    if (delta.promised !== undefined) {
      try {
        checkBallot(delta.promised, 'promised');
      } catch (error) {
        throw invalid(message(error));
      }
    }
    if (delta.committed !== undefined && !isUint(delta.committed)) {
      throw invalid(`committed ${String(delta.committed)} is not a slot number`);
    }
    if (delta.discardThrough !== undefined && !isUint(delta.discardThrough)) {
      throw invalid(`discardThrough ${String(delta.discardThrough)} is not a slot number`);
    }
    if (delta.snapshot !== undefined) {
      const s = delta.snapshot;
      if (!isUint(s.index) || typeof s.data !== 'string')
        throw invalid('snapshot needs a slot index and string data');
    }
    if (delta.recovered !== undefined && delta.recovered !== true) throw invalid('recovered is not true');
    if (delta.incarnations !== undefined) {
      if (!Array.isArray(delta.incarnations) || delta.incarnations.length > 65535)
        throw invalid('incarnations is not a list');
      for (const pair of delta.incarnations) {
        if (
          !Array.isArray(pair) ||
          pair.length !== 2 ||
          !isUint(pair[0]) ||
          pair[0] < 1 ||
          pair[0] > 65535 ||
          !isUint(pair[1])
        ) {
          throw invalid(`incarnation ${JSON.stringify(pair)} is not a [replica, incarnation] pair`);
        }
      }
    }
    if (delta.clusterId !== undefined) {
      if (!isClusterId(delta.clusterId))
        throw invalid(`cluster id ${JSON.stringify(delta.clusterId)} is malformed`);
      const had = this.current.clusterId;
      if (had !== null && had !== delta.clusterId)
        throw invalid(
          `the store belongs to cluster ${had}, not ${delta.clusterId}: a store never changes cluster`,
        );
    }
    if (!Array.isArray(delta.entries)) throw invalid('entries is not an array');
    for (const record of delta.entries) {
      const why = invalidRecord(record);
      if (why !== null) throw invalid(why);
    }
  }

  /**
   * The writes of a checkpoint, in order, with the log summary they lead to: the backlog (its
   * discard first, then its records), the snapshot and its discard, the summary, the next WAL
   * generation. Computed from the committed log (see startCheckpoint).
   */
  private checkpointOps(
    backlog: WalBacklog,
    snapshot: SnapshotData | null,
    discardThrough: number | null,
    nextGeneration: number,
  ): BatchOp[] {
    // The CRC of every record in LMDB's log is kept in memory (logCrcs): no reads here. Only
    // checkpoints write the log, one at a time, and a failed one poisons the store.
    const crcs = this.logCrcs;
    let { count, crcXor } = this.summary;
    const ops: BatchOp[] = [];
    const discard = (through: number) => {
      for (const [slot, crc] of crcs) {
        if (slot > through) continue;
        crcXor = (crcXor ^ crc) >>> 0;
        count--;
        crcs.delete(slot);
        ops.push({ db: this.log, key: slotKey(slot), value: null });
      }
    };
    if (backlog.promised !== undefined) {
      ops.push({ db: this.meta, key: MetaKey.promised, value: encodePromised(backlog.promised) });
    }
    if (backlog.discardThrough !== undefined) discard(backlog.discardThrough);
    for (const [slot, entry] of backlog.entries) {
      const old = crcs.get(slot);
      if (old === undefined) count++;
      else crcXor = (crcXor ^ old) >>> 0;
      crcXor = (crcXor ^ entry.crc) >>> 0;
      crcs.set(slot, entry.crc);
      ops.push({ db: this.log, key: entry.key, value: entry.value });
    }
    if (backlog.committed !== undefined) {
      ops.push({ db: this.meta, key: MetaKey.committed, value: encodeCommitted(backlog.committed) });
    }
    if (snapshot !== null)
      ops.push({ db: this.meta, key: MetaKey.snapshot, value: this.snapshotValue(snapshot) });
    if (discardThrough !== null) discard(discardThrough);
    if (backlog.recovered || backlog.clusterId !== undefined) {
      this.lmdbIdentity = {
        ...this.lmdbIdentity,
        ...(backlog.recovered && { recovering: false }),
        ...(backlog.clusterId !== undefined && { clusterId: backlog.clusterId }),
      };
      ops.push({ db: this.meta, key: MetaKey.identity, value: encodeIdentity(this.lmdbIdentity) });
    }
    if (backlog.incarnations.size > 0) {
      this.lmdbIncarnations = new Map(mergeIncarnations(this.lmdbIncarnations, backlog.incarnations));
      ops.push({
        db: this.meta,
        key: MetaKey.incarnations,
        value: encodeIncarnations(this.lmdbIncarnations),
      });
    }
    this.summary = { count, crcXor };
    ops.push({ db: this.meta, key: MetaKey.summary, value: encodeSummary(this.summary) });
    ops.push({ db: this.meta, key: MetaKey.walGeneration, value: encodeWalGeneration(nextGeneration) });
    return ops;
  }

  /**
   * Queues a checkpoint's writes (checkpointOps) as one atomic batch, in the store's write order:
   * LMDB's write thread runs it in one transaction, the event loop only queues it. Resolves once
   * durable.
   */
  private queueCheckpoint(
    backlog: WalBacklog,
    snapshot: SnapshotData | null,
    discardThrough: number | null,
    nextGeneration: number,
  ): Promise<void> {
    return this.enqueueWrite(() => {
      const ops = this.checkpointOps(backlog, snapshot, discardThrough, nextGeneration);
      return this.env.batch(() => {
        for (const op of ops) {
          if (op.value === null) void op.db.remove(op.key);
          else void op.db.put(op.key, op.value);
        }
      });
    });
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

  /**
   * At open, before any write: reads and verifies LMDB, keeps its log's CRCs and summary (what
   * checkpoints start from) and the state the first load() hands out.
   */
  private loadAtOpen(): void {
    const read = this.verified(() => this.readLmdb());
    this.logCrcs = read.crcs;
    this.summary = read.summary;
    this.lmdbIdentity = read.identity;
    this.lmdbIncarnations = new Map(read.state.incarnations ?? []);
    const backlog = this.backlog;
    this.current = {
      ...read.identity,
      ...(backlog.recovered && { recovering: false }),
      ...(backlog.clusterId !== undefined && { clusterId: backlog.clusterId }),
    };
    this.initial = this.withUnfolded(read.state);
  }

  /** Reads and verifies everything: checksums, shapes, the record summary. */
  private readState(): DurableState {
    return this.verified(() => this.withUnfolded(this.readLmdb().state));
  }

  /**
   * `state` (LMDB) with what is not folded into it yet: a checkpoint still in flight (applying it
   * again after it committed changes nothing), then this generation's frames.
   */
  private withUnfolded(lmdb: DurableState): DurableState {
    let state = lmdb;
    const inflight = this.inflight;
    if (inflight !== null) {
      state = inflight.backlog.applyTo(state);
      if (inflight.snapshot !== null) state = { ...state, snapshot: inflight.snapshot };
      const through = inflight.discardThrough;
      if (through !== null) state = { ...state, entries: state.entries.filter((r) => r.slot > through) };
    }
    return this.backlog.applyTo(state);
  }

  /** Runs a read, turning anything it throws into a typed store error. */
  private verified<T>(read: () => T): T {
    try {
      return read();
    } catch (error) {
      if (error instanceof StoreError) throw error;
      if (error instanceof CodecError) throw this.codecFailure(error);
      throw new StoreCorruptError(`reading the store failed: ${message(error)}`, this.dir, { cause: error });
    }
  }

  private readLmdb(): {
    state: DurableState;
    identity: StoreIdentity;
    crcs: Map<number, number>;
    summary: LogSummary;
  } {
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

    const identityBytes = this.meta.getBinary(MetaKey.identity);
    if (identityBytes === undefined) throw new StoreCorruptError('the identity record is missing', this.dir);
    const identity = decodeIdentity(identityBytes);
    const incarnationsBytes = this.meta.getBinary(MetaKey.incarnations);
    if (incarnationsBytes === undefined)
      throw new StoreCorruptError('the incarnations record is missing', this.dir);
    const incarnations = decodeIncarnations(incarnationsBytes);

    const promisedBytes = this.meta.getBinary(MetaKey.promised);
    const committedBytes = this.meta.getBinary(MetaKey.committed);
    const snapshotBytes = this.meta.getBinary(MetaKey.snapshot);

    const entries: LogRecord[] = [];
    const crcs = new Map<number, number>();
    let crcXor = 0;
    let lastSlot = -1;
    for (const { key, value } of this.log.getRange()) {
      const record = decodeLogRecord(key, value);
      if (record.slot <= lastSlot)
        throw new StoreCorruptError(`log keys out of order at slot ${record.slot}`, this.dir);
      lastSlot = record.slot;
      const crc = storedChecksum(value);
      crcXor = (crcXor ^ crc) >>> 0;
      crcs.set(record.slot, crc);
      entries.push(record);
    }
    if (entries.length !== summary.count || crcXor !== summary.crcXor) {
      throw new StoreCorruptError(
        `the log does not match its summary: ${entries.length} records found, ${summary.count} written` +
          (entries.length === summary.count ? ' (but different ones)' : ''),
        this.dir,
      );
    }
    const state: DurableState = {
      promised: promisedBytes === undefined ? { ...ZERO_BALLOT } : decodePromised(promisedBytes),
      entries,
      committed: committedBytes === undefined ? 0 : decodeCommitted(committedBytes),
      snapshot: snapshotBytes === undefined ? null : decodeSnapshot(snapshotBytes),
      incarnation: identity.incarnation,
      recovering: identity.recovering,
      incarnations: [...incarnations].sort((a, b) => a[0] - b[0]),
    };
    return { state, identity, crcs, summary };
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

/**
 * What of a delta goes into a WAL frame: all but the snapshot and its discard, which a checkpoint
 * carries (records at or below that discard are dropped, as the discard would drop them).
 */
function walPart(delta: StoreDelta): WalDelta {
  const through = delta.snapshot === undefined ? undefined : delta.discardThrough;
  const records = through === undefined ? delta.entries : delta.entries.filter((r) => r.slot > through);
  return {
    entries: records.map(encodeRecord),
    ...(delta.promised !== undefined && { promised: delta.promised }),
    ...(delta.committed !== undefined && { committed: delta.committed }),
    ...(delta.snapshot === undefined &&
      delta.discardThrough !== undefined && { discardThrough: delta.discardThrough }),
    ...(delta.recovered === true && { recovered: true as const }),
    ...(delta.incarnations !== undefined &&
      delta.incarnations.length > 0 && { incarnations: delta.incarnations }),
    ...(delta.clusterId !== undefined && { clusterId: delta.clusterId }),
  };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
