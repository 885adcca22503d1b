import type { AcceptedEntry, Ballot, ReplicaId } from '@quorum/protocol';
import { compareBallots, ZERO_BALLOT } from './ballot.js';
import type { RecoveryStatusView } from './types.js';

/** One voter's answer to a recovery request. */
export interface RecoverAnswer {
  /** The answering store's incarnation. */
  readonly voterIncarnation: number;
  readonly promised: Ballot;
  readonly committed: number;
  readonly accepted: readonly AcceptedEntry[];
}

/** What recovery learned once enough voters answered. */
export interface RecoveryOutcome {
  /** The highest promise among the answers: the new store never promises below it. */
  readonly floor: Ballot;
  /** The highest commit watermark among the answers: catch up to it before voting. */
  readonly target: number;
  /** Per slot, the highest-ballot value the answers had accepted: held before voting. */
  readonly accepted: ReadonlyMap<number, AcceptedEntry>;
}

/**
 * The bookkeeping of a replica whose store is new for a cluster that exists (it lost its disk).
 * The lost store may have promised ballots and accepted values that counted in quorums; the new
 * one must not vote as if it never had. So it asks the others, and waits for a majority of them
 * (`needed`): every quorum the lost store was part of has at least one member among any majority
 * of the others. See Replica for the rest of the argument (the incarnation fence).
 */
export class Recovery {
  private readonly answers = new Map<ReplicaId, RecoverAnswer>();
  private result: RecoveryOutcome | null = null;
  /** When the recovery requests were last sent (replica ticks). */
  askedAt = Number.NEGATIVE_INFINITY;

  constructor(
    readonly incarnation: number,
    readonly needed: number,
  ) {}

  /**
   * Records a voter's answer; the outcome is fixed by the first `needed` answers that are current.
   * `known` tells the highest incarnation known of each voter: an answer from a store since
   * replaced (it lost its disk too) counts no more, since what it persisted for this recovery is
   * gone with it.
   */
  answer(from: ReplicaId, answer: RecoverAnswer, known: (id: ReplicaId) => number): void {
    if (this.result !== null) return;
    const previous = this.answers.get(from);
    if (previous !== undefined && previous.voterIncarnation >= answer.voterIncarnation) return;
    this.answers.set(from, answer);
    this.forgetReplaced(known);
    if (this.answers.size >= this.needed) this.result = decide([...this.answers.values()]);
  }

  /** Drops answers of stores known to be replaced (before the outcome is fixed). */
  forgetReplaced(known: (id: ReplicaId) => number): void {
    if (this.result !== null) return;
    for (const [id, answer] of this.answers) if (answer.voterIncarnation < known(id)) this.answers.delete(id);
  }

  get outcome(): RecoveryOutcome | null {
    return this.result;
  }

  hasAnswered(id: ReplicaId): boolean {
    return this.answers.has(id);
  }

  status(): RecoveryStatusView {
    return {
      incarnation: this.incarnation,
      answered: [...this.answers.keys()].sort((a, b) => a - b),
      needed: this.needed,
      target: this.result?.target ?? null,
    };
  }
}

function decide(answers: readonly RecoverAnswer[]): RecoveryOutcome {
  let floor: Ballot = ZERO_BALLOT;
  let target = 0;
  const accepted = new Map<number, AcceptedEntry>();
  for (const answer of answers) {
    if (compareBallots(answer.promised, floor) > 0) floor = answer.promised;
    if (answer.committed > target) target = answer.committed;
    for (const entry of answer.accepted) {
      const known = accepted.get(entry.slot);
      if (!known || compareBallots(entry.ballot, known.ballot) > 0) accepted.set(entry.slot, entry);
    }
  }
  return { floor, target, accepted };
}
