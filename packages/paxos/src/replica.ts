import {
  type AcceptedEntry,
  type Ballot,
  type Command,
  commandKey,
  MAX_BATCH_COMMANDS,
  MAX_ENTRIES_PER_MESSAGE,
  NOOP,
  type PaxosValue,
  type PeerMessage,
  type PeerMessageOf,
  type ReplicaId,
  type Role,
  type SlotEntry,
  SNAPSHOT_CHUNK_CHARS,
} from '@quorum/protocol';
import { invariant } from './assert.js';
import { CHOSEN_BALLOT, compareBallots, isChosenBallot, sameBallot, ZERO_BALLOT } from './ballot.js';
import { chunkEntries } from './batching.js';
import { IncarnationBook } from './incarnations.js';
import { Outbox } from './outbox.js';
import { type PendingRead, ReadRounds } from './read-index.js';
import { Recovery } from './recovery.js';
import type {
  DurableState,
  LogRecord,
  OwnAccept,
  Ready,
  ReplicaConfig,
  ReplicaStatusView,
  SnapshotData,
} from './types.js';

/**
 * An acceptor never accepts a slot further than this beyond its own commit watermark, and a
 * leader never proposes further: so the accepted-but-not-known-chosen part of any acceptor's log
 * always fits one promise message.
 */
export const ACCEPT_AHEAD = MAX_ENTRIES_PER_MESSAGE;
/** Re-asks of a silent snapshot source (each after retransmitTicks) before trying another peer. */
export const TRANSFER_RETRIES = 2;

/**
 * Most commands a leader has in flight at once. Besides the slot window this bounds the bytes a
 * promise must carry (what an acceptor accepted above its watermark), keeping it within a frame.
 */
export const MAX_INFLIGHT_COMMANDS = 2048;

const DEFAULTS = {
  heartbeatTicks: 5,
  electionTicks: 20,
  retransmitTicks: 10,
  window: 64,
  maxBatch: 256,
  maxPending: 20_000,
  retainEntries: 10_000,
} as const;

type Resolved = Required<ReplicaConfig>;

interface Inflight {
  readonly value: PaxosValue;
  readonly acks: Set<ReplicaId>;
  sent: boolean;
  sentAt: number;
}

interface PromiseInfo {
  readonly accepted: readonly AcceptedEntry[];
  readonly committed: number;
  /** The promising store's incarnation: the promise is void once a newer one is known. */
  readonly incarnation: number;
}

/** The fields every vote (promise, accepted) carries about incarnations. */
interface VoteIncarnations {
  readonly from: ReplicaId;
  readonly incarnation: number;
  readonly incarnations: readonly { readonly replica: ReplicaId; readonly incarnation: number }[];
}

/**
 * A Multi-Paxos replica: acceptor, proposer and learner in one, with no I/O of its own.
 * See types.ts for the host contract (persist, then send, then apply).
 */
export class Replica {
  readonly id: ReplicaId;
  private readonly cfg: Resolved;
  private readonly peers: readonly ReplicaId[];
  private readonly quorum: number;
  private readonly out = new Outbox();
  private readonly incarnations: IncarnationBook;
  /** Non-null while this replica's store is new and it has not yet learned what it may have forgotten. */
  private recovery: Recovery | null = null;

  // ---- acceptor and learner state (the durable part is mirrored on disk) ----
  private promised: Ballot;
  private readonly log = new Map<number, LogRecord>();
  private committed: number;
  private snapshot: SnapshotData | null;
  /** Lowest slot still held in `log` (everything below is compacted into the snapshot). */
  private firstRetained: number;
  /** Highest slot handed to the host for applying. */
  private delivered: number;
  /** Slots above `committed` known to be chosen (a leader's quorum-acked slots). */
  private readonly chosenAbove = new Set<number>();
  /** The current leader's claim: slots up to `committed` are chosen, and so is anything accepted at `ballot`. */
  private commitHint: { ballot: Ballot; committed: number } | null = null;

  // ---- role ----
  private role: Role = 'follower';
  private leaderId: ReplicaId | null = null;
  /** This replica's own proposer ballot (meaningful as candidate or leader). */
  private ballot: Ballot = ZERO_BALLOT;
  private maxSeenRound = 0;
  /** Consecutive candidacies that did not end in leadership (widens the election timeout). */
  private failedElections = 0;
  private now = 0;
  private electionElapsed = 0;
  private electionTimeout: number;
  private heartbeatElapsed = 0;
  private readonly lastAcceptTo = new Map<ReplicaId, number>();

  // ---- candidate ----
  private promises = new Map<ReplicaId, PromiseInfo>();
  private prepareSentAt = 0;

  // ---- leader ----
  private nextSlot = 1;
  /** Slots up to here were chosen before this leadership: learn them, never propose into them. */
  private chosenFloor = 0;
  private readonly inflight = new Map<number, Inflight>();
  private queue: Command[] = [];
  /**
   * Identities (user, clientId, seq) of every command queued or in flight at this leader: a
   * client's retry of a command that is already on its way is dropped here instead of taking
   * another slot. Keyed by the whole identity (protocol `commandKey`): another user's command
   * that happens to carry the same (clientId, seq) is a different command and must be proposed.
   */
  private readonly proposedKeys = new Set<string>();
  private readonly lastHeard = new Map<ReplicaId, number>();
  private readonly peerApplied = new Map<ReplicaId, number>();
  private readonly peerCommitted = new Map<ReplicaId, number>();
  private broadcastCommitted = 0;
  private checkQuorumElapsed = 0;

  // ---- reads ----
  private readonly readRounds: ReadRounds;
  private readonly remoteReads = new Map<number, number>();

  // ---- no-leader buffer ----
  private buffer: Command[] = [];
  /** Proposals made at a follower this turn, forwarded together in ready(). */
  private forwardQueue: Command[] = [];
  /** The leader has queued commands or an open window: cut slots in ready(). */
  private pumpDue = false;

  // ---- catch-up and snapshot transfer ----
  private catchup: { to: ReplicaId; fromSlot: number; sentAt: number } | null = null;
  private transfer: {
    from: ReplicaId;
    index: number;
    total: number;
    parts: string[];
    offset: number;
    sentAt: number;
    /** Requests re-sent since the last chunk arrived. */
    retries: number;
  } | null = null;
  private catchupRotation = 0;

