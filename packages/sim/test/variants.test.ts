import { describe, expect, it } from 'vitest';
import { replayCommand, replicasForSeed, runSeed } from '../src/run.js';
import type { RunResult } from '../src/simulation.js';
import type { VariantName } from '../src/variants.js';

/**
 * Evidence that the checkers bite: each deliberately broken host (implemented in the simulator;
 * the replica is untouched) is caught within a small seed budget, while the correct host passes
 * the very same seeds.
 */
const BUDGET = 10;

const cases: { variant: VariantName; schedule: string; checkers: string[] }[] = [
  {
    variant: 'forget-promise',
    schedule: 'rolling-restarts',
    checkers: ['agreement', 'durability', 'prefix', 'order'],
  },
  {
    variant: 'no-persist',
    schedule: 'rolling-restarts',
    checkers: ['agreement', 'durability', 'prefix', 'order'],
  },
  {
    variant: 'ignore-accepted',
    schedule: 'rolling-restarts',
    checkers: ['agreement', 'durability', 'prefix'],
  },
  { variant: 'no-dedup', schedule: 'leader-dies', checkers: ['once'] },
  { variant: 'local-reads', schedule: 'partition', checkers: ['reads'] },
  { variant: 'clientid-identity', schedule: 'leader-dies', checkers: ['durability'] },
  {
    variant: 'wipe-without-recovery',
    schedule: 'disk-loss',
    checkers: ['agreement', 'durability', 'prefix', 'order'],
  },
];

function firstFailure(variant: VariantName, schedule: string): { failure: RunResult | null; tried: number } {
  for (let seed = 1; seed <= BUDGET; seed++) {
    const result = runSeed({ seed, replicas: replicasForSeed(seed), schedule, variant });
    if (!result.ok) return { failure: result, tried: seed };
  }
  return { failure: null, tried: BUDGET };
}

describe('broken variants are caught', () => {
  for (const { variant, schedule, checkers } of cases) {
    it(`${variant} is caught on ${schedule} within ${BUDGET} seeds`, () => {
      const { failure } = firstFailure(variant, schedule);
      expect(failure, `${variant} was never caught`).not.toBeNull();
      if (!failure) return;
      expect(checkers).toContain(failure.violations[0]?.checker);
      expect(replayCommand(failure)).toBe(
        `npm run sim -- --seed ${failure.seed} --replicas ${failure.replicas} --schedule ${schedule} --variant ${variant}`,
      );
      // The same seed with the correct host passes: the variant is what broke it.
      const control = runSeed({ seed: failure.seed, replicas: failure.replicas, schedule });
      expect(control.violations).toEqual([]);
    });
  }

  it('forget-promise and ignore-accepted are caught on 3 and on 5 replicas', () => {
    for (const variant of ['forget-promise', 'ignore-accepted'] as const) {
      for (const replicas of [3, 5]) {
        let caught = false;
        for (let seed = 1; seed <= BUDGET && !caught; seed++) {
          caught = !runSeed({ seed, replicas, schedule: 'rolling-restarts', variant }).ok;
        }
        expect(caught, `${variant} on ${replicas} replicas`).toBe(true);
      }
    }
  });
});
