import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { ANOMALY_KINDS } from '../src/nemesis/checker.js';
import { LOAD_CLIENT, NemesisRun } from '../src/nemesis/run.js';
import { formatSummary } from '../src/nemesis/summary.js';

/**
 * A short nemesis run inside `npm test`: a real balancer and three servers, three load client
 * processes, 75 s of load with seed 3's schedule (pause, kill and isolate the leader, a commit
 * delay, a cut link...), then the heal, the drain and the check. Every anomaly count must be zero.
 * Every process the run starts is killed by PID when it ends, and again in afterAll.
 */
const SEED = 3;
let run: NemesisRun | null = null;

afterAll(async () => {
  await run?.dispose();
  expect(run?.pids() ?? []).toEqual([]);
});

it('keeps every acknowledged message, in one order, through a nemesis run (seed 3)', async () => {
  expect(existsSync(LOAD_CLIENT), `${LOAD_CLIENT} is missing: build e2e first (npx tsc -b)`).toBe(true);
  const out = join(tmpdir(), `quorum-nemesis-test-${SEED}-${process.pid}.json`);
  run = new NemesisRun({
    minutes: 1.25,
    seed: SEED,
    servers: 3,
    clients: 3,
    rooms: 3,
    rate: 5,
    snapshotEvery: 300,
    out,
  });
  const result = await run.run();
  console.log(formatSummary(result, out));
  expect(run.pids()).toEqual([]);
  expect(result.errors).toEqual([]);
  const check = result.check;
  expect(check).not.toBeNull();
  if (check === null) return;
  expect(check.counts).toEqual(Object.fromEntries(ANOMALY_KINDS.map((k) => [k, 0])));
  expect(check.ok).toBe(true);
  // The run did real work: every client acked through the faults, and the replicas were read.
  expect(check.totals.acked).toBeGreaterThan(300);
  expect(check.availability.acks.during).toBeGreaterThan(0);
  expect(check.availability.acks.after).toBeGreaterThan(0);
  expect(check.totals.replicas).toBe(3);
  expect(result.faults.some((e) => e.action === 'kill' || e.action === 'stop')).toBe(true);
});
