import {
  CHOSEN_BALLOT,
  type DurableState,
  type LogRecord,
  type PersistDelta,
  type SnapshotData,
} from '@quorum/paxos';
import type { Ballot } from '@quorum/protocol';

/**
 * How the simulated disk behaves. `correct` keeps everything written; the others are the
 * deliberately broken disks used to prove that the checkers bite:
 * - `forget-promise`: an amnesiac acceptor: on restart the promise and every accepted (not yet
 *   known chosen) record are gone;
 * - `no-persist`: nothing is ever stored.
 */
export type DiskMode = 'correct' | 'forget-promise' | 'no-persist';

const ZERO_BALLOT: Ballot = { round: 0, node: 0 };

function copy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/**
 * One replica's durable storage. `write` is the completed (fsync'd) write of one Ready's
 * persist delta; whatever the host had not finished writing when it crashed never gets here.
 */
export class SimDisk {
  private promised: Ballot = ZERO_BALLOT;
  private readonly entries = new Map<number, LogRecord>();
  private committed = 0;
  private snapshot: SnapshotData | null = null;
  /** Completed durable writes. */
  writes = 0;

  constructor(readonly mode: DiskMode = 'correct') {}

  write(delta: PersistDelta): void {
    this.writes++;
    if (this.mode === 'no-persist') return;
    if (delta.promised !== undefined) this.promised = copy(delta.promised);
    for (const record of delta.entries) this.entries.set(record.slot, copy(record));
    if (delta.committed !== undefined) this.committed = delta.committed;
    if (delta.snapshot !== undefined) this.snapshot = copy(delta.snapshot);
    if (delta.discardThrough !== undefined) {
      for (const slot of [...this.entries.keys()])
        if (slot <= delta.discardThrough) this.entries.delete(slot);
    }
  }

  /** What a restarting replica reads back. */
  durableState(): DurableState {
    const entries = [...this.entries.values()].sort((a, b) => a.slot - b.slot);
    if (this.mode === 'forget-promise') {
      return {
        promised: ZERO_BALLOT,
        entries: copy(entries.filter((r) => r.ballot.round === CHOSEN_BALLOT.round)),
        committed: this.committed,
        snapshot: copy(this.snapshot),
      };
    }
    return {
      promised: copy(this.promised),
      entries: copy(entries),
      committed: this.committed,
      snapshot: copy(this.snapshot),
    };
  }

  /** How many log records are on disk (for memory-boundedness figures). */
  get size(): number {
    return this.entries.size;
  }

  get snapshotIndex(): number {
    return this.snapshot?.index ?? 0;
  }
}
