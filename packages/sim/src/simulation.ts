import { CHOSEN_BALLOT, compareBallots, type Ready, Replica, type ReplicaStatusView } from '@quorum/paxos';
import { type Command, type PaxosValue, type PeerMessage, peerMessages } from '@quorum/protocol';
import { AgreementChecker, describe } from './checkers/agreement.js';
import type { Acknowledgement } from './checkers/durability.js';
import { checkDurability } from './checkers/durability.js';
import { checkLiveness, type ProbeResult } from './checkers/liveness.js';
import { checkOnce } from './checkers/once.js';
import { OrderChecker } from './checkers/order.js';
import { checkPrefixes } from './checkers/prefix.js';
import { checkReads, type ReadObservation } from './checkers/reads.js';
import type { AppliedSequence, Violation } from './checkers/types.js';
import { violation } from './checkers/types.js';
import { SimDisk } from './disk.js';
import { EventQueue } from './event-queue.js';
import { Network } from './network.js';
import { defaultParams, mergeParams, type RunParams } from './params.js';
import { hashString, Prng } from './prng.js';
import type { FaultControl, Schedule } from './schedule.js';
import { commandKey, type Keying, RegisterMachine } from './state-machine.js';
import { type VariantName, variantSetup } from './variants.js';

/** Everything needed to run (and replay) one seed. */
export interface SimOptions {
  readonly seed: number;
  readonly replicas: number;
  readonly schedule: Schedule;
  readonly variant?: VariantName | null;
  /** Overrides of the schedule-tuned parameters (applied last). */
  readonly params?: Partial<RunParams>;
  /** Observers for tests: every message handed to the network, before loss. */
  readonly onSend?: (time: number, from: number, to: number, message: PeerMessage) => void;
}

/** A command acknowledged to its client, with when it was first sent. */
export interface AckRecord extends Acknowledgement {
  readonly clientId: string;
  readonly sentAt: number;
  readonly attempts: number;
}

export interface NodeSummary {
  readonly id: number;
  readonly crashes: number;
  /** Disks lost (`wipe`): the replica came back on a new, empty disk. */
  readonly wipes: number;
  /** Snapshots installed into a running state machine (catch-up), not counting restarts. */
  readonly installs: number;
  /** Snapshots restored at restart. */
  readonly restartInstalls: number;
  readonly applied: number;
  readonly commands: number;
  readonly diskWrites: number;
  readonly diskRecords: number;
  readonly status: ReplicaStatusView | null;
}

export interface RunResult {
  readonly seed: number;
  readonly replicas: number;
  readonly schedule: string;
  readonly variant: VariantName | null;
  /** The parameters the run used (after the schedule's tuning and any overrides). */
  readonly params: RunParams;
  readonly ok: boolean;
  readonly violations: readonly Violation[];
  readonly simulatedMs: number;
  readonly tickMs: number;
  readonly healedAt: number;
  readonly events: number;
  /** Distinct slots known chosen. */
  readonly chosenSlots: number;
  readonly acks: readonly AckRecord[];
  /** Linearizable reads confirmed and answered. */
  readonly reads: number;
  readonly probes: readonly ProbeResult[];
  readonly messages: number;
  /** Messages the network lost (random loss) and duplicated. */
  readonly dropped: number;
  readonly duplicated: number;
  readonly messagesByType: Readonly<Record<string, number>>;
  /**
   * For every election (at the start, and after each leader crash): ticks until a new leader,
   * counting only ticks during which a majority was up and connected (so an election could win).
   */
  readonly electionTicks: readonly number[];
  /** Every time a replica became leader: [time, id, round]. */
  readonly leaders: readonly (readonly [number, number, number])[];
  readonly nodes: readonly NodeSummary[];
  /** Values set by the fault schedule (e.g. the skipped slot). */
  readonly marks: Readonly<Record<string, number>>;
  /** Notable events, in order: faults, leader changes, installs, violations. */
  readonly log: readonly string[];
  /** Hash of the whole run: same seed, same hash. */
  readonly traceHash: string;
  /** The value chosen at `slot`, if any replica learned one. */
  chosen(slot: number): PaxosValue | undefined;
}