  constructor(config: ReplicaConfig, durable?: DurableState) {
    invariant(config.members.includes(config.id), 'a replica must be one of the members');
    invariant(new Set(config.members).size === config.members.length, 'member ids must be distinct');
    this.cfg = { ...DEFAULTS, ...config } as Resolved;
    invariant(
      this.cfg.window >= 1 && this.cfg.window <= ACCEPT_AHEAD / 2,
      'window must be in [1, ACCEPT_AHEAD/2]',
    );
    invariant(this.cfg.maxBatch >= 1 && this.cfg.maxBatch <= MAX_BATCH_COMMANDS, 'maxBatch out of range');
    this.id = config.id;
    this.peers = config.members.filter((m) => m !== config.id);
    this.quorum = Math.floor(config.members.length / 2) + 1;
    this.readRounds = new ReadRounds(config.id, this.quorum);
    this.electionTimeout = this.randomTimeout();

    this.incarnations = new IncarnationBook(durable?.incarnation ?? 0, durable?.incarnations ?? []);
    this.promised = durable?.promised ?? ZERO_BALLOT;
    this.maxSeenRound = this.promised.round;
    this.snapshot = durable?.snapshot ?? null;
    const snapshotIndex = this.snapshot?.index ?? 0;
    let lowest = Number.POSITIVE_INFINITY;
    for (const record of durable?.entries ?? []) {
      this.log.set(record.slot, record);
      if (record.slot < lowest) lowest = record.slot;
    }
    this.firstRetained = Math.min(lowest, snapshotIndex + 1);
    this.delivered = snapshotIndex;
    this.committed = snapshotIndex;
    if (this.snapshot) this.out.installSnapshot(this.snapshot);
    // The durable watermark is a hint: trust it only as far as the log really holds values.
    const durableCommitted = durable?.committed ?? 0;
    while (this.committed < durableCommitted && this.log.has(this.committed + 1)) this.committed++;
    this.deliverCommitted();
    if (durable?.recovering) {
      this.role = 'recovering';
      // Answers must come from a majority of the others (with 3 servers, both of them).
      const needed = Math.floor(this.peers.length / 2) + 1;
      this.recovery = new Recovery(this.incarnations.own, needed);
      this.askRecovery(this.recovery);
    }
  }

  // =========================================================================================
  // Inputs
  // =========================================================================================

  /** Feeds one peer message. Messages from non-members or from this replica itself are ignored. */
  step(message: PeerMessage): void {
    if (message.from === this.id || !this.peers.includes(message.from)) return;
    if ('ballot' in message && message.ballot.round > this.maxSeenRound && !isChosenBallot(message.ballot)) {
      this.maxSeenRound = message.ballot.round;
    }
    if (this.recovery && this.stepRecovering(message, this.recovery)) return;
    switch (message.type) {
      case 'prepare':
        this.onPrepare(message);
        break;
      case 'promise':
        this.onPromise(message);
        break;
      case 'accept':
        this.onAccept(message);
        break;
      case 'accepted':
        this.onAccepted(message);
        break;
      case 'commit':
        this.onLeaderContact(message, () => {});
        break;
      case 'heartbeat':
        this.onHeartbeat(message);
        break;
      case 'heartbeat_ack':
        this.onHeartbeatAck(message);
        break;
      case 'nack':
        this.onNack(message);
        break;
      case 'forward':
        this.onForward(message);
        break;
      case 'read_index_req':
        this.onReadIndexRequest(message);
        break;
      case 'read_index_resp':
        this.onReadIndexResponse(message);
        break;
      case 'catchup_req':
        this.onCatchupRequest(message);
        break;
      case 'catchup':
        this.onCatchup(message);
        break;
      case 'snapshot_req':
        this.onSnapshotRequest(message);
        break;
      case 'snapshot_chunk':
        this.onSnapshotChunk(message);
        break;
      case 'recover':
        this.onRecover(message);
        break;
      case 'recover_ack':
        break; // only a recovering replica asked; this one is done
    }
    // Catch-up and snapshots may have brought a recovering replica to its target.
    if (this.recovery) this.finishRecoveryIfDone();
  }

  /** Advances the logical clock by one tick: heartbeats, elections, retransmissions, timeouts. */
  tick(): void {
    this.now++;
    // A watermark waits for the next write; when no write comes, it goes alone now and then.
    if (this.now % this.cfg.heartbeatTicks === 0) this.out.flushWatermark();
    if (this.recovery) {
      if (this.recovery.outcome === null && this.now - this.recovery.askedAt >= this.cfg.retransmitTicks)
        this.askRecovery(this.recovery);
      this.expireRemoteReads();
      this.retransmitCatchup();
      this.finishRecoveryIfDone();
      return;
    }
    if (this.role === 'leader') {
      this.heartbeatElapsed++;
      if (this.heartbeatElapsed >= this.cfg.heartbeatTicks) {
        this.heartbeatElapsed = 0;
        this.sendHeartbeats(false);
      }
      this.retransmitAccepts();
      this.expireRemoteReads();
      // A read round whose acks were lost is simply run again; any later round confirms it too.
      if (this.readRounds.needsRound(this.now, this.cfg.retransmitTicks)) this.sendHeartbeats(true);
      this.checkQuorum();
    } else {
      this.electionElapsed++;
      if (this.electionElapsed >= this.electionTimeout) this.startElection();
      else if (this.role === 'candidate' && this.now - this.prepareSentAt >= this.cfg.retransmitTicks) {
        this.sendPrepares(true);
      }
      this.expireRemoteReads();
    }
    this.retransmitCatchup();
  }

  /** Client commands. A leader queues them for the next slots; others forward them to the leader. */
  propose(commands: readonly Command[]): void {
    if (commands.length === 0) return;
    if (this.role === 'leader') {
      const fresh = this.withoutProposed(commands);
      if (this.queue.length + fresh.length > this.cfg.maxPending) {
        this.out.reject(fresh, 'queue_full');
        return;
      }
      for (const command of fresh) this.proposedKeys.add(commandKey(command));
      this.queue.push(...fresh);
      // Slots are cut once per turn, in ready(): everything proposed in one turn shares a slot.
      this.pumpDue = true;
    } else if (this.leaderId !== null) {
      // Likewise, one forward per turn carries everything proposed here in that turn.
      if (this.forwardQueue.length + commands.length > this.cfg.maxPending) {
        this.out.reject(commands, 'queue_full');
        return;
      }
      this.forwardQueue.push(...commands);
    } else {
      if (this.buffer.length + commands.length > this.cfg.maxPending) {
        this.out.reject(commands, 'no_leader_buffer_full');
        return;
      }
      this.buffer.push(...commands);
    }
  }

