export { InvariantError } from './assert.js';
export {
  CHOSEN_BALLOT,
  compareBallots,
  formatBallot,
  isChosenBallot,
  sameBallot,
  ZERO_BALLOT,
} from './ballot.js';
export { ACCEPT_AHEAD, Replica } from './replica.js';
export * from './types.js';
