import { type Violation, violation } from './types.js';

/**
 * (6) Delivery order: `committed` reaches each state machine in strictly increasing slot order
 * with no gaps, starting right after whatever the state machine already holds (empty at start
 * and after a restart, or the snapshot it installed).
 */
export type DeliveryEvent =
  | { readonly kind: 'start'; readonly replica: number; readonly time: number; readonly index: number }
  | { readonly kind: 'install'; readonly replica: number; readonly time: number; readonly index: number }
  | { readonly kind: 'committed'; readonly replica: number; readonly time: number; readonly slot: number };

export class OrderChecker {
  private readonly applied = new Map<number, number>();

  observe(e: DeliveryEvent): Violation | null {
    const current = this.applied.get(e.replica);
    switch (e.kind) {
      case 'start':
        this.applied.set(e.replica, e.index);
        return null;
      case 'install':
        this.applied.set(e.replica, Math.max(e.index, current ?? 0));
        if (current !== undefined && e.index < current) {
          return violation(
            'order',
            `replica ${e.replica} installed a snapshot at ${e.index} below what it had applied (${current})`,
            e.time,
          );
        }
        return null;
      case 'committed': {
        if (current === undefined) {
          return violation(
            'order',
            `replica ${e.replica} delivered slot ${e.slot} before it started`,
            e.time,
          );
        }
        if (e.slot === current + 1) {
          this.applied.set(e.replica, e.slot);
          return null;
        }
        if (e.slot > current + 1) {
          this.applied.set(e.replica, e.slot);
          return violation(
            'order',
            `replica ${e.replica} delivered slot ${e.slot} after ${current}: slots ${current + 1}..${e.slot - 1} skipped`,
            e.time,
          );
        }
        return violation(
          'order',
          `replica ${e.replica} delivered slot ${e.slot} again (already applied through ${current})`,
          e.time,
        );
      }
    }
  }
}

export function checkOrder(trace: readonly DeliveryEvent[]): Violation[] {
  const checker = new OrderChecker();
  const out: Violation[] = [];
  for (const e of trace) {
    const v = checker.observe(e);
    if (v) out.push(v);
  }
  return out;
}
