import type { Ballot, Command, PeerMessage, ReplicaId } from '@quorum/protocol';
import { sameBallot } from './ballot.js';
import type {
  CommittedEntry,
  LogRecord,
  Outgoing,
  OwnAccept,
  PersistDelta,
  ReadResult,
  Ready,
  RejectedProposal,
  SnapshotData,
} from './types.js';

/** Accumulates everything the replica wants done until the host drains it with `take()`. */
export class Outbox {
  private install: SnapshotData | null = null;
  private promised: Ballot | undefined;
  private entries = new Map<number, LogRecord>();
  private committedMark: number | undefined;
  private snapshot: SnapshotData | undefined;
  private discardThrough: number | undefined;
  private recovered = false;
  private incarnations = new Map<ReplicaId, number>();
  readonly send: Outgoing[] = [];
  readonly early: Outgoing[] = [];
  /** Write a watermark even if nothing else needs writing (set by the replica's periodic flush). */
  private forceWatermark = false;
  private committed: CommittedEntry[] = [];
  private ownAccept: { ballot: Ballot; slots: number[] } | null = null;
  private reads: ReadResult[] = [];
  private rejected: RejectedProposal[] = [];

  /** `early`: the message does not depend on this turn's write (see `Ready.sendEarly`). */
  message(to: ReplicaId, message: PeerMessage, early = false): void {
    (early ? this.early : this.send).push({ to, message });
  }

  /** Every message queued this turn, early or not (to amend before they leave). */
  *queued(): Iterable<Outgoing> {
    yield* this.early;
    yield* this.send;
  }

  /** The leader accepted `slot` at `ballot` itself; the vote counts once this turn's write is durable. */
  acceptOwn(ballot: Ballot, slot: number): void {
    if (this.ownAccept === null) this.ownAccept = { ballot, slots: [] };
    // A leader's ballot does not change within a turn: a new ballot means a new leadership.
    else if (!sameBallot(this.ownAccept.ballot, ballot)) this.ownAccept = { ballot, slots: [] };
    this.ownAccept.slots.push(slot);
  }

  persistPromise(ballot: Ballot): void {
    this.promised = ballot;
  }

  persistRecord(record: LogRecord): void {
    this.entries.set(record.slot, record);
  }

  persistCommitted(committed: number): void {
    this.committedMark = committed;
  }

  /** Recovery is over: the store becomes a voter with this write. */
  persistRecovered(): void {
    this.recovered = true;
  }

  /** A peer's new incarnation, durable before the answer to its recovery request leaves. */
  persistIncarnation(id: ReplicaId, incarnation: number): void {
    this.incarnations.set(id, incarnation);
  }

  /** A watermark waiting for a write: the next `take()` writes it even if nothing else changed. */
  flushWatermark(): void {
    if (this.committedMark !== undefined) this.forceWatermark = true;
  }

  persistSnapshot(snapshot: SnapshotData, discardThrough: number): void {
    this.snapshot = snapshot;
    this.discardThrough = Math.max(this.discardThrough ?? 0, discardThrough);
    // Records the snapshot covers need not be written at all.
    for (const slot of this.entries.keys()) if (slot <= discardThrough) this.entries.delete(slot);
  }

  /** The state machine must be replaced by this snapshot before anything queued after it applies. */
  installSnapshot(snapshot: SnapshotData): void {
    this.install = snapshot;
    this.committed = this.committed.filter((entry) => entry.slot > snapshot.index);
  }

  deliver(entry: CommittedEntry): void {
    this.committed.push(entry);
  }

  read(result: ReadResult): void {
    this.reads.push(result);
  }

  reject(commands: readonly Command[], reason: RejectedProposal['reason']): void {
    if (commands.length > 0) this.rejected.push({ commands, reason });
  }

  isEmpty(): boolean {
    return (
      this.install === null &&
      this.promised === undefined &&
      this.entries.size === 0 &&
      !this.forceWatermark &&
      this.snapshot === undefined &&
      !this.recovered &&
      this.incarnations.size === 0 &&
      this.send.length === 0 &&
      this.early.length === 0 &&
      this.ownAccept === null &&
      this.committed.length === 0 &&
      this.reads.length === 0 &&
      this.rejected.length === 0
    );
  }

  take(): Ready {
    // A watermark alone waits for the next write (or the periodic flush): see PersistDelta.committed.
    const hasPersist =
      this.promised !== undefined ||
      this.entries.size > 0 ||
      this.snapshot !== undefined ||
      this.recovered ||
      this.incarnations.size > 0 ||
      this.forceWatermark;
    const persist: PersistDelta | null = hasPersist
      ? {
          ...(this.promised !== undefined && { promised: this.promised }),
          entries: [...this.entries.values()].sort((a, b) => a.slot - b.slot),
          ...(this.committedMark !== undefined && { committed: this.committedMark }),
          ...(this.snapshot !== undefined && { snapshot: this.snapshot }),
          ...(this.discardThrough !== undefined && { discardThrough: this.discardThrough }),
          ...(this.recovered && { recovered: true as const }),
          ...(this.incarnations.size > 0 && { incarnations: [...this.incarnations] }),
        }
      : null;
    // A new promise must be durable before anyone acts on the ballot, and a store's end of
    // recovery before it votes: then nothing goes early.
    const holdEarly = this.promised !== undefined || this.recovered;
    const early = this.early.splice(0);
    const late = this.send.splice(0);
    const ready: Ready = {
      install: this.install,
      persist,
      sendEarly: holdEarly ? [] : early,
      send: holdEarly ? [...early, ...late] : late,
      ownAccept: this.ownAccept satisfies OwnAccept | null,
      committed: this.committed,
      reads: this.reads,
      rejected: this.rejected,
    };
    this.install = null;
    this.promised = undefined;
    this.entries = new Map();
    if (persist !== null) this.committedMark = undefined;
    this.forceWatermark = false;
    this.ownAccept = null;
    this.snapshot = undefined;
    this.discardThrough = undefined;
    this.recovered = false;
    this.incarnations = new Map();
    this.committed = [];
    this.reads = [];
    this.rejected = [];
    return ready;
  }
}