type SimEvent =
  | { readonly k: 'tick'; readonly node: number; readonly inc: number }
  | { readonly k: 'deliver'; readonly from: number; readonly to: number; readonly text: string }
  | { readonly k: 'flush'; readonly node: number; readonly inc: number }
  | { readonly k: 'persisted'; readonly node: number; readonly inc: number; readonly ready: Ready }
  | { readonly k: 'client'; readonly client: number; readonly token: number }
  | { readonly k: 'read' }
  | { readonly k: 'meter' }
  /** A client's request reaching a replica's process (deferred while the process is paused). */
  | {
      readonly k: 'input';
      readonly node: number;
      readonly inc: number;
      readonly run: (replica: Replica) => void;
    }
  | { readonly k: 'action'; readonly run: () => void }
  | { readonly k: 'heal' }
  | { readonly k: 'end' };

interface Host {
  readonly id: number;
  /** Replaced by a new, empty disk of a higher incarnation when the disk is lost (`wipe`). */
  disk: SimDisk;
  wipes: number;
  replica: Replica | null;
  sm: RegisterMachine | null;
  /** Bumped at every crash and restart: events of an older incarnation are void. */
  inc: number;
  busy: boolean;
  flushScheduled: boolean;
  /** A paused (SIGSTOPped) process handles nothing before this time. */
  pausedUntil: number;
  firstReady: boolean;
  lastCompact: number;
  role: string;
  /** Client commands proposed here, awaiting application: key -> client index. */
  readonly pending: Map<string, number>;
  readonly reads: Map<number, number>;
  waitingReads: { id: number; index: number; startedAt: number }[];
  crashes: number;
  installs: number;
  restartInstalls: number;
}

interface Client {
  readonly index: number;
  readonly id: string;
  /** The user the client speaks for: with `id` and a seq, its commands' identity. */
  readonly user: string;
  /** A probe sticks to one replica; a load client roams. */
  readonly fixedTarget: number | null;
  readonly probe: boolean;
  seq: number;
  current: { command: Command; key: string; sentAt: number; attempts: number; target: number | null } | null;
  token: number;
}

class StopRun extends Error {}

/**
 * A deterministic simulation of one cluster: N replicas (each with a disk and a state machine),
 * a network, clients and a fault schedule, all driven by one seed on one simulated clock.
 */
export class Simulation implements FaultControl {
  readonly n: number;
  readonly f: number;
  readonly members: readonly number[];
  readonly params: RunParams;
  readonly network: Network;
  readonly faultEnd: number;
  private readonly endAt: number;
  private readonly queue = new EventQueue<SimEvent>();
  private readonly rng: Prng;
  private readonly netRng: Prng;
  private readonly hostRng: Prng;
  private readonly clientRng: Prng;
  private readonly hosts: Host[];
  private readonly clients: Client[] = [];
  private readonly agreement = new AgreementChecker();
  private readonly order = new OrderChecker();
  private readonly violations: Violation[] = [];
  private readonly crashSequences: AppliedSequence[] = [];
  private readonly acks: AckRecord[] = [];
  private readonly reads: ReadObservation[] = [];
  private readonly probes = new Map<string, { replica: number; sentAt: number; ackedAt: number | null }>();
  private readonly electionTicks: number[] = [];
  private readonly leaders: [number, number, number][] = [];
  private readonly marks: Record<string, number> = {};
  private readonly log: string[] = [];
  private readonly dedup: boolean;
  private readonly keying: Keying;
  private readonly localReads: boolean;
  /** Whether a disk that replaces a lost one recovers before voting (false: the amnesiac variant). */
  private readonly recoverWipes: boolean;
  private readonly variant: VariantName | null;
  /** Liveness bounds set by schedules: something must be acknowledged in (from, from + withinMs]. */
  private readonly progressBounds: { label: string; from: number; withinMs: number }[] = [];
  /**
   * Election meter: while no leader is known after a leader crash (or at the start), counts the
   * ticks during which a majority was up, unpaused and fully connected (an election could succeed).
   */
  private electing = true;
  private electionHealthyTicks = 0;
  private healed = false;
  private healedAt = 0;
  private readId = 0;
  private events = 0;
  private hash = 0x811c9dc5;

