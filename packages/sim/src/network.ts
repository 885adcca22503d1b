import { type PaxosPhase, type PeerMessage, type PeerMessageType, phaseOf } from '@quorum/protocol';
import type { Prng } from './prng.js';

/** Base behaviour of every link. */
export interface NetworkConfig {
  /** One-way delay, uniform in [min, max] simulated ms. */
  readonly delay: { readonly min: number; readonly max: number };
  /** Probability that a message is lost. */
  readonly dropRate: number;
  /** Probability that a message is delivered twice (each copy with its own delay). */
  readonly duplicateRate: number;
}

export const QUIET_NETWORK: NetworkConfig = { delay: { min: 1, max: 10 }, dropRate: 0, duplicateRate: 0 };

/** Extra delay, in ms, on one replica's outgoing messages of each phase (the seed's `-mode=p:10::a:20::c:30`). */
export type PhaseDelays = Partial<Record<Exclude<PaxosPhase, 'other'>, number>>;

/**
 * A message rewriter on the wire: gets a private copy, returns it (possibly changed) or null to
 * drop it. Used by fault schedules (a leader's accept for one slot reaching nobody) and by broken
 * variants (promises stripped of their accepted values).
 */
export type MessageFilter = (from: number, to: number, message: PeerMessage) => PeerMessage | null;

/** One planned delivery: the message as JSON text (every receiver parses its own copy). */
export interface Delivery {
  readonly delay: number;
  readonly text: string;
}

export interface NetworkStats {
  /** Messages handed to the network, by type (before loss and duplication). */
  readonly sent: Map<PeerMessageType, number>;
  dropped: number;
  duplicated: number;
  /** Messages removed by a filter. */
  filtered: number;
  /** Messages lost to a partition (at send or at delivery). */
  partitioned: number;
}

/**
 * The simulated network: delays, loss, duplication, partitions (per directed link) and per-replica
 * per-phase delays. Reordering falls out of random delays. The network only plans deliveries;
 * the simulation schedules them on its clock.
 */
export class Network {
  config: NetworkConfig;
  private readonly blocked = new Set<string>();
  private readonly phaseDelays = new Map<number, PhaseDelays>();
  private readonly filters = new Map<string, MessageFilter>();
  readonly stats: NetworkStats = { sent: new Map(), dropped: 0, duplicated: 0, filtered: 0, partitioned: 0 };

  constructor(
    private readonly rng: Prng,
    config: NetworkConfig = QUIET_NETWORK,
    /** Filters that stay through `heal()` (the broken variants). */
    private readonly permanent: readonly MessageFilter[] = [],
  ) {
    this.config = config;
  }

  /** Plans the deliveries of one message: none (lost), one, or two (duplicated). */
  send(from: number, to: number, message: PeerMessage): Delivery[] {
    this.stats.sent.set(message.type, (this.stats.sent.get(message.type) ?? 0) + 1);
    if (this.blocked.has(link(from, to))) {
      this.stats.partitioned++;
      return [];
    }
    let current: PeerMessage | null = message;
    if (this.filters.size > 0 || this.permanent.length > 0) {
      current = JSON.parse(JSON.stringify(message)) as PeerMessage;
      for (const filter of [...this.permanent, ...this.filters.values()]) {
        current = filter(from, to, current);
        if (current === null) break;
      }
      if (current === null) {
        this.stats.filtered++;
        return [];
      }
    }
    if (this.rng.chance(this.config.dropRate)) {
      this.stats.dropped++;
      return [];
    }
    const text = JSON.stringify(current);
    const copies = this.rng.chance(this.config.duplicateRate) ? 2 : 1;
    if (copies === 2) this.stats.duplicated++;
    const phase = phaseOf(message.type);
    const extra = phase === 'other' ? 0 : (this.phaseDelays.get(from)?.[phase] ?? 0);
    const out: Delivery[] = [];
    for (let i = 0; i < copies; i++) {
      const { min, max } = this.config.delay;
      out.push({ delay: this.rng.range(min, max) + extra, text });
    }
    return out;
  }

  /** Checked again at delivery time: a partition also cuts messages already in flight. */
  canDeliver(from: number, to: number): boolean {
    const ok = !this.blocked.has(link(from, to));
    if (!ok) this.stats.partitioned++;
    return ok;
  }

  /** Cuts the directed link from -> to (a one-way partition). */
  block(from: number, to: number): void {
    this.blocked.add(link(from, to));
  }

  unblock(from: number, to: number): void {
    this.blocked.delete(link(from, to));
  }

  /** Cuts both directions between a and b. */
  cut(a: number, b: number): void {
    this.block(a, b);
    this.block(b, a);
  }

  /** Cuts every link between the two sides (a two-way partition). */
  partition(side: readonly number[], other: readonly number[]): void {
    for (const a of side) for (const b of other) if (a !== b) this.cut(a, b);
  }

  /** Restores every link between the two sides. */
  join(side: readonly number[], other: readonly number[]): void {
    for (const a of side)
      for (const b of other) {
        this.unblock(a, b);
        this.unblock(b, a);
      }
  }

  /** Removes every partition (delays, loss and filters stay). */
  clearPartitions(): void {
    this.blocked.clear();
  }

  isBlocked(from: number, to: number): boolean {
    return this.blocked.has(link(from, to));
  }

  get partitioned(): boolean {
    return this.blocked.size > 0;
  }

  setPhaseDelays(replica: number, delays: PhaseDelays): void {
    this.phaseDelays.set(replica, delays);
  }

  addFilter(name: string, filter: MessageFilter): void {
    this.filters.set(name, filter);
  }

  removeFilter(name: string): void {
    this.filters.delete(name);
  }

  /** Removes every fault: partitions, phase delays, filters; links back to `config`. */
  heal(config: NetworkConfig = QUIET_NETWORK): void {
    this.blocked.clear();
    this.phaseDelays.clear();
    this.filters.clear();
    this.config = config;
  }
}

function link(from: number, to: number): string {
  return `${from}>${to}`;
}

/** Parses the seed's fault mode string, e.g. `p:10::a:20::c:30` (values in ms here). `d:0` means no delay. */
export function parsePhaseDelays(mode: string): PhaseDelays {
  const out: { prepare?: number; accept?: number; commit?: number } = {};
  for (const part of mode.split('::')) {
    if (part.trim() === '') continue;
    const [key, raw] = part.split(':');
    const ms = Number(raw);
    if (!Number.isFinite(ms) || ms < 0) throw new Error(`bad phase delay "${part}" in "${mode}"`);
    if (key === 'p') out.prepare = ms;
    else if (key === 'a') out.accept = ms;
    else if (key === 'c') out.commit = ms;
    else if (key === 'd') {
      out.prepare = ms;
      out.accept = ms;
      out.commit = ms;
    } else throw new Error(`unknown phase "${key}" in "${mode}" (use p, a, c or d)`);
  }
  return out;
}