  /**
   * Asks for a linearizable read point. The answer (in `ready().reads`) is an index such that
   * every command committed before this call is at or below it; null if no leader confirmed.
   */
  readIndex(id: number): void {
    if (this.role === 'leader') this.registerRead(id, this.id);
    else if (this.leaderId !== null) {
      this.remoteReads.set(id, this.now);
      this.send(this.leaderId, { type: 'read_index_req', from: this.id, id });
    } else this.out.read({ id, index: null });
  }

  /**
   * The host snapshotted its state machine at `index` (at most what was delivered). Entries
   * below are dropped except a trailing window, kept longer (Done/Min) for peers that still
   * need them, but never more than four windows: a peer further behind gets the snapshot.
   */
  compact(index: number, data: string): void {
    invariant(index <= this.delivered, 'cannot snapshot beyond what was applied');
    if (this.snapshot && index <= this.snapshot.index) return;
    this.snapshot = { index, data };
    const window = this.cfg.retainEntries;
    let keepFrom = index - window + 1;
    // Only a leader hears how far its peers have applied (heartbeat acks); a follower, or a
    // peer that never reported, gets no extension (it would pin four windows for nobody).
    const reported =
      this.role === 'leader'
        ? this.peers.flatMap((p) => {
            const applied = this.peerApplied.get(p);
            return applied === undefined ? [] : [applied];
          })
        : [];
    if (reported.length > 0) {
      keepFrom = Math.max(Math.min(keepFrom, Math.min(...reported) + 1), index - 4 * window + 1);
    }
    const discardThrough = Math.max(this.firstRetained - 1, keepFrom - 1);
    for (let slot = this.firstRetained; slot <= discardThrough; slot++) this.log.delete(slot);
    this.firstRetained = discardThrough + 1;
    this.out.persistSnapshot(this.snapshot, discardThrough);
  }

  /** Drains everything queued since the last call. See `Ready` for what the host must do with it. */
  ready(): Ready {
    if (this.forwardQueue.length > 0) {
      const commands = this.forwardQueue;
      this.forwardQueue = [];
      if (this.role === 'leader') this.propose(commands);
      else if (this.leaderId !== null) this.forward(this.leaderId, commands);
      else this.buffer.push(...commands.slice(0, Math.max(0, this.cfg.maxPending - this.buffer.length)));
    }
    if (this.pumpDue && this.role === 'leader') {
      this.pumpDue = false;
      this.pumpAccepts();
    }
    if (this.role === 'leader') {
      this.piggybackCommit();
      if (this.readRounds.needsRound(this.now, this.cfg.retransmitTicks)) this.sendHeartbeats(true);
    }
    return this.out.take();
  }

  hasReady(): boolean {
    return !this.out.isEmpty() || this.forwardQueue.length > 0 || (this.pumpDue && this.role === 'leader');
  }

  status(): ReplicaStatusView {
    return {
      id: this.id,
      role: this.role,
      recovery: this.recovery?.status() ?? null,
      leaderId: this.leaderId,
      ballot: this.role === 'follower' ? this.promised : this.ballot,
      promised: this.promised,
      committed: this.committed,
      delivered: this.delivered,
      snapshotIndex: this.snapshot?.index ?? 0,
      firstRetained: this.firstRetained,
      logSize: this.log.size,
      pending: this.queue.length + this.buffer.length,
      inflight: this.inflight.size,
    };
  }

  // =========================================================================================
  // Election (Phase 1)
  // =========================================================================================

  /**
   * Starts Phase 1 with a fresh ballot. The candidate does not promise its own ballot until a
   * quorum of others has: a candidate that cannot win (say, just back from a partition) has then
   * raised nobody's promise, its own included, and still follows the current leader's accepts.
   */
  private startElection(): void {
    if (this.role === 'candidate') this.failedElections++;
    this.becomeFollower(null);
    this.role = 'candidate';
    this.ballot = { round: Math.max(this.promised.round, this.maxSeenRound) + 1, node: this.id };
    this.maxSeenRound = this.ballot.round;
    this.promises = new Map();
    this.electionElapsed = 0;
    this.electionTimeout = this.randomTimeout();
    this.sendPrepares(false);
    this.maybeWin();
  }

  private maybeWin(): void {
    if (this.role !== 'candidate' || this.promises.size + 1 < this.quorum) return;
    if (compareBallots(this.ballot, this.promised) <= 0) {
      this.becomeFollower(null);
      return;
    }
    this.setPromised(this.ballot);
    this.promises.set(this.id, {
      accepted: this.acceptedAbove(this.committed + 1),
      committed: this.committed,
      incarnation: this.incarnations.own,
    });
    this.becomeLeader();
  }

  private sendPrepares(onlyMissing: boolean): void {
    this.prepareSentAt = this.now;
    for (const peer of this.peers) {
      if (onlyMissing && this.promises.has(peer)) continue;
      this.send(peer, { type: 'prepare', from: this.id, ballot: this.ballot, fromSlot: this.committed + 1 });
    }
  }

  private onPrepare(m: PeerMessageOf<'prepare'>): void {
    const order = compareBallots(m.ballot, this.promised);
    // Stickiness (the Paxos analogue of pre-vote): while a leader is heard from, refuse to help
    // depose it. Refusing a prepare is always safe; this only protects liveness.
    const leaderIsFresh =
      (this.role === 'leader' && this.hasQuorumContact()) ||
      (this.role === 'follower' &&
        this.leaderId !== null &&
        this.leaderId !== m.from &&
        this.electionElapsed < this.cfg.electionTicks);
    if (order < 0 || (order > 0 && leaderIsFresh)) {
      this.send(m.from, {
        type: 'nack',
        from: this.id,
        ballot: m.ballot,
        promised: this.promised,
        committed: this.committed,
      });
      return;
    }
    if (order > 0) {
      this.setPromised(m.ballot);
      if (this.role !== 'follower' || this.leaderId !== null) this.becomeFollower(null);
      this.electionElapsed = 0;
    }
    this.send(m.from, {
      type: 'promise',
      from: this.id,
      ballot: m.ballot,
      accepted: this.acceptedAbove(Math.max(m.fromSlot, this.committed + 1)),
      committed: this.committed,
      incarnation: this.incarnations.own,
      incarnations: this.incarnations.list(),
    });
  }

  /** What this acceptor accepted (or learned chosen) at or above `from`: at most ACCEPT_AHEAD slots. */
  private acceptedAbove(from: number): AcceptedEntry[] {
    const accepted: AcceptedEntry[] = [];
    for (const record of this.log.values()) {
      if (record.slot >= from)
        accepted.push({ slot: record.slot, ballot: record.ballot, value: record.value });
    }
    accepted.sort((a, b) => a.slot - b.slot);
    invariant(
      accepted.length <= MAX_ENTRIES_PER_MESSAGE,
      'accepted entries above the watermark exceed one promise',
    );
    return accepted;
  }