  constructor(private readonly options: SimOptions) {
    const n = options.replicas;
    if (!Number.isInteger(n) || n < 1 || n > 7) throw new RangeError(`replicas must be 1..7, got ${n}`);
    this.n = n;
    this.f = Math.floor((n - 1) / 2);
    this.members = Array.from({ length: n }, (_, i) => i + 1);
    this.rng = new Prng(options.seed);
    this.variant = options.variant ?? null;
    const params = defaultParams();
    options.schedule.tune?.(params, n, this.rng.fork('tune'));
    this.params = mergeParams(params, options.params ?? {});
    const variant = variantSetup(this.variant);
    this.dedup = variant.dedup;
    this.keying = variant.keying;
    this.localReads = variant.localReads;
    this.recoverWipes = variant.recoverWipes;
    this.netRng = this.rng.fork('network');
    this.hostRng = this.rng.fork('hosts');
    this.clientRng = this.rng.fork('clients');
    this.network = new Network(this.netRng, params.network, variant.filters);
    this.faultEnd = params.faultTicks * params.tickMs;
    this.endAt = this.faultEnd + params.quietTicks * params.tickMs;
    this.hosts = this.members.map((id) => ({
      id,
      disk: new SimDisk(variant.disk),
      wipes: 0,
      replica: null,
      sm: null,
      inc: 0,
      busy: false,
      flushScheduled: false,
      pausedUntil: 0,
      firstReady: true,
      lastCompact: 0,
      role: 'down',
      pending: new Map(),
      reads: new Map(),
      waitingReads: [],
      crashes: 0,
      installs: 0,
      restartInstalls: 0,
    }));
  }

  // ===========================================================================================
  // Running
  // ===========================================================================================

  run(): RunResult {
    const p = this.params;
    for (const host of this.hosts) this.boot(host);
    for (let i = 0; i < p.clients; i++) {
      // Two users whose clients share ids (client-01 of sim-0 and client-01 of sim-1, ...), so
      // commands of different users collide on (clientId, seq): keying by it alone is caught.
      const id = `client-${String(Math.floor(i / 2) + 1).padStart(2, '0')}`;
      const client = this.addClient(id, `sim-${i % 2}`, null, false);
      this.queue.at(this.clientRng.range(p.clientStart.min, p.clientStart.max), {
        k: 'client',
        client: client.index,
        token: client.token,
      });
    }
    if (p.readEveryMs > 0) this.queue.at(p.readEveryMs, { k: 'read' });
    this.queue.at(p.tickMs, { k: 'meter' });
    this.options.schedule.plan(this, this.rng.fork(`schedule:${this.options.schedule.name}`));
    this.queue.at(this.faultEnd, { k: 'heal' });
    this.queue.at(this.endAt, { k: 'end' });
    try {
      for (;;) {
        const event = this.queue.pop();
        if (event === undefined || event.k === 'end') break;
        if (++this.events > p.maxEvents) {
          this.fail(violation('liveness', `runaway: more than ${p.maxEvents} events`, this.now()));
        }
        this.dispatch(event);
      }
      this.finalChecks();
    } catch (error) {
      if (!(error instanceof StopRun)) throw error;
    }
    return this.result();
  }

  private dispatch(event: SimEvent): void {
    if (
      event.k === 'tick' ||
      event.k === 'flush' ||
      event.k === 'persisted' ||
      event.k === 'deliver' ||
      event.k === 'input'
    ) {
      const host = this.host(event.k === 'deliver' ? event.to : event.node);
      if (host.pausedUntil > this.now()) {
        this.queue.at(host.pausedUntil, event); // the process is stopped: everything waits
        return;
      }
    }
    switch (event.k) {
      case 'tick':
        return this.onTick(event.node, event.inc);
      case 'deliver':
        return this.onDeliver(event.from, event.to, event.text);
      case 'flush':
        return this.onFlush(event.node, event.inc);
      case 'persisted':
        return this.onPersisted(event.node, event.inc, event.ready);
      case 'client':
        return this.onClientTimer(event.client, event.token);
      case 'read':
        return this.onReadTimer();
      case 'meter':
        if (this.electing && this.healthyMajority()) this.electionHealthyTicks++;
        this.queue.at(this.now() + this.params.tickMs, { k: 'meter' });
        return;
      case 'input': {
        const host = this.host(event.node);
        const replica = host.replica;
        if (host.inc !== event.inc || !replica) return;
        this.guard(host, 'input', () => event.run(replica));
        this.scheduleFlush(host);
        return;
      }
      case 'action':
        if (!this.healed) event.run();
        return;
      case 'heal':
        return this.heal();
      case 'end':
        return;
    }
  }

  // ===========================================================================================
  // Hosts: boot, crash, restart, and the Ready loop (install, persist, send, apply, read)
  // ===========================================================================================

  private host(id: number): Host {
    const host = this.hosts[id - 1];
    if (!host) throw new RangeError(`no replica ${id}`);
    return host;
  }

