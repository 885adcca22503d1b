import type { DiskMode } from './disk.js';
import type { MessageFilter } from './network.js';
import { CLIENT_ID_KEYING, IDENTITY_KEYING, type Keying } from './state-machine.js';

/**
 * Deliberately broken hosts, implemented inside the simulator (the replica is untouched), to
 * show that the checkers catch real mistakes:
 * - `forget-promise`: an amnesiac acceptor: the disk loses the promised ballot and every accepted
 *   record on restart (chosen records survive);
 * - `no-persist`: the disk stores nothing at all;
 * - `ignore-accepted`: promises reach the candidate with their `accepted` list stripped, i.e. a
 *   new leader that ignores values accepted under earlier ballots;
 * - `no-dedup`: the state machine applies a retried (clientId, seq) again;
 * - `clientid-identity`: the host waits on, and the state machine dedups, commands by (clientId,
 *   seq) alone instead of (user, clientId, seq): another user's command with the same pair is
 *   taken for a retry, and its sender is acknowledged with a result that is not theirs;
 * - `wipe-without-recovery`: a replica whose disk was lost comes back on the empty disk and votes
 *   at once, as if it had never promised or accepted anything (the amnesiac the recovery
 *   protocol exists for);
 * - `local-reads`: the host answers reads from its own state machine without asking the replica
 *   for a read index (a stale read whenever it lags or is cut off).
 */
export const VARIANTS = [
  'forget-promise',
  'no-persist',
  'ignore-accepted',
  'no-dedup',
  'local-reads',
  'clientid-identity',
  'wipe-without-recovery',
] as const;
export type VariantName = (typeof VARIANTS)[number];

export interface VariantSetup {
  readonly disk: DiskMode;
  readonly dedup: boolean;
  readonly localReads: boolean;
  readonly filters: readonly MessageFilter[];
  readonly keying: Keying;
  /** A disk that replaces a lost one recovers before its replica votes. */
  readonly recoverWipes: boolean;
}

const stripAccepted: MessageFilter = (_from, _to, message) =>
  message.type === 'promise' ? { ...message, accepted: [] } : message;

export function variantSetup(variant: VariantName | null): VariantSetup {
  const setup = baseSetup(variant);
  return {
    ...setup,
    keying: variant === 'clientid-identity' ? CLIENT_ID_KEYING : IDENTITY_KEYING,
    recoverWipes: variant !== 'wipe-without-recovery',
  };
}

function baseSetup(variant: VariantName | null): Omit<VariantSetup, 'keying' | 'recoverWipes'> {
  switch (variant) {
    case null:
      return { disk: 'correct', dedup: true, localReads: false, filters: [] };
    case 'forget-promise':
      return { disk: 'forget-promise', dedup: true, localReads: false, filters: [] };
    case 'no-persist':
      return { disk: 'no-persist', dedup: true, localReads: false, filters: [] };
    case 'ignore-accepted':
      return { disk: 'correct', dedup: true, localReads: false, filters: [stripAccepted] };
    case 'no-dedup':
      return { disk: 'correct', dedup: false, localReads: false, filters: [] };
    case 'local-reads':
      return { disk: 'correct', dedup: true, localReads: true, filters: [] };
    case 'clientid-identity':
    case 'wipe-without-recovery':
      return { disk: 'correct', dedup: true, localReads: false, filters: [] };
  }
}

export function isVariant(name: string): name is VariantName {
  return (VARIANTS as readonly string[]).includes(name);
}