  private onPromise(m: PeerMessageOf<'promise'>): void {
    this.learnIncarnations(m);
    if (this.role !== 'candidate' || !sameBallot(m.ballot, this.ballot)) return;
    if (!this.incarnations.isCurrent(m.from, m.incarnation)) return; // a lost store's promise
    this.promises.set(m.from, { accepted: m.accepted, committed: m.committed, incarnation: m.incarnation });
    this.notePeerCommitted(m.from, m.committed);
    this.maybeWin();
  }

  private becomeLeader(): void {
    this.role = 'leader';
    this.leaderId = this.id;
    this.heartbeatElapsed = 0;
    this.checkQuorumElapsed = 0;
    for (const peer of this.peers) this.lastHeard.set(peer, this.now);
    this.inflight.clear();
    this.chosenAbove.clear();
    this.commitHint = null;

    let floor = this.committed;
    let floorSource: ReplicaId = this.id;
    const merged = new Map<number, AcceptedEntry>();
    for (const [from, promise] of this.promises) {
      if (promise.committed > floor) {
        floor = promise.committed;
        floorSource = from;
      }
      for (const entry of promise.accepted) {
        const known = merged.get(entry.slot);
        if (!known || compareBallots(entry.ballot, known.ballot) > 0) merged.set(entry.slot, entry);
      }
    }
    this.promises = new Map();
    this.chosenFloor = floor;
    let top = floor;
    for (const slot of merged.keys()) if (slot > top) top = slot;
    // Re-propose the highest-ballot value of every slot above the floor; fill holes with no-ops
    // so that execution never stalls on a gap.
    for (let slot = floor + 1; slot <= top; slot++) {
      this.inflight.set(slot, {
        value: merged.get(slot)?.value ?? NOOP,
        acks: new Set(),
        sent: false,
        sentAt: 0,
      });
    }
    this.nextSlot = top + 1;
    this.broadcastCommitted = this.committed;
    if (this.committed < floor) this.requestCatchup(floorSource);
    this.proposedKeys.clear();
    for (const slotState of this.inflight.values()) {
      for (const command of slotState.value.commands) this.proposedKeys.add(commandKey(command));
    }
    const buffered = this.withoutProposed(this.buffer);
    for (const command of buffered) this.proposedKeys.add(commandKey(command));
    this.queue.push(...buffered);
    this.buffer = [];
    this.failedElections = 0;
    // Reads this replica had asked the old leader to confirm will never be answered: say so now,
    // so that the host asks again (of this replica, now the leader) at once.
    for (const id of this.remoteReads.keys()) this.out.read({ id, index: null });
    this.remoteReads.clear();
    this.sendHeartbeats(false);
    this.pumpAccepts();
  }

  private becomeFollower(leader: ReplicaId | null): void {
    const wasLeading = this.role !== 'follower';
    this.role = 'follower';
    this.leaderId = leader;
    this.electionElapsed = 0;
    if (wasLeading) {
      this.inflight.clear();
      this.chosenAbove.clear();
      this.promises = new Map();
      for (const read of this.readRounds.abort()) this.answerRead(read, null);
      // Commands never proposed go to the new leader (or wait for one); proposals in flight may
      // still be chosen, so the host's retry with the same (clientId, seq) settles them.
      this.buffer.push(...this.queue);
      this.queue = [];
      this.proposedKeys.clear();
    }
    if (leader !== null) this.failedElections = 0;
    if (leader !== null && leader !== this.id) this.flushBuffer(leader);
  }

  private onNack(m: PeerMessageOf<'nack'>): void {
    this.notePeerCommitted(m.from, m.committed);
    if (m.promised.round > this.maxSeenRound) this.maxSeenRound = m.promised.round;
    if (
      this.role !== 'follower' &&
      sameBallot(m.ballot, this.ballot) &&
      compareBallots(m.promised, this.ballot) > 0
    ) {
      this.becomeFollower(null);
    }
    if (m.committed > this.committed && this.role !== 'leader') this.requestCatchup(m.from);
  }

  // =========================================================================================
  // Replication (Phase 2)
  // =========================================================================================

  /** Starts new slots from the queue (within the window) and sends every unsent slot it may. */
  private pumpAccepts(): void {
    if (this.role !== 'leader') return;
    let inflightCommands = 0;
    for (const slotState of this.inflight.values()) inflightCommands += slotState.value.commands.length;
    while (
      this.queue.length > 0 &&
      this.inflight.size < this.cfg.window &&
      inflightCommands < MAX_INFLIGHT_COMMANDS &&
      this.nextSlot <= this.committed + ACCEPT_AHEAD
    ) {
      const commands = this.queue.splice(
        0,
        Math.min(this.cfg.maxBatch, MAX_INFLIGHT_COMMANDS - inflightCommands),
      );
      inflightCommands += commands.length;
      this.inflight.set(this.nextSlot++, { value: { commands }, acks: new Set(), sent: false, sentAt: 0 });
    }
    const batch: SlotEntry[] = [];
    for (const [slot, slotState] of this.inflight) {
      if (slotState.sent || slot > this.committed + ACCEPT_AHEAD) continue;
      slotState.sent = true;
      slotState.sentAt = this.now;
      this.acceptLocally(slot, slotState);
      batch.push({ slot, value: slotState.value });
    }
    if (batch.length === 0) return;
    batch.sort((a, b) => a.slot - b.slot);
    for (const group of chunkEntries(batch)) {
      for (const peer of this.peers) {
        this.send(peer, {
          type: 'accept',
          from: this.id,
          ballot: this.ballot,
          entries: group,
          committed: this.committed,
        });
      }
    }
  }

  private acceptLocally(slot: number, slotState: Inflight): void {
    const record: LogRecord = { slot, ballot: this.ballot, value: slotState.value };
    this.log.set(slot, record);
    this.out.persistRecord(record);
    // Our own vote counts once the record is durable (ownAcceptDurable), not now: the accepts
    // leave during our write, and a crash before it finishes must not leave a counted vote.
    this.out.acceptOwn(this.ballot, slot);
  }

