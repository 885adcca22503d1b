import type { ReplicaId } from '@quorum/protocol';

/** A read waiting for its leadership confirmation. */
export interface PendingRead {
  readonly id: number;
  /** The replica that asked (the leader itself for local reads). */
  readonly requester: ReplicaId;
  /** Every command committed before the read arrived is at or below this slot. */
  readonly index: number;
  /** The heartbeat round that confirms it: any round numbered at least this. */
  readonly round: number;
}

/**
 * Read-index bookkeeping at a leader. Reads are batched into heartbeat rounds: a read waits for
 * the next round to start after it arrived, and is confirmed once a quorum (the leader
 * included) acknowledged that round or a later one — proof that no other leader took over in
 * between. A round whose acks were lost is simply run again.
 */
export class ReadRounds {
  private round = 0;
  private sentRound = 0;
  private sentAt = 0;
  private readonly acks = new Map<number, Set<ReplicaId>>();
  private pending: PendingRead[] = [];

  constructor(
    private readonly self: ReplicaId,
    private readonly quorum: number,
  ) {}

  get size(): number {
    return this.pending.length;
  }

  register(id: number, requester: ReplicaId, index: number): void {
    this.pending.push({ id, requester, index, round: this.round + 1 });
  }

  /** True when some read waits for a round not yet started, or the last round is overdue. */
  needsRound(now: number, retransmitTicks: number): boolean {
    if (this.pending.length === 0) return false;
    return this.pending.some((r) => r.round > this.sentRound) || now - this.sentAt >= retransmitTicks;
  }

  /** Starts a round (the leader acks it itself); returns its id and any reads it already confirms. */
  startRound(now: number): { round: number; confirmed: PendingRead[] } {
    const round = ++this.round;
    this.sentRound = round;
    this.sentAt = now;
    this.acks.set(round, new Set());
    return { round, confirmed: this.ack(round, this.self) };
  }

  /** Records `from`'s ack of `round`; returns the reads a quorum has now confirmed. */
  ack(round: number, from: ReplicaId): PendingRead[] {
    const acks = this.acks.get(round);
    if (!acks) return [];
    acks.add(from);
    if (acks.size < this.quorum) return [];
    for (const r of [...this.acks.keys()]) if (r <= round) this.acks.delete(r);
    const confirmed = this.pending.filter((read) => read.round <= round);
    this.pending = this.pending.filter((read) => read.round > round);
    return confirmed;
  }

  /** Leadership lost: every pending read must be answered "no index". */
  abort(): PendingRead[] {
    const aborted = this.pending;
    this.pending = [];
    this.acks.clear();
    return aborted;
  }
}