  private boot(host: Host): void {
    host.inc++;
    const rp = this.params.replica;
    const durable = host.disk.durableState();
    host.replica = this.guard(host, 'constructor', () => {
      return new Replica(
        {
          id: host.id,
          members: this.members,
          random: (
            (r: Prng) => () =>
              r.float()
          )(this.hostRng.fork(`replica-${host.id}-${host.inc}`)),
          ...rp,
        },
        durable,
      );
    });
    host.sm = new RegisterMachine(this.dedup, this.keying);
    host.busy = false;
    host.flushScheduled = false;
    host.firstReady = true;
    host.lastCompact = durable.snapshot?.index ?? 0;
    host.role = 'follower';
    this.observeOrder({ kind: 'start', replica: host.id, time: this.now(), index: 0 });
    this.queue.at(this.now() + this.hostRng.range(0, this.params.tickMs), {
      k: 'tick',
      node: host.id,
      inc: host.inc,
    });
    this.scheduleFlush(host);
  }

  crash(id: number): void {
    const host = this.host(id);
    if (!host.replica) return;
    const wasLeader = host.replica.status().role === 'leader';
    if (host.sm) {
      this.crashSequences.push({
        label: `replica ${id} (before its crash at ${round(this.now())} ms)`,
        keys: [...host.sm.keys],
      });
    }
    host.replica = null;
    host.sm = null;
    host.inc++;
    host.busy = false;
    host.flushScheduled = false;
    host.pausedUntil = 0;
    host.pending.clear();
    host.reads.clear();
    host.waitingReads = [];
    host.crashes++;
    host.role = 'down';
    this.mix(`crash ${id}`);
    this.note(`crash replica ${id}${wasLeader ? ' (leader)' : ''}`);
    if (wasLeader && !this.electing) {
      this.electing = true;
      this.electionHealthyTicks = 0;
    }
  }

  restart(id: number): void {
    const host = this.host(id);
    if (host.replica) return;
    this.mix(`restart ${id}`);
    this.boot(host);
    this.note(`restart replica ${id} (disk: ${host.disk.size} records, snapshot ${host.disk.snapshotIndex})`);
  }

  private scheduleFlush(host: Host): void {
    if (host.flushScheduled || !host.replica) return;
    host.flushScheduled = true;
    this.queue.at(this.now(), { k: 'flush', node: host.id, inc: host.inc });
  }

  private onTick(id: number, inc: number): void {
    const host = this.host(id);
    if (host.inc !== inc || !host.replica) return;
    const replica = host.replica;
    this.guard(host, 'tick', () => replica.tick());
    this.scheduleFlush(host);
    this.queue.at(this.now() + this.params.tickMs, { k: 'tick', node: id, inc });
  }

  private onDeliver(from: number, to: number, text: string): void {
    const host = this.host(to);
    if (!host.replica || !this.network.canDeliver(from, to)) return;
    const decoded = peerMessages.decode(text);
    if (!decoded.ok) {
      this.fail(
        violation(
          'wire',
          `replica ${from} sent replica ${to} an invalid message (${decoded.error.message}): ${text.slice(0, 200)}`,
          this.now(),
        ),
      );
      return;
    }
    const message = decoded.value;
    this.mix(`d${round(this.now())}:${from}>${to}:${message.type}`);
    const replica = host.replica;
    this.guard(host, `step(${message.type})`, () => replica.step(message));
    this.scheduleFlush(host);
  }

  private onFlush(id: number, inc: number): void {
    const host = this.host(id);
    if (host.inc !== inc) return;
    host.flushScheduled = false;
    if (host.busy || !host.replica) return;
    const replica = host.replica;
    const ready = this.guard(host, 'ready', () => replica.ready());
    this.watchRole(host);
    const restart = host.firstReady;
    host.firstReady = false;
    if (
      ready.install === null &&
      ready.persist === null &&
      ready.sendEarly.length === 0 &&
      ready.send.length === 0 &&
      ready.ownAccept === null &&
      ready.committed.length === 0 &&
      ready.reads.length === 0 &&
      ready.rejected.length === 0
    ) {
      return;
    }
    if (ready.install) {
      const sm = host.sm as RegisterMachine;
      const before = sm.appliedIndex;
      this.observeOrder({ kind: 'install', replica: id, time: this.now(), index: ready.install.index });
      sm.restore(ready.install.data, ready.install.index);
      if (restart) host.restartInstalls++;
      else {
        host.installs++;
        this.note(`replica ${id} installs a snapshot at ${ready.install.index} (had applied ${before})`);
      }
      this.mix(`install ${id} ${ready.install.index}`);
    }
    // The leader's accepts leave now, while its own write is in flight (a crash may lose the write).
    this.transmit(host, ready.sendEarly);
    if (ready.persist) {
      host.busy = true;
      const { min, max } = this.params.persistDelay;
      this.queue.at(this.now() + this.hostRng.range(min, max), { k: 'persisted', node: id, inc, ready });
    } else {
      this.complete(host, ready);
    }
  }