  private retransmitAccepts(): void {
    for (const peer of this.peers) {
      const missing: SlotEntry[] = [];
      for (const [slot, slotState] of this.inflight) {
        if (
          slotState.sent &&
          !slotState.acks.has(peer) &&
          this.now - slotState.sentAt >= this.cfg.retransmitTicks
        ) {
          missing.push({ slot, value: slotState.value });
        }
      }
      for (const group of chunkEntries(missing)) {
        this.send(peer, {
          type: 'accept',
          from: this.id,
          ballot: this.ballot,
          entries: group,
          committed: this.committed,
        });
      }
    }
    for (const slotState of this.inflight.values()) {
      if (slotState.sent && this.now - slotState.sentAt >= this.cfg.retransmitTicks)
        slotState.sentAt = this.now;
    }
  }

  private onAccept(m: PeerMessageOf<'accept'>): void {
    if (!this.acceptLeader(m)) return;
    const slots: number[] = [];
    for (const entry of m.entries) {
      if (entry.slot <= this.committed || this.chosenAbove.has(entry.slot)) {
        // Already chosen: the leader's value for it must be the chosen one, so acking is safe.
        slots.push(entry.slot);
        continue;
      }
      if (entry.slot > this.committed + ACCEPT_AHEAD) continue; // too far ahead: catch up first
      const known = this.log.get(entry.slot);
      if (known && isChosenBallot(known.ballot)) {
        slots.push(entry.slot);
        continue;
      }
      const record: LogRecord = { slot: entry.slot, ballot: m.ballot, value: entry.value };
      this.log.set(entry.slot, record);
      this.out.persistRecord(record);
      slots.push(entry.slot);
    }
    if (slots.length > 0) {
      this.send(m.from, {
        type: 'accepted',
        from: this.id,
        ballot: m.ballot,
        slots,
        incarnation: this.incarnations.own,
        incarnations: this.incarnations.list(),
      });
    }
    this.learnCommit(m.ballot, m.committed);
  }

  /**
   * The host wrote a Ready's records: the leader's own acceptance of them now counts (if it is
   * still the leader of that ballot; otherwise the vote is moot).
   */
  ownAcceptDurable(own: OwnAccept): void {
    if (this.role !== 'leader' || !sameBallot(own.ballot, this.ballot)) return;
    for (const slot of own.slots) this.ackSlot(slot, this.id);
    this.advanceCommitted();
    this.pumpDue = true;
  }

  private onAccepted(m: PeerMessageOf<'accepted'>): void {
    this.learnIncarnations(m);
    if (this.role !== 'leader' || !sameBallot(m.ballot, this.ballot)) return;
    if (!this.incarnations.isCurrent(m.from, m.incarnation)) return; // a lost store's vote
    this.lastHeard.set(m.from, this.now);
    for (const slot of m.slots) this.ackSlot(slot, m.from);
    this.advanceCommitted();
    this.pumpDue = true;
  }

  private ackSlot(slot: number, from: ReplicaId): void {
    const slotState = this.inflight.get(slot);
    if (!slotState) return;
    slotState.acks.add(from);
    if (slotState.acks.size >= this.quorum) {
      this.inflight.delete(slot);
      for (const command of slotState.value.commands) this.proposedKeys.delete(commandKey(command));
      if (slot > this.committed) this.chosenAbove.add(slot);
    }
  }

  /**
   * A message from a leader at `ballot`: adopt the ballot (persisted), follow the sender. Returns
   * false (after a nack) when the ballot is older than our promise.
   */
  private acceptLeader(m: { from: ReplicaId; ballot: Ballot }): boolean {
    const order = compareBallots(m.ballot, this.promised);
    if (order < 0) {
      this.send(m.from, {
        type: 'nack',
        from: this.id,
        ballot: m.ballot,
        promised: this.promised,
        committed: this.committed,
      });
      return false;
    }
    if (order > 0) this.setPromised(m.ballot);
    if (this.role !== 'follower' || this.leaderId !== m.from) this.becomeFollower(m.from);
    this.electionElapsed = 0;
    return true;
  }

  private onLeaderContact(m: PeerMessageOf<'commit'> | PeerMessageOf<'heartbeat'>, after: () => void): void {
    if (!this.acceptLeader(m)) return;
    this.learnCommit(m.ballot, m.committed);
    after();
  }

  private onHeartbeat(m: PeerMessageOf<'heartbeat'>): void {
    this.onLeaderContact(m, () => {
      this.send(m.from, {
        type: 'heartbeat_ack',
        from: this.id,
        ballot: m.ballot,
        committed: this.committed,
        applied: this.delivered,
        ...(m.readId !== undefined && { readId: m.readId }),
      });
    });
  }

  private onHeartbeatAck(m: PeerMessageOf<'heartbeat_ack'>): void {
    this.peerApplied.set(m.from, m.applied);
    this.notePeerCommitted(m.from, m.committed);
    if (this.role !== 'leader' || !sameBallot(m.ballot, this.ballot)) return;
    this.lastHeard.set(m.from, this.now);
    if (m.readId !== undefined) {
      for (const read of this.readRounds.ack(m.readId, m.from)) this.answerRead(read, read.index);
    }
  }

  private sendHeartbeats(withRead: boolean): void {
    let readId: number | undefined;
    if (withRead) {
      const started = this.readRounds.startRound(this.now);
      readId = started.round;
      for (const read of started.confirmed) this.answerRead(read, read.index);
    }
    for (const peer of this.peers) {
      // A peer that just got an accept from us, and answered, needs no heartbeat this period.
      const recent = (at: number | undefined) =>
        this.now - (at ?? Number.NEGATIVE_INFINITY) < this.cfg.heartbeatTicks;
      if (readId === undefined && recent(this.lastAcceptTo.get(peer)) && recent(this.lastHeard.get(peer)))
        continue;
      this.send(peer, {
        type: 'heartbeat',
        from: this.id,
        ballot: this.ballot,
        committed: this.committed,
        ...(readId !== undefined && { readId }),
      });
    }
  }

  /** Check-quorum: a leader that has not heard from a majority for an election timeout steps down. */
  private checkQuorum(): void {
    this.checkQuorumElapsed++;
    if (this.checkQuorumElapsed < this.cfg.electionTicks) return;
    this.checkQuorumElapsed = 0;
    if (!this.hasQuorumContact()) this.becomeFollower(null);
  }

  private hasQuorumContact(): boolean {
    let heard = 1;
    for (const peer of this.peers) {
      if (this.now - (this.lastHeard.get(peer) ?? -Infinity) <= this.cfg.electionTicks) heard++;
    }
    return heard >= this.quorum;
  }

