import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DurableStore } from '../../src/storage/index.js';
import { buildStoreModule } from './build-module.js';
import { removeTempDirs, tempDir, waitFor } from './helpers.js';

const writerScript = path.join(path.dirname(fileURLToPath(import.meta.url)), 'crash-writer.mjs');
const CYCLES = 5;

let storeModule = '';
beforeAll(() => {
  storeModule = buildStoreModule();
});
afterAll(removeTempDirs);

interface Run {
  readonly child: ChildProcess;
  /** Every slot the child reported durable. */
  readonly durable: Set<number>;
  /** The discard marks the child reported durable, in order. */
  discards: number[];
  ready: boolean;
  exited: boolean;
  stderr: string;
}

function startWriter(dir: string, cycle: number): Run {
  const child = spawn(process.execPath, [writerScript, storeModule, dir, String(cycle)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const run: Run = { child, durable: new Set(), discards: [], ready: false, exited: false, stderr: '' };
  let buffered = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      const words = line.split(' ');
      if (words[0] === 'ready') run.ready = true;
      if (words[0] === 'durable') {
        const first = Number(words[1]);
        const last = Number(words[2]);
        for (let slot = first; slot <= last; slot++) run.durable.add(slot);
        if (words[3] === 'discard') run.discards.push(Number(words[4]));
      }
    }
  });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    run.stderr += chunk;
  });
  child.on('exit', () => {
    run.exited = true;
  });
  return run;
}

describe('crash durability', () => {
  it(`every write reported durable survives SIGKILL (${CYCLES} kill/reopen cycles)`, async () => {
    const dir = tempDir();
    // A small deterministic PRNG picks the kill moments.
    let seed = 0x51c0ffee;
    const random = () => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed / 2 ** 32;
    };
    const everDurable = new Set<number>();
    /** Every discard mark reported durable, over all cycles. */
    const discards: number[] = [];
    /** The snapshot index the last reopen found: never goes back. */
    let snapshotFloor = 0;

    for (let cycle = 1; cycle <= CYCLES; cycle++) {
      const run = startWriter(dir, cycle);
      try {
        const target = 20 + Math.floor(random() * 200);
        await waitFor(
          () => run.exited || run.durable.size >= target,
          15_000,
          `cycle ${cycle}: ${target} durable slots`,
        );
        expect(run.exited, `writer exited early: ${run.stderr}`).toBe(false);
        // Then a random moment more, so that the kill lands anywhere in a commit.
        await new Promise((resolve) => setTimeout(resolve, random() * 15));
        run.child.kill('SIGKILL');
        await waitFor(() => run.exited, 10_000, `cycle ${cycle}: the writer to die`);
      } finally {
        if (!run.exited) run.child.kill('SIGKILL');
      }
      for (const slot of run.durable) everDurable.add(slot);
      discards.push(...run.discards);

      // Reopen: the store must pass every integrity check and hold every slot reported durable.
      const store = await DurableStore.open(dir);
      try {
        const state = store.load();
        const snapshotIndex = state.snapshot?.index ?? 0;
        // A snapshot is durable once its checkpoint commits, after persist() returned; a second
        // snapshot's persist waits for the first checkpoint. So all but a run's newest are durable.
        expect(snapshotIndex).toBeGreaterThanOrEqual(Math.max(snapshotFloor, run.discards.at(-2) ?? 0));
        snapshotFloor = snapshotIndex;
        const held = new Map(state.entries.map((r) => [r.slot, r]));
        const lost = [...everDurable].filter((slot) => slot > snapshotIndex && !held.has(slot));
        expect(lost, `cycle ${cycle}: slots reported durable but missing`).toEqual([]);
        for (const entry of state.entries) {
          expect(entry.value.commands[0]).toMatchObject({ seq: entry.slot, text: `slot ${entry.slot}` });
          expect(entry.ballot.round).toBeLessThanOrEqual(cycle);
        }
        // Deltas are atomic: the log is one contiguous run after the snapshot, and the commit
        // watermark (written in the same delta as its records) names the last of them.
        const slots = state.entries.map((r) => r.slot);
        expect(slots[0]).toBe(snapshotIndex + 1);
        expect(slots.at(-1)! - slots[0]! + 1).toBe(slots.length);
        expect(state.committed).toBe(slots.at(-1));
        expect(state.promised).toEqual({ round: cycle, node: 1 });
        if (state.snapshot) expect(state.snapshot.data).toBe(`snapshot through ${snapshotIndex}`);
      } finally {
        await store.close();
      }
    }
    expect(everDurable.size).toBeGreaterThan(CYCLES * 20);
    expect(discards.length).toBeGreaterThan(1);
  }, 60_000);
});
