import type { Ballot } from '@quorum/protocol';

/** The ballot nobody has promised yet: every real ballot is above it. */
export const ZERO_BALLOT: Ballot = Object.freeze({ round: 0, node: 0 });

/**
 * The ballot a log record carries when its value was learned as chosen (by catch-up or
 * snapshot) rather than accepted. It outranks every real ballot when promises are merged,
 * which is safe: once a value is chosen, every later proposal for that slot must carry it.
 */
export const CHOSEN_BALLOT: Ballot = Object.freeze({ round: Number.MAX_SAFE_INTEGER, node: 0 });

/** Total order on ballots: by round, then by node id. */
export function compareBallots(a: Ballot, b: Ballot): number {
  if (a.round !== b.round) return a.round < b.round ? -1 : 1;
  if (a.node !== b.node) return a.node < b.node ? -1 : 1;
  return 0;
}

export function sameBallot(a: Ballot, b: Ballot): boolean {
  return a.round === b.round && a.node === b.node;
}

export function isChosenBallot(b: Ballot): boolean {
  return b.round === CHOSEN_BALLOT.round;
}

export function formatBallot(b: Ballot): string {
  return isChosenBallot(b) ? 'chosen' : `${b.round}.${b.node}`;
}