  /** A leader piggybacks its latest watermark on accepts it is sending anyway; others get a short commit. */
  private piggybackCommit(): void {
    if (this.committed <= this.broadcastCommitted) return;
    const covered = new Set<ReplicaId>();
    for (const outgoing of this.out.queued()) {
      const message = outgoing.message;
      if (
        (message.type === 'accept' || message.type === 'heartbeat') &&
        sameBallot(message.ballot, this.ballot)
      ) {
        message.committed = this.committed;
        covered.add(outgoing.to);
      }
    }
    for (const peer of this.peers) {
      if (!covered.has(peer)) {
        this.send(peer, { type: 'commit', from: this.id, ballot: this.ballot, committed: this.committed });
      }
    }
    this.broadcastCommitted = this.committed;
  }

  // =========================================================================================
  // Learning
  // =========================================================================================

  private learnCommit(ballot: Ballot, committed: number): void {
    if (
      !this.commitHint ||
      compareBallots(ballot, this.commitHint.ballot) > 0 ||
      committed > this.commitHint.committed
    ) {
      this.commitHint = { ballot, committed };
    }
    this.advanceCommitted();
    if (this.commitHint.committed > this.committed && this.leaderId !== null)
      this.requestCatchup(this.leaderId);
  }

  /** Moves the watermark over every contiguous slot known chosen, then delivers. */
  private advanceCommitted(): void {
    const start = this.committed;
    for (;;) {
      const slot = this.committed + 1;
      const record = this.log.get(slot);
      if (!record) break;
      const chosen =
        isChosenBallot(record.ballot) ||
        this.chosenAbove.has(slot) ||
        (this.commitHint !== null &&
          slot <= this.commitHint.committed &&
          sameBallot(record.ballot, this.commitHint.ballot));
      if (!chosen) break;
      this.chosenAbove.delete(slot);
      this.committed = slot;
    }
    if (this.committed > start) {
      this.out.persistCommitted(this.committed);
      this.deliverCommitted();
    }
  }

  private deliverCommitted(): void {
    invariant(this.delivered <= this.committed, 'delivered beyond the commit watermark');
    while (this.delivered < this.committed) {
      const slot = this.delivered + 1;
      const record = this.log.get(slot);
      invariant(record !== undefined, `committed slot ${slot} has no value`);
      this.out.deliver({ slot, value: record.value });
      this.delivered = slot;
    }
  }

  private notePeerCommitted(peer: ReplicaId, committed: number): void {
    if (committed > (this.peerCommitted.get(peer) ?? 0)) this.peerCommitted.set(peer, committed);
  }

  // =========================================================================================
  // Catch-up and snapshots
  // =========================================================================================

  private requestCatchup(from: ReplicaId): void {
    if (this.catchup && this.now - this.catchup.sentAt < this.cfg.retransmitTicks) return;
    if (this.transfer) return;
    this.catchup = { to: from, fromSlot: this.committed + 1, sentAt: this.now };
    this.send(from, { type: 'catchup_req', from: this.id, fromSlot: this.committed + 1 });
  }

  /**
   * Re-asks for a lost snapshot chunk or catch-up reply, rotating over peers that are ahead. A
   * snapshot source that stays silent (dead, cut off) is given up after a few re-asks and the
   * transfer starts over from another peer: a replica stuck asking a dead peer would never catch
   * up, and one more than ACCEPT_AHEAD behind cannot vote for new slots either, which stalls a
   * cluster whose other members are down.
   */
  private retransmitCatchup(): void {
    const transfer = this.transfer;
    if (transfer) {
      if (this.now - transfer.sentAt < this.cfg.retransmitTicks) return;
      if (transfer.retries < TRANSFER_RETRIES) {
        transfer.retries += 1;
        transfer.sentAt = this.now;
        this.askChunk(transfer);
        return;
      }
      this.transfer = null;
      this.catchup = null;
    }
    if (this.catchup && this.now - this.catchup.sentAt < this.cfg.retransmitTicks) return;
    this.catchup = null;
    const target = this.catchupTarget();
    if (target !== null) this.requestCatchup(target);
  }

  /** Who to learn from when behind, or null when not behind. */
  private catchupTarget(): ReplicaId | null {
    const ahead = this.peers.filter((p) => (this.peerCommitted.get(p) ?? 0) > this.committed);
    if (this.commitHint !== null && this.commitHint.committed > this.committed && this.leaderId !== null) {
      if (this.leaderId !== this.id) ahead.unshift(this.leaderId);
    }
    if (this.role === 'leader' && this.committed < this.chosenFloor && ahead.length === 0)
      ahead.push(...this.peers);
    if (ahead.length === 0) return null;
    return ahead[this.catchupRotation++ % ahead.length] ?? null;
  }

  private onCatchupRequest(m: PeerMessageOf<'catchup_req'>): void {
    if (m.fromSlot < this.firstRetained && this.snapshot) {
      this.send(m.from, {
        type: 'catchup',
        from: this.id,
        entries: [],
        committed: this.committed,
        snapshot: this.snapshot.index,
      });
      return;
    }
    const entries: SlotEntry[] = [];
    let commands = 0;
    for (
      let slot = Math.max(m.fromSlot, 1);
      slot <= this.committed && entries.length < MAX_ENTRIES_PER_MESSAGE;
      slot++
    ) {
      const record = this.log.get(slot);
      if (!record) break;
      if (commands + record.value.commands.length > MAX_BATCH_COMMANDS && entries.length > 0) break;
      commands += record.value.commands.length;
      entries.push({ slot, value: record.value });
    }
    this.send(m.from, { type: 'catchup', from: this.id, entries, committed: this.committed, snapshot: 0 });
  }

  private onCatchup(m: PeerMessageOf<'catchup'>): void {
    this.notePeerCommitted(m.from, m.committed);
    if (this.catchup?.to === m.from) this.catchup = null;
    if (m.snapshot > this.committed) {
      if (!this.transfer || this.transfer.index !== m.snapshot) {
        this.transfer = this.newTransfer(m.from, m.snapshot, -1);
        this.askChunk(this.transfer);
      }
      return;
    }
    // A leader learns only what was chosen before its own ballot; anything above its floor that
    // others claim chosen would mean a newer leader exists, and its commits must not mix with ours.
    const limit = this.role === 'leader' ? this.chosenFloor : Number.POSITIVE_INFINITY;
    for (const entry of m.entries) {
      if (entry.slot <= this.committed || entry.slot > limit || entry.slot < this.firstRetained) continue;
      const record: LogRecord = { slot: entry.slot, ballot: CHOSEN_BALLOT, value: entry.value };
      this.log.set(entry.slot, record);
      this.out.persistRecord(record);
    }
    const before = this.committed;
    this.advanceCommitted();
    const stillBehind = Math.min(m.committed, limit) > this.committed;
    if (stillBehind && this.committed > before) this.requestCatchup(m.from);
    if (this.role === 'leader') this.pumpDue = true;
  }

