import { describe, it } from 'vitest';
import { runSeeds } from './seed-runner.js';

/** The CI seed budget, part 2 of 2 (see seeds.test.ts). */
describe('seeds 301-600 (3 and 5 replicas, every schedule)', () => {
  for (let from = 301; from <= 600; from += 50) {
    it(`seeds ${from}-${from + 49}`, () => runSeeds(from, from + 49));
  }
});
