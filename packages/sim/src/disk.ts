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
  private readonly incarnations = new Map<number, number>();
  /** Completed durable writes. */
  writes = 0;

  /**
   * `incarnation` and `recovering`: a disk that replaces a lost one is of a higher incarnation and
   * recovers before its replica votes (`recovering` false for it is the broken host of the
   * `wipe-without-recovery` variant). The disks a run starts with are incarnation 0, voters.
   */
  constructor(
    readonly mode: DiskMode = 'correct',
    readonly incarnation = 0,
    private recoveringStore = false,
  ) {}

  /** True until the replica on this disk finished recovery. */
  get recovering(): boolean {
    return this.recoveringStore;
  }

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
    if (delta.recovered) this.recoveringStore = false;
    for (const [id, incarnation] of delta.incarnations ?? []) {
      if (incarnation > (this.incarnations.get(id) ?? 0)) this.incarnations.set(id, incarnation);
    }
  }

  /** What a restarting replica reads back. */
  durableState(): DurableState {
    const entries = [...this.entries.values()].sort((a, b) => a.slot - b.slot);
    const identity = {
      incarnation: this.incarnation,
      recovering: this.recoveringStore,
      incarnations: [...this.incarnations],
    };
    if (this.mode === 'forget-promise') {
      return {
        promised: ZERO_BALLOT,
        entries: copy(entries.filter((r) => r.ballot.round === CHOSEN_BALLOT.round)),
        committed: this.committed,
        snapshot: copy(this.snapshot),
        ...identity,
      };
    }
    return {
      promised: copy(this.promised),
      entries: copy(entries),
      committed: this.committed,
      snapshot: copy(this.snapshot),
      ...identity,
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