  private onSnapshotRequest(m: PeerMessageOf<'snapshot_req'>): void {
    const snapshot = this.snapshot;
    if (!snapshot) return;
    // Always serve the current snapshot; a requester seeing a new index starts over.
    const offset = snapshot.index === m.index ? Math.min(m.offset, snapshot.data.length) : 0;
    this.send(m.from, {
      type: 'snapshot_chunk',
      from: this.id,
      index: snapshot.index,
      offset,
      total: snapshot.data.length,
      data: snapshot.data.slice(offset, offset + SNAPSHOT_CHUNK_CHARS),
    });
  }

  private onSnapshotChunk(m: PeerMessageOf<'snapshot_chunk'>): void {
    if (m.index <= this.committed) {
      this.transfer = null;
      return;
    }
    if (!this.transfer || this.transfer.index !== m.index) {
      if (m.offset !== 0) return;
      this.transfer = this.newTransfer(m.from, m.index, m.total);
    }
    const transfer = this.transfer;
    if (m.offset !== transfer.offset || m.from !== transfer.from) return; // duplicate or stale
    transfer.total = m.total;
    transfer.parts.push(m.data);
    transfer.offset += m.data.length;
    transfer.sentAt = this.now;
    transfer.retries = 0;
    if (transfer.offset < transfer.total && m.data.length > 0) {
      this.askChunk(transfer);
      return;
    }
    this.transfer = null;
    if (transfer.offset !== transfer.total) return;
    this.installSnapshot({ index: transfer.index, data: transfer.parts.join('') });
  }

  /** Asks the transfer's source for the chunk at its offset. */
  private askChunk(transfer: { from: ReplicaId; index: number; offset: number }): void {
    this.send(transfer.from, {
      type: 'snapshot_req',
      from: this.id,
      index: transfer.index,
      offset: transfer.offset,
    });
  }

  private newTransfer(from: ReplicaId, index: number, total: number): NonNullable<Replica['transfer']> {
    return { from, index, total, parts: [], offset: 0, sentAt: this.now, retries: 0 };
  }

  private installSnapshot(snapshot: SnapshotData): void {
    invariant(snapshot.index > this.committed, 'installing a snapshot that is not ahead');
    this.snapshot = snapshot;
    for (const slot of [...this.log.keys()]) if (slot <= snapshot.index) this.log.delete(slot);
    for (const slot of [...this.chosenAbove]) if (slot <= snapshot.index) this.chosenAbove.delete(slot);
    this.firstRetained = snapshot.index + 1;
    this.committed = snapshot.index;
    this.delivered = snapshot.index;
    this.out.installSnapshot(snapshot);
    this.out.persistSnapshot(snapshot, snapshot.index);
    this.out.persistCommitted(this.committed);
    this.advanceCommitted();
    const target = this.catchupTarget();
    if (target !== null) this.requestCatchup(target);
  }

  // =========================================================================================
  // Forwarding and reads
  // =========================================================================================

  private forward(to: ReplicaId, commands: readonly Command[]): void {
    for (let at = 0; at < commands.length; at += MAX_BATCH_COMMANDS) {
      this.send(to, {
        type: 'forward',
        from: this.id,
        commands: commands.slice(at, at + MAX_BATCH_COMMANDS),
      });
    }
  }

  private onForward(m: PeerMessageOf<'forward'>): void {
    if (this.role === 'leader') {
      this.propose(m.commands);
      return;
    }
    // Not (or no longer) the leader: hold them for the next leader rather than bounce them
    // around; what does not fit is dropped and the origin server's retry covers it.
    const room = this.cfg.maxPending - this.buffer.length;
    if (room > 0) this.buffer.push(...m.commands.slice(0, room));
    if (this.leaderId !== null && this.leaderId !== m.from) this.flushBuffer(this.leaderId);
  }

  private flushBuffer(leader: ReplicaId): void {
    if (this.buffer.length === 0) return;
    const buffered = this.buffer;
    this.buffer = [];
    this.forward(leader, buffered);
  }

  private registerRead(id: number, requester: ReplicaId): void {
    // Every command committed before now sits at or below the highest slot this leader has
    // handed out or knows chosen; confirming leadership by a quorum round makes that a safe index.
    this.readRounds.register(id, requester, Math.max(this.committed, this.chosenFloor, this.nextSlot - 1));
  }

  private answerRead(read: PendingRead, index: number | null): void {
    if (read.requester === this.id) this.out.read({ id: read.id, index });
    else this.send(read.requester, { type: 'read_index_resp', from: this.id, id: read.id, index });
  }

  private onReadIndexRequest(m: PeerMessageOf<'read_index_req'>): void {
    if (this.role === 'leader') this.registerRead(m.id, m.from);
    else this.send(m.from, { type: 'read_index_resp', from: this.id, id: m.id, index: null });
  }

  private onReadIndexResponse(m: PeerMessageOf<'read_index_resp'>): void {
    if (!this.remoteReads.delete(m.id)) return;
    this.out.read({ id: m.id, index: m.index });
  }

  private expireRemoteReads(): void {
    for (const [id, since] of this.remoteReads) {
      if (this.now - since >= this.cfg.electionTicks) {
        this.remoteReads.delete(id);
        this.out.read({ id, index: null });
      }
    }
  }

  // =========================================================================================
  // Recovery of a store that lost its disk, and the incarnation fence
  // =========================================================================================
  //
  // A new store for an existing cluster (the server lost its disk) may have promised ballots and
  // accepted values before the loss that still count in someone's quorum. Voting as if it never
  // had is the amnesiac acceptor Paxos does not survive. So the replica starts `recovering`:
  //   1. it neither promises nor accepts, and is counted in no quorum (it sends no votes);
  //   2. it asks every other member (`recover`, naming its new incarnation); a voter makes the
  //      new incarnation durable, from then on refuses (and forgets) votes of older ones, and
  //      answers with its promise, commit watermark and accepted values above the watermark;
  //   3. with answers from a majority of the others it catches up to the highest watermark
  //      among them, holds the highest-ballot accepted value of every slot above, promises the
  //      highest promise among them, and only then becomes a voter (all in one durable write).
  // Why that suffices: any quorum the lost store was in has a member among any majority of the
  // others. A value chosen with the lost store's vote was accepted by such a member r: if r
  // accepted before answering, recovery holds the value (step 3); if after, r's vote names the
  // new incarnation (votes carry the incarnation book) and the leader that counts it forgets the
  // lost store's vote first, so the quorum did not count it. Likewise a candidate that holds a
  // promise of the lost store: either a member of its quorum promised it before answering (then
  // the floor of step 3 is at least that ballot) or after (then that member's promise names the
  // new incarnation, and the candidate drops the lost store's promise before counting).