  private onPersisted(id: number, inc: number, ready: Ready): void {
    const host = this.host(id);
    if (host.inc !== inc) return; // crashed in between: the write and everything after it is lost
    this.complete(host, ready);
  }

  private transmit(host: Host, messages: Ready['send']): void {
    const now = this.now();
    for (const out of messages) {
      this.options.onSend?.(now, host.id, out.to, out.message);
      for (const d of this.network.send(host.id, out.to, out.message)) {
        this.queue.at(now + d.delay, { k: 'deliver', from: host.id, to: out.to, text: d.text });
      }
    }
  }

  /** After the durable write: record chosen records, send, apply, answer reads, compact. */
  private complete(host: Host, ready: Ready): void {
    const now = this.now();
    if (ready.persist) {
      host.disk.write(ready.persist);
      for (const record of ready.persist.entries) {
        if (compareBallots(record.ballot, CHOSEN_BALLOT) === 0) {
          this.observeChosen({
            time: now,
            replica: host.id,
            slot: record.slot,
            value: record.value,
            source: 'persisted',
          });
        }
      }
    }
    host.busy = false;
    const ownAccept = ready.ownAccept;
    const replica = host.replica;
    if (ownAccept && replica) {
      this.guard(host, 'ownAcceptDurable', () => replica.ownAcceptDurable(ownAccept));
      this.scheduleFlush(host);
    }
    this.transmit(host, ready.send);
    const sm = host.sm as RegisterMachine;
    for (const entry of ready.committed) {
      this.observeChosen({
        time: now,
        replica: host.id,
        slot: entry.slot,
        value: entry.value,
        source: 'committed',
      });
      this.observeOrder({ kind: 'committed', replica: host.id, time: now, slot: entry.slot });
      this.mix(`c${host.id}:${entry.slot}:${entry.value.commands.length}`);
      for (const outcome of sm.apply(entry.slot, entry.value)) {
        const clientIndex = host.pending.get(outcome.waitKey);
        if (clientIndex === undefined) continue;
        host.pending.delete(outcome.waitKey);
        // The waiter is settled by whatever effect matches its key: under the broken keying
        // another user's effect can settle it, and its client is told its command took effect.
        const current = this.clients[clientIndex]?.current;
        if (current && this.keying.waitKey(current.command) === outcome.waitKey)
          this.acknowledge(clientIndex, current.key, host.id, entry.slot);
      }
    }
    for (const read of ready.reads) {
      const startedAt = host.reads.get(read.id);
      host.reads.delete(read.id);
      if (startedAt === undefined || read.index === null) continue;
      host.waitingReads.push({ id: read.id, index: read.index, startedAt });
    }
    if (host.waitingReads.length > 0) {
      const still: typeof host.waitingReads = [];
      for (const w of host.waitingReads) {
        if (sm.appliedIndex >= w.index) {
          this.reads.push({ replica: host.id, id: w.id, startedAt: w.startedAt, index: w.index });
        } else still.push(w);
      }
      host.waitingReads = still;
    }
    for (const rejected of ready.rejected) {
      for (const command of rejected.commands) {
        const waitKey = this.keying.waitKey(command);
        const clientIndex = host.pending.get(waitKey);
        if (clientIndex === undefined) continue;
        host.pending.delete(waitKey);
        const client = this.clients[clientIndex];
        if (client?.current?.key === commandKey(command)) {
          client.token++;
          this.queue.at(now + 20, { k: 'client', client: client.index, token: client.token });
        }
      }
    }
    const every = this.params.compactEvery;
    if (every > 0 && host.replica && sm.appliedIndex - host.lastCompact >= every) {
      const replica = host.replica;
      host.lastCompact = sm.appliedIndex;
      this.guard(host, 'compact', () => replica.compact(sm.appliedIndex, sm.serialize()));
    }
    this.scheduleFlush(host);
  }

