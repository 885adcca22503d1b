import type { Ballot } from '@quorum/protocol';
import type { EncodedRecord, WalDelta } from './codec.js';
import type { DurableState, LogRecord } from './types.js';

/**
 * What the write-ahead log holds since the last checkpoint, merged into one delta with the same
 * effect as applying its frames in order: later records replace earlier ones of the same slot,
 * and a discard drops the records at or below it that came before it. A checkpoint writes this
 * to LMDB (discard first, then the records: see `discardFirst` in the store's write plan).
 * Identity changes merge too: `recovered` sticks, the highest incarnation per peer wins, and the
 * cluster id is set at most once (the store refuses to change it).
 */
export class WalBacklog {
  promised: Ballot | undefined;
  committed: number | undefined;
  discardThrough: number | undefined;
  recovered = false;
  clusterId: string | undefined;
  readonly incarnations = new Map<number, number>();
  readonly entries = new Map<number, EncodedRecord>();
  frames = 0;

  add(delta: WalDelta): void {
    this.frames++;
    for (const entry of delta.entries) this.entries.set(entry.record.slot, entry);
    if (delta.promised !== undefined) this.promised = delta.promised;
    if (delta.committed !== undefined) this.committed = delta.committed;
    const through = delta.discardThrough;
    if (through !== undefined) {
      this.discardThrough = Math.max(this.discardThrough ?? 0, through);
      for (const slot of this.entries.keys()) if (slot <= through) this.entries.delete(slot);
    }
    if (delta.recovered) this.recovered = true;
    if (delta.clusterId !== undefined) this.clusterId = delta.clusterId;
    for (const [id, incarnation] of delta.incarnations ?? []) {
      if (incarnation > (this.incarnations.get(id) ?? -1)) this.incarnations.set(id, incarnation);
    }
  }

  get isEmpty(): boolean {
    return this.frames === 0;
  }

  /** `state` (what LMDB holds) with the backlog applied on top. */
  applyTo(state: DurableState): DurableState {
    if (this.isEmpty) return state;
    const through = this.discardThrough;
    const bySlot = new Map<number, LogRecord>();
    for (const record of state.entries)
      if (through === undefined || record.slot > through) bySlot.set(record.slot, record);
    for (const [slot, entry] of this.entries) bySlot.set(slot, entry.record);
    return {
      promised: this.promised ?? state.promised,
      entries: [...bySlot.values()].sort((a, b) => a.slot - b.slot),
      committed: this.committed ?? state.committed,
      snapshot: state.snapshot,
      incarnation: state.incarnation ?? 0,
      recovering: this.recovered ? false : (state.recovering ?? false),
      incarnations: mergeIncarnations(state.incarnations ?? [], this.incarnations),
    };
  }
}

/** `base` with `changes` merged in, the highest incarnation per replica winning, sorted by replica. */
export function mergeIncarnations(
  base: Iterable<readonly [number, number]>,
  changes: Iterable<readonly [number, number]>,
): [number, number][] {
  const merged = new Map<number, number>(base);
  for (const [id, incarnation] of changes) {
    if (incarnation > (merged.get(id) ?? -1)) merged.set(id, incarnation);
  }
  return [...merged].sort((a, b) => a[0] - b[0]);
}
