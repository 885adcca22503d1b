import type { Command } from '@quorum/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ReplicaDriver,
  type ReplicaStore,
  type SnapshotWriter,
  type StateMachineHost,
} from '../src/driver.js';
import { waitFor } from './storage/helpers.js';

/** A store in memory: persists resolve at once; `loggedBytes` is set by the test. */
class MemoryStore implements ReplicaStore {
  loggedBytes = 0;
  load() {
    return { promised: { round: 0, node: 0 }, entries: [], committed: 0, snapshot: null };
  }
  persist(): Promise<void> {
    return Promise.resolve();
  }
}

/** A state machine whose snapshot text has the size the test asks for. */
class SizedMachine implements StateMachineHost {
  applied = 0;
  snapshotChars = 100;
  snapshotsTaken = 0;
  apply(): void {
    this.applied++;
  }
  install(): void {}
  snapshotWriter(): SnapshotWriter {
    this.snapshotsTaken++;
    const text = 'S'.repeat(this.snapshotChars);
    return { step: () => true, header: '', finish: () => text };
  }
}

const drivers: ReplicaDriver[] = [];
afterEach(() => {
  for (const driver of drivers.splice(0)) driver.stop();
});

function start(store: MemoryStore, machine: SizedMachine): ReplicaDriver {
  // One member: it elects itself and commits alone, so each proposal is one applied slot.
  const driver = new ReplicaDriver({
    id: 1,
    members: [1],
    store,
    machine,
    send: () => {},
    tickMs: 1,
    snapshotEverySlots: 10,
  });
  drivers.push(driver);
  driver.start();
  return driver;
}

let seq = 0;
async function applySlots(driver: ReplicaDriver, machine: SizedMachine, slots: number): Promise<void> {
  const target = machine.applied + slots;
  while (machine.applied < target) {
    const command = {
      op: 'join',
      clientId: 'client-0001',
      seq: ++seq,
      ts: 1,
      user: 'u',
      room: 'r',
    } as Command;
    driver.propose([command]);
    const before = machine.applied;
    await waitFor(() => machine.applied > before, 5_000, 'the proposal to apply');
  }
}

describe('ReplicaDriver snapshot pacing', () => {
  it('a small state snapshots every --snapshot-every slots', async () => {
    const store = new MemoryStore();
    const machine = new SizedMachine();
    const driver = start(store, machine);
    await waitFor(() => driver.replica.status().role === 'leader', 5_000, 'leadership');
    await applySlots(driver, machine, 35);
    expect(machine.snapshotsTaken).toBe(3);
  });

  it('a large state snapshots again only once the log written since is half its size', async () => {
    const store = new MemoryStore();
    const machine = new SizedMachine();
    machine.snapshotChars = 4 << 20;
    const driver = start(store, machine);
    await waitFor(() => driver.replica.status().role === 'leader', 5_000, 'leadership');
    await applySlots(driver, machine, 12);
    expect(machine.snapshotsTaken).toBe(1);
    await applySlots(driver, machine, 30); // three intervals, but nothing logged
    expect(machine.snapshotsTaken).toBe(1);
    store.loggedBytes += (2 << 20) - 1;
    await applySlots(driver, machine, 12);
    expect(machine.snapshotsTaken).toBe(1);
    store.loggedBytes += 1;
    await applySlots(driver, machine, 2);
    expect(machine.snapshotsTaken).toBe(2);
    expect(driver.replica.status().snapshotIndex).toBeGreaterThan(40);
  });
});