  /** Is there a majority of live, unpaused replicas with every link between them open? */
  private healthyMajority(): boolean {
    const now = this.now();
    // A replica still recovering from a lost disk does not vote: it is no help to an election.
    const ok = this.hosts
      .filter((h) => h.replica !== null && h.pausedUntil <= now && !h.disk.recovering)
      .map((h) => h.id);
    const quorum = Math.floor(this.n / 2) + 1;
    if (ok.length < quorum) return false;
    // n <= 7: try every subset of the healthy replicas.
    for (let mask = 0; mask < 1 << ok.length; mask++) {
      const side = ok.filter((_, i) => mask & (1 << i));
      if (side.length < quorum) continue;
      if (side.every((a) => side.every((b) => a === b || !this.network.isBlocked(a, b)))) return true;
    }
    return false;
  }

  private watchRole(host: Host): void {
    const status = host.replica?.status();
    if (!status || status.role === host.role) return;
    host.role = status.role;
    if (status.role !== 'leader') return;
    this.leaders.push([this.now(), host.id, status.ballot.round]);
    this.note(`replica ${host.id} leads at ballot ${status.ballot.round}.${status.ballot.node}`);
    if (this.electing) {
      this.electionTicks.push(this.electionHealthyTicks);
      this.electing = false;
    }
  }

  // ===========================================================================================
  // Clients, probes and reads
  // ===========================================================================================

  private addClient(id: string, user: string, fixedTarget: number | null, probe: boolean): Client {
    const client: Client = {
      index: this.clients.length,
      id,
      user,
      fixedTarget,
      probe,
      seq: 0,
      current: null,
      token: 0,
    };
    this.clients.push(client);
    return client;
  }

  private onClientTimer(index: number, token: number): void {
    const client = this.clients[index];
    if (!client || client.token !== token) return;
    if (client.current === null) {
      if (this.healed || client.probe) return; // no new commands after the heal
      client.seq++;
      const command: Command = {
        op: 'post',
        clientId: client.id,
        seq: client.seq,
        ts: Math.floor(this.now()),
        user: client.user,
        room: 'lobby',
        text: `${client.user}/${client.id} says ${client.seq}`,
      };
      client.current = { command, key: commandKey(command), sentAt: this.now(), attempts: 0, target: null };
    }
    this.submit(client);
  }

  private submit(client: Client): void {
    const current = client.current;
    if (!current) return;
    const target = this.pickTarget(client, current.target);
    current.attempts++;
    client.token++;
    const backoff = Math.min(8, this.params.clientBackoff ** (current.attempts - 1));
    const timeout = this.params.clientTimeoutMs * backoff;
    this.queue.at(this.now() + timeout, { k: 'client', client: client.index, token: client.token });
    if (target === null) return;
    current.target = target;
    const host = this.host(target);
    if (!host.replica) return;
    host.pending.set(this.keying.waitKey(current.command), client.index);
    const command = current.command;
    this.queue.at(this.now(), { k: 'input', node: host.id, inc: host.inc, run: (r) => r.propose([command]) });
  }

  private pickTarget(client: Client, previous: number | null): number | null {
    if (client.fixedTarget !== null) return client.fixedTarget;
    const up = this.up();
    if (up.length === 0) return null;
    if (this.params.clientTarget === 'leader') {
      const leader = this.leader();
      if (leader !== null) return leader;
    }
    const others = up.filter((id) => id !== previous);
    return this.clientRng.pick(others.length > 0 ? others : up);
  }

  private acknowledge(index: number, key: string, replica: number, slot: number): void {
    const client = this.clients[index];
    const current = client?.current;
    if (!client || !current || current.key !== key) return;
    const now = this.now();
    this.mix(`ack ${key}@${replica}:${slot}`);
    this.acks.push({
      key,
      time: now,
      replica,
      slot,
      clientId: client.id,
      sentAt: current.sentAt,
      attempts: current.attempts,
    });
    const probe = this.probes.get(key);
    if (probe) probe.ackedAt = now;
    client.current = null;
    client.token++;
    if (!client.probe) {
      const { min, max } = this.params.thinkMs;
      this.queue.at(now + this.clientRng.range(min, max), {
        k: 'client',
        client: client.index,
        token: client.token,
      });
    }
  }

