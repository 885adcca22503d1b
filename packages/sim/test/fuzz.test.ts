import { describe, it } from 'vitest';
import { runSeeds } from './seed-runner.js';

/**
 * Seeds with fuzzed parameters (`--fuzz`): window, batch size, retention, compaction, timers,
 * disk latency and client timeouts vary per seed, reaching corners the defaults do not.
 */
describe('fuzzed seeds 1-100', () => {
  it('seeds 1-50', () => runSeeds(1, 50, true));
  it('seeds 51-100', () => runSeeds(51, 100, true));
});
