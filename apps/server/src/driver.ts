import {
  type CommittedEntry,
  type DurableState,
  type PersistDelta,
  type Ready,
  type RejectedProposal,
  Replica,
  type SnapshotData,
} from '@quorum/paxos';
import type { Command, PeerMessage } from '@quorum/protocol';

/** What the driver needs from durable storage. */
export interface ReplicaStore {
  load(): DurableState;
  /** Bytes written to the durable log so far (grows with every persist). */
  readonly loggedBytes?: number;
  /** Lets the store encode the next snapshot piece by piece as the driver writes it. */
  snapshotEncoder?(): SnapshotEncoder;
  /** Resolves once the delta is durable (fsync'd). Called with at most one persist in flight. */
  persist(delta: PersistDelta): Promise<void>;
}

/** Writes a snapshot's text in steps (the state it describes was fixed when it was made). */
export interface SnapshotWriter {
  /** Writes about `chars` more characters of the body, each piece to `onPiece`; true once done. */
  step(chars: number, onPiece?: (piece: string) => void): boolean;
  /** The text's first line, written before the body (known once the body is done). */
  readonly header: string;
  /** The whole text: the header, then the body. */
  finish(): string;
}

/** Encodes a snapshot for storage while it is written (see ReplicaStore.snapshotEncoder). */
export interface SnapshotEncoder {
  piece(text: string): void;
  /** The snapshot is complete: `text` is the string the replica will persist at `index`. */
  done(index: number, header: string, text: string): void;
}

/** What the driver needs from the replicated state machine. */
export interface StateMachineHost {
  apply(entry: CommittedEntry): void;
  install(snapshot: SnapshotData): void;
  /** A writer of the snapshot of the state as of the last applied slot. */
  snapshotWriter(): SnapshotWriter;
}

/**
 * Characters of snapshot text written per event-loop turn: about a millisecond of work, so a
 * snapshot of a large state (tens of MB) never stalls clients, peers or heartbeats.
 */
const SNAPSHOT_STEP_CHARS = 256 * 1024;

/**
 * A snapshot at least this large is taken again only once the log written since is half its
 * size (and the slot interval has passed): a large state is not re-serialised every few thousand
 * small commands. Below it the slot interval alone decides, as it always did.
 */
const LARGE_SNAPSHOT_CHARS = 1 << 20;

export interface DriverOptions {
  readonly id: number;
  readonly members: readonly number[];
  readonly store: ReplicaStore;
  readonly machine: StateMachineHost;
  /** Sends one turn's messages to one peer (the host may put them in one frame). */
  readonly send: (to: number, messages: readonly PeerMessage[]) => void;
  readonly onRejected?: (rejected: RejectedProposal) => void;
  /** The replica learned of a new leader (or lost its leader: null). */
  readonly onLeaderChange?: (leader: number | null) => void;
  /** Milliseconds per replica tick. */
  readonly tickMs?: number;
  /** Take a snapshot and compact after this many applied slots. */
  readonly snapshotEverySlots?: number;
  /** Log entries kept below a snapshot (the replica's trailing window; default its own). */
  readonly retainEntries?: number;
  /**
   * Called right before each durable write is queued: the host queues its own pending writes
   * (the chat archive) so that they are ordered before it — a snapshot never lands first.
   */
  readonly beforePersist?: () => void;
  readonly random?: () => number;
}

interface SnapshotJob {
  readonly index: number;
  readonly writer: SnapshotWriter;
  readonly encoder: SnapshotEncoder | null;
}

interface WaitingRead {
  readonly resolve: (ok: boolean) => void;
  index: number | null;
}

/**
 * Drives a Replica with real I/O, in the order the contract demands: install, send the early
 * messages (a leader's accepts: its write overlaps its followers'), persist (one durable write
 * per turn: group commit), count the leader's own vote, send, apply, answer reads. Everything
 * that arrives while a write is in flight is gathered into the next write.
 */
export class ReplicaDriver {
  readonly replica: Replica;
  private timer: NodeJS.Timeout | null = null;
  private flushing = false;
  private scheduled = false;
  private stopped = false;
  private applied = 0;
  private leader: number | null = null;
  private sinceSnapshot = 0;
  private nextReadId = 1;
  private readonly reads = new Map<number, WaitingRead>();
  /** The snapshot being written, a step per turn, and the slot it describes. */
  private snapshotting: SnapshotJob | null = null;
  /** The last snapshot's size and the log's size when it was taken. */
  private lastSnapshot = { chars: 0, loggedBytes: 0 };
  readonly stats = { persists: 0, persistedEntries: 0, appliedSlots: 0, appliedCommands: 0 };

  constructor(private readonly options: DriverOptions) {
    this.replica = new Replica(
      {
        id: options.id,
        members: options.members,
        random: options.random ?? Math.random,
        ...(options.retainEntries !== undefined && { retainEntries: options.retainEntries }),
      },
      options.store.load(),
    );
    // Stagger the replicas' snapshots over the interval: the last steps of one (freezing the
    // state, encoding the text, queueing the checkpoint) still take tens of ms of the event
    // loop, and three replicas doing it at the same slot would also share the CPU for it.
    const rank = [...options.members].sort((a, b) => a - b).indexOf(options.id);
    this.sinceSnapshot = Math.floor((this.snapshotEvery * Math.max(0, rank)) / options.members.length);
  }