  private onReadTimer(): void {
    if (this.healed) return;
    const up = this.up();
    if (up.length > 0) {
      const host = this.host(this.clientRng.pick(up));
      if (host.replica && this.localReads) {
        // The broken `local-reads` host: answer from the local state machine, no read index.
        const id = ++this.readId;
        this.reads.push({ replica: host.id, id, startedAt: this.now(), index: host.sm?.appliedIndex ?? 0 });
      } else if (host.replica) {
        const id = ++this.readId;
        host.reads.set(id, this.now());
        this.queue.at(this.now(), { k: 'input', node: host.id, inc: host.inc, run: (r) => r.readIndex(id) });
      }
    }
    this.queue.at(this.now() + this.params.readEveryMs, { k: 'read' });
  }

  // ===========================================================================================
  // Heal and the final checks
  // ===========================================================================================

  private heal(): void {
    this.healed = true;
    this.healedAt = this.now();
    this.network.heal();
    for (const host of this.hosts) {
      host.pausedUntil = 0;
      if (!host.replica) this.restart(host.id);
    }
    this.note('heal: every fault removed, every replica up');
    for (const id of this.members) {
      const client = this.addClient(`probe-replica-${id}`, 'sim-probe', id, true);
      const command: Command = {
        op: 'post',
        clientId: client.id,
        seq: 1,
        ts: Math.floor(this.now()),
        user: client.user,
        room: 'lobby',
        text: `probe ${id}`,
      };
      const key = commandKey(command);
      client.current = { command, key, sentAt: this.now(), attempts: 0, target: id };
      this.probes.set(key, { replica: id, sentAt: this.now(), ackedAt: null });
      this.submit(client);
    }
  }

  private finalChecks(): void {
    const finals: AppliedSequence[] = this.hosts.map((h) => ({
      label: `replica ${h.id}`,
      keys: h.sm?.keys ?? [],
    }));
    const all = [...finals, ...this.crashSequences];
    const found: Violation[] = [
      ...checkPrefixes(all),
      ...checkOnce(all),
      ...checkDurability(this.acks, finals),
      ...checkReads(this.reads, this.acks),
    ];
    for (const bound of this.progressBounds) {
      const end = bound.from + bound.withinMs;
      if (!this.acks.some((a) => a.time > bound.from && a.time <= end)) {
        const next = this.acks.find((a) => a.time > bound.from);
        found.push(
          violation(
            'liveness',
            `${bound.label}: nothing acknowledged within ${bound.withinMs} ms of ${round(bound.from)} ms` +
              (next ? ` (next ack ${round(next.time - bound.from)} ms later)` : ' (none at all)'),
          ),
        );
      }
    }
    if (found.length === 0) {
      found.push(
        ...checkLiveness({
          healedAt: this.healedAt,
          finals,
          probes: this.probeResults(),
          boundMs: this.params.probeBoundTicks * this.params.tickMs,
          outstanding: this.clients
            .filter((c) => !c.probe && c.current !== null)
            .map((c) => ({ key: c.current?.key ?? '', since: c.current?.sentAt ?? 0 })),
        }),
      );
    }
    for (const v of found) {
      this.violations.push(v);
      this.note(`VIOLATION ${v.checker}: ${v.message}`);
    }
  }

  private probeResults(): ProbeResult[] {
    return [...this.probes].map(([key, p]) => ({ key, ...p }));
  }

  private result(): RunResult {
    const byType: Record<string, number> = {};
    let messages = 0;
    for (const [type, count] of this.network.stats.sent) {
      byType[type] = count;
      messages += count;
    }
    const agreement = this.agreement;
    return {
      seed: this.options.seed,
      replicas: this.n,
      schedule: this.options.schedule.name,
      variant: this.variant,
      params: this.params,
      ok: this.violations.length === 0,
      violations: this.violations,
      simulatedMs: this.now(),
      tickMs: this.params.tickMs,
      healedAt: this.healedAt,
      events: this.events,
      chosenSlots: agreement.size,
      acks: this.acks,
      reads: this.reads.length,
      probes: this.probeResults(),
      messages,
      dropped: this.network.stats.dropped,
      duplicated: this.network.stats.duplicated,
      messagesByType: byType,
      electionTicks: this.electionTicks,
      leaders: this.leaders,
      nodes: this.hosts.map((h) => ({
        id: h.id,
        crashes: h.crashes,
        wipes: h.wipes,
        installs: h.installs,
        restartInstalls: h.restartInstalls,
        applied: h.sm?.appliedIndex ?? 0,
        commands: h.sm?.keys.length ?? 0,
        diskWrites: h.disk.writes,
        diskRecords: h.disk.size,
        status: h.replica?.status() ?? null,
      })),
      marks: this.marks,
      log: this.log,
      traceHash: (this.hash >>> 0).toString(16).padStart(8, '0'),
      chosen: (slot) => agreement.valueAt(slot),
    };
  }