  /**
   * What a recovering replica does differently: it collects answers, follows a leader without
   * promising or acking, and casts no vote. False for what it handles like any replica (serving
   * and learning chosen values, forwarding, reads).
   */
  private stepRecovering(message: PeerMessage, recovery: Recovery): boolean {
    switch (message.type) {
      case 'recover_ack':
        if (message.incarnation === recovery.incarnation) {
          // Its book (persisted like any incarnation learned) may name stores replaced since
          // they answered: their answers no longer count.
          this.learnIncarnations({
            from: message.from,
            incarnation: message.voterIncarnation,
            incarnations: message.incarnations,
          });
          this.notePeerCommitted(message.from, message.committed);
          recovery.answer(message.from, message, (id) => this.incarnations.of(id));
        }
        break;
      case 'accept':
      case 'commit':
      case 'heartbeat':
        // Follow the leader for catch-up and forwarding, without promising or acking anything.
        if (this.commitHint === null || compareBallots(message.ballot, this.commitHint.ballot) >= 0) {
          if (this.leaderId !== message.from) {
            this.leaderId = message.from;
            this.flushBuffer(message.from);
          }
          this.learnCommit(message.ballot, message.committed);
        }
        break;
      case 'nack':
        this.notePeerCommitted(message.from, message.committed);
        break;
      case 'recover':
        // It does not answer (it is no voter), but it keeps the news: another store was replaced.
        this.learnIncarnation(message.from, message.incarnation);
        recovery.forgetReplaced((id) => this.incarnations.of(id));
        break;
      case 'prepare':
      case 'promise':
      case 'accepted':
      case 'heartbeat_ack':
        break; // a recovering replica neither votes, leads, nor answers recoveries
      default:
        return false;
    }
    this.finishRecoveryIfDone();
    return true;
  }

  private askRecovery(recovery: Recovery): void {
    recovery.askedAt = this.now;
    for (const peer of this.peers) {
      if (!recovery.hasAnswered(peer))
        this.send(peer, { type: 'recover', from: this.id, incarnation: recovery.incarnation });
    }
  }

  /** Step 3 of recovery, once a majority of the others answered and the watermark is reached. */
  private finishRecoveryIfDone(): void {
    const outcome = this.recovery?.outcome;
    if (!outcome || this.committed < outcome.target) return;
    for (const entry of outcome.accepted.values()) {
      if (entry.slot <= this.committed) continue;
      const known = this.log.get(entry.slot);
      if (known && compareBallots(known.ballot, entry.ballot) >= 0) continue;
      const record: LogRecord = { slot: entry.slot, ballot: entry.ballot, value: entry.value };
      this.log.set(entry.slot, record);
      this.out.persistRecord(record);
    }
    if (compareBallots(outcome.floor, this.promised) > 0) this.setPromised(outcome.floor);
    if (outcome.floor.round > this.maxSeenRound && !isChosenBallot(outcome.floor))
      this.maxSeenRound = outcome.floor.round;
    this.out.persistRecovered();
    this.recovery = null;
    this.role = 'follower';
    this.electionElapsed = 0;
    this.advanceCommitted();
  }

  /** A server that lost its disk asks what it may have forgotten (see the section comment). */
  private onRecover(m: PeerMessageOf<'recover'>): void {
    if (!this.incarnations.isCurrent(m.from, m.incarnation)) return; // from a store already replaced
    this.learnIncarnation(m.from, m.incarnation);
    this.send(m.from, {
      type: 'recover_ack',
      from: this.id,
      incarnation: m.incarnation,
      voterIncarnation: this.incarnations.own,
      incarnations: this.incarnations.list(),
      promised: this.promised,
      committed: this.committed,
      accepted: this.acceptedAbove(this.committed + 1),
    });
  }

  /** Learns the incarnations a vote names (its sender's and its book) before the vote is used. */
  private learnIncarnations(m: VoteIncarnations): void {
    this.learnIncarnation(m.from, m.incarnation);
    for (const { replica, incarnation } of m.incarnations) {
      if (replica !== this.id && this.peers.includes(replica)) this.learnIncarnation(replica, incarnation);
    }
  }

  /**
   * A newer incarnation of `id`: persisted, whoever told us (the store itself, or a book on some
   * vote or answer), before anything this replica sends next — its votes and answers name it from
   * then on, and must still after a restart, or the fence has a hole (a voter that first heard of
   * the new store through a book, answered it, restarted, then promised a ballot the lost store
   * had promised, naming nothing). And every vote of `id` counted so far came from a lost store.
   */
  private learnIncarnation(id: ReplicaId, incarnation: number): void {
    if (!this.incarnations.learn(id, incarnation)) return;
    this.out.persistIncarnation(id, incarnation);
    this.forgetVotesOf(id);
  }

  /** `id` has a newer store: every vote of it counted so far came from a lost one. */
  private forgetVotesOf(id: ReplicaId): void {
    const promise = this.promises.get(id);
    if (promise && promise.incarnation < this.incarnations.of(id)) this.promises.delete(id);
    for (const slotState of this.inflight.values()) slotState.acks.delete(id);
  }

  // =========================================================================================
  // Helpers
  // =========================================================================================

  private setPromised(ballot: Ballot): void {
    invariant(compareBallots(ballot, this.promised) >= 0, 'a promise never goes backwards');
    this.promised = ballot;
    this.out.persistPromise(ballot);
  }

  private send(to: ReplicaId, message: PeerMessage): void {
    if (message.type === 'accept') this.lastAcceptTo.set(to, this.now);
    // A leader's accepts, commits and heartbeats do not depend on its own write this turn.
    const early =
      this.role === 'leader' &&
      (message.type === 'accept' || message.type === 'commit' || message.type === 'heartbeat');
    this.out.message(to, message, early);
  }

  /**
   * Uniform in [base, base + spread): the spread doubles with each consecutive failed candidacy
   * (up to 8x), so that duelling candidates on a slow or lossy network stop colliding.
   */
  private randomTimeout(): number {
    const base = this.cfg.electionTicks;
    const spread = base * 2 ** Math.min(this.failedElections, 3);
    return base + Math.floor(this.cfg.random() * spread);
  }

  private withoutProposed(commands: readonly Command[]): Command[] {
    const seen = new Set<string>();
    return commands.filter((command) => {
      const key = commandKey(command);
      if (this.proposedKeys.has(key) || seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }
}
