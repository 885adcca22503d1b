import type { Ballot, Command, PeerMessage, ReplicaId } from '@quorum/protocol';
import type {
  CommittedEntry,
  LogRecord,
  Outgoing,
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
  readonly send: Outgoing[] = [];
  private committed: CommittedEntry[] = [];
  private reads: ReadResult[] = [];
  private rejected: RejectedProposal[] = [];

  message(to: ReplicaId, message: PeerMessage): void {
    this.send.push({ to, message });
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
      this.committedMark === undefined &&
      this.snapshot === undefined &&
      this.send.length === 0 &&
      this.committed.length === 0 &&
      this.reads.length === 0 &&
      this.rejected.length === 0
    );
  }

  take(): Ready {
    const hasPersist =
      this.promised !== undefined ||
      this.entries.size > 0 ||
      this.committedMark !== undefined ||
      this.snapshot !== undefined;
    const persist: PersistDelta | null = hasPersist
      ? {
          ...(this.promised !== undefined && { promised: this.promised }),
          entries: [...this.entries.values()].sort((a, b) => a.slot - b.slot),
          ...(this.committedMark !== undefined && { committed: this.committedMark }),
          ...(this.snapshot !== undefined && { snapshot: this.snapshot }),
          ...(this.discardThrough !== undefined && { discardThrough: this.discardThrough }),
        }
      : null;
    const ready: Ready = {
      install: this.install,
      persist,
      send: this.send.splice(0),
      committed: this.committed,
      reads: this.reads,
      rejected: this.rejected,
    };
    this.install = null;
    this.promised = undefined;
    this.entries = new Map();
    this.committedMark = undefined;
    this.snapshot = undefined;
    this.discardThrough = undefined;
    this.committed = [];
    this.reads = [];
    this.rejected = [];
    return ready;
  }
}