  // ===========================================================================================
  // Checker plumbing
  // ===========================================================================================

  private observeChosen(o: Parameters<AgreementChecker['observe']>[0]): void {
    const v = this.agreement.observe(o);
    if (v) this.fail(v);
  }

  private observeOrder(e: Parameters<OrderChecker['observe']>[0]): void {
    const v = this.order.observe(e);
    if (v) this.fail(v);
  }

  /** Records a violation and stops the run: the first one is the one worth replaying. */
  private fail(v: Violation): never {
    this.violations.push(v);
    this.note(`VIOLATION ${v.checker}: ${v.message}`);
    throw new StopRun(v.message);
  }

  /** Calls into the replica; an exception (a broken invariant) is a violation. */
  private guard<T>(host: Host, what: string, call: () => T): T {
    try {
      return call();
    } catch (error) {
      if (error instanceof StopRun) throw error;
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      return this.fail(
        violation('replica-error', `replica ${host.id} threw in ${what}: ${message}`, this.now()),
      );
    }
  }

  private mix(text: string): void {
    this.hash = hashString(text, this.hash);
  }

  // ===========================================================================================
  // FaultControl: what schedules may do
  // ===========================================================================================

  now(): number {
    return this.queue.now;
  }

  at(time: number, action: () => void): void {
    if (time >= this.faultEnd) return;
    this.queue.at(time, { k: 'action', run: action });
  }

  up(): number[] {
    return this.hosts.filter((h) => h.replica !== null).map((h) => h.id);
  }

  down(): number[] {
    return this.hosts.filter((h) => h.replica === null).map((h) => h.id);
  }

  isUp(id: number): boolean {
    return this.host(id).replica !== null;
  }

  status(id: number): ReplicaStatusView | null {
    return this.host(id).replica?.status() ?? null;
  }

  /** The live replica that believes it leads at the highest ballot, if any. */
  leader(): number | null {
    let best: ReplicaStatusView | null = null;
    for (const host of this.hosts) {
      const status = host.replica?.status();
      if (status?.role !== 'leader') continue;
      if (best === null || compareBallots(status.ballot, best.ballot) > 0) best = status;
    }
    return best?.id ?? null;
  }

  /**
   * The replica's disk is lost: its process is killed, it gets a new, empty disk of a higher
   * incarnation, and it restarts (recovering before it votes, unless the variant says otherwise).
   */
  wipe(id: number): void {
    const host = this.host(id);
    this.crash(id);
    host.wipes++;
    host.disk = new SimDisk(host.disk.mode, host.wipes, this.recoverWipes);
    this.mix(`wipe ${id}`);
    this.note(`wipe replica ${id}: new empty disk, incarnation ${host.wipes}`);
    this.restart(id);
  }

  /** Replicas on a disk that has not finished recovery (up or down): not voters. */
  recovering(): number[] {
    return this.hosts.filter((h) => h.disk.recovering).map((h) => h.id);
  }

  requireProgress(label: string, withinMs: number): void {
    this.progressBounds.push({ label, from: this.now(), withinMs });
    this.note(`${label}: something must be acknowledged within ${withinMs} ms`);
  }

  /** Stops the replica's process for `ms` (like SIGSTOP): no ticks, no messages, no writes handled. */
  pause(id: number, ms: number): void {
    const host = this.host(id);
    if (!host.replica) return;
    host.pausedUntil = Math.max(host.pausedUntil, this.now() + ms);
    this.note(`pause replica ${id} for ${Math.round(ms)} ms`);
  }

  persisting(id: number): boolean {
    const host = this.host(id);
    return host.replica !== null && host.busy;
  }

  /** Highest slot any replica has delivered (known chosen). */
  chosenMax(): number {
    const slots = this.agreement.slots();
    return slots[slots.length - 1] ?? 0;
  }

  chosen(slot: number): PaxosValue | undefined {
    return this.agreement.valueAt(slot);
  }

  mark(name: string, value: number): void {
    this.marks[name] = value;
  }

  note(text: string): void {
    this.log.push(`${round(this.now()).toFixed(1).padStart(9)} ms  ${text}`);
  }

  describeSlot(slot: number): string {
    const value = this.agreement.valueAt(slot);
    return value ? describe(value) : 'unknown';
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
