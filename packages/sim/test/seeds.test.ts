import { describe, it } from 'vitest';
import { runSeeds } from './seed-runner.js';

/**
 * The CI seed budget, part 1 of 2: seeds alternate between 3 and 5 replicas and each picks its
 * schedule from the seed. Part 2 (seeds-more.test.ts) is a separate file so that vitest runs the
 * halves in parallel.
 */
describe('seeds 1-300 (3 and 5 replicas, every schedule)', () => {
  for (let from = 1; from <= 300; from += 50) {
    it(`seeds ${from}-${from + 49}`, () => runSeeds(from, from + 49));
  }
});
