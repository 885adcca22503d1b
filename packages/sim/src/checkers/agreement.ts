import type { PaxosValue } from '@quorum/protocol';
import { canonical } from '../canonical.js';
import { type Violation, violation } from './types.js';

/**
 * (1) Agreement: at most one value is ever chosen per slot, across all replicas and all time.
 * Every value a replica delivered in `ready().committed` is chosen, and so is every log record a
 * replica persisted with CHOSEN_BALLOT; all of them must agree per slot.
 */
export interface ChosenObservation {
  readonly time: number;
  readonly replica: number;
  readonly slot: number;
  readonly value: PaxosValue;
  /** `committed`: delivered to the state machine; `persisted`: written as a chosen record. */
  readonly source: 'committed' | 'persisted';
}

interface Known {
  readonly text: string;
  readonly first: ChosenObservation;
}

export class AgreementChecker {
  private readonly chosen = new Map<number, Known>();

  /** Records one observation; returns the violation it reveals, if any. */
  observe(o: ChosenObservation): Violation | null {
    const text = canonical(o.value);
    const known = this.chosen.get(o.slot);
    if (known === undefined) {
      this.chosen.set(o.slot, { text, first: o });
      return null;
    }
    if (known.text === text) return null;
    const f = known.first;
    return violation(
      'agreement',
      `two values chosen for slot ${o.slot}: replica ${f.replica} ${f.source} ${describe(f.value)} at ${fmt(f.time)}, ` +
        `replica ${o.replica} ${o.source} ${describe(o.value)} at ${fmt(o.time)}`,
      o.time,
    );
  }

  /** The value chosen for `slot`, if any replica has learned one. */
  valueAt(slot: number): PaxosValue | undefined {
    return this.chosen.get(slot)?.first.value;
  }

  /** Every slot known chosen, in slot order. */
  slots(): number[] {
    return [...this.chosen.keys()].sort((a, b) => a - b);
  }

  get size(): number {
    return this.chosen.size;
  }
}

/** Batch form: every violation in a recorded history. */
export function checkAgreement(history: readonly ChosenObservation[]): Violation[] {
  const checker = new AgreementChecker();
  const out: Violation[] = [];
  for (const o of history) {
    const v = checker.observe(o);
    if (v) out.push(v);
  }
  return out;
}

export function describe(value: PaxosValue): string {
  if (value.commands.length === 0) return 'no-op';
  const keys = value.commands.map((c) => `${c.user}/${c.clientId}#${c.seq}`);
  return keys.length > 4
    ? `[${keys.slice(0, 4).join(', ')}, ... ${keys.length} commands]`
    : `[${keys.join(', ')}]`;
}

function fmt(time: number): string {
  return `${Math.round(time * 1000) / 1000} ms`;
}