  start(): void {
    this.timer = setInterval(() => {
      this.replica.tick();
      this.schedule();
    }, this.options.tickMs ?? 10);
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    for (const read of this.reads.values()) read.resolve(false);
    this.reads.clear();
  }

  /** Resolves once no durable write is in flight (for a clean shutdown). */
  async idle(): Promise<void> {
    while (this.flushing) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  get appliedSlot(): number {
    return this.applied;
  }

  step(message: PeerMessage): void {
    this.replica.step(message);
    this.schedule();
  }

  propose(commands: readonly Command[]): void {
    this.replica.propose(commands);
    this.schedule();
  }

  /** Resolves true once this replica has applied everything committed before the call; false if no leader confirmed. */
  linearizableBarrier(): Promise<boolean> {
    const id = this.nextReadId++;
    return new Promise((resolve) => {
      this.reads.set(id, { resolve, index: null });
      this.replica.readIndex(id);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.flushing) return; // the running flush loops until nothing is left
    this.flushing = true;
    try {
      while (!this.stopped && this.replica.hasReady()) {
        const ready = this.replica.ready();
        if (ready.install) {
          this.snapshotting = null; // it described a state that is gone
          this.options.machine.install(ready.install);
          this.applied = ready.install.index;
          this.sinceSnapshot = 0;
        }
        // The leader's accepts go out now: the followers write while we write.
        this.sendAll(ready.sendEarly);
        if (ready.persist) {
          this.options.beforePersist?.();
          await this.options.store.persist(ready.persist);
          this.stats.persists++;
          this.stats.persistedEntries += ready.persist.entries.length;
        }
        if (this.stopped) return;
        if (ready.ownAccept) this.replica.ownAcceptDurable(ready.ownAccept);
        this.sendAll(ready.send);
        for (const entry of ready.committed) {
          this.options.machine.apply(entry);
          this.applied = entry.slot;
          this.sinceSnapshot++;
          this.stats.appliedSlots++;
          this.stats.appliedCommands += entry.value.commands.length;
        }
        for (const read of ready.reads) {
          const waiting = this.reads.get(read.id);
          if (!waiting) continue;
          if (read.index === null) {
            this.reads.delete(read.id);
            waiting.resolve(false);
          } else waiting.index = read.index;
        }
        for (const rejected of ready.rejected) this.options.onRejected?.(rejected);
        this.answerReads();
        const leader = this.replica.status().leaderId;
        if (leader !== this.leader) {
          this.leader = leader;
          this.options.onLeaderChange?.(leader);
        }
        this.maybeSnapshot();
      }
    } finally {
      this.flushing = false;
    }
  }

  /** One call per peer with all of its messages, so the link can put them in one frame. */
  private sendAll(outgoing: Ready['send']): void {
    if (outgoing.length === 0) return;
    const byPeer = new Map<number, PeerMessage[]>();
    for (const { to, message } of outgoing) {
      const list = byPeer.get(to);
      if (list) list.push(message);
      else byPeer.set(to, [message]);
    }
    for (const [to, messages] of byPeer) this.options.send(to, messages);
  }

  private answerReads(): void {
    for (const [id, read] of this.reads) {
      if (read.index !== null && read.index <= this.applied) {
        this.reads.delete(id);
        read.resolve(true);
      }
    }
  }

  private maybeSnapshot(): void {
    if (this.sinceSnapshot < this.snapshotEvery || this.snapshotting !== null) return;
    const logged = this.options.store.loggedBytes;
    const { chars, loggedBytes } = this.lastSnapshot;
    if (logged !== undefined && chars >= LARGE_SNAPSHOT_CHARS && logged - loggedBytes < chars / 2) return;
    this.sinceSnapshot = 0;
    const job: SnapshotJob = {
      index: this.applied,
      writer: this.options.machine.snapshotWriter(),
      encoder: this.options.store.snapshotEncoder?.() ?? null,
    };
    this.snapshotting = job;
    this.continueSnapshot(job);
  }

  /** One step per turn; when the text is complete, compact the log up to the slot it describes. */
  private continueSnapshot(job: SnapshotJob): void {
    setImmediate(() => {
      if (this.stopped || this.snapshotting !== job) return;
      const encoder = job.encoder;
      if (
        !job.writer.step(SNAPSHOT_STEP_CHARS, encoder === null ? undefined : (piece) => encoder.piece(piece))
      ) {
        this.continueSnapshot(job);
        return;
      }
      this.snapshotting = null;
      const text = job.writer.finish();
      encoder?.done(job.index, job.writer.header, text);
      this.lastSnapshot = { chars: text.length, loggedBytes: this.options.store.loggedBytes ?? 0 };
      this.replica.compact(job.index, text);
      this.schedule();
    });
  }

  private get snapshotEvery(): number {
    return this.options.snapshotEverySlots ?? 5000;
  }
}
