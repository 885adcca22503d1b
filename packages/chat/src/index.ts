/**
 * @quorum/chat: the replicated chat state machine. A pure, deterministic reducer over committed
 * Paxos slots (rooms, messages, reactions, users, sessions, the exactly-once dedup table), with
 * queries for the server, a canonical snapshot and a chained digest of the applied history.
 */
export { canonicalJson } from './canonical.js';
export { ApplyOrderError, SnapshotError } from './errors.js';
export { chainDigest, Fnv64, fnv1a64, GENESIS_DIGEST } from './hash.js';
export { SnapshotWriter } from './snapshot-writer.js';
export {
  ChatState,
  DEFAULT_DEDUP_WINDOW_MS,
  DEFAULT_MAX_DEDUP_CLIENTS,
  DEFAULT_RETAIN_PER_ROOM,
  dedupKey,
  MAX_CLOCK_STEP_MS,
  MAX_EMOJI_PER_MESSAGE,
  SESSION_SWEEP_MS,
} from './state.js';
export type {
  AppliedEffect,
  ArchivedRange,
  ChatEvent,
  ChatStateOptions,
  ChatStats,
  CloseSessionResult,
  CommandResult,
  DedupEntry,
  DedupStatus,
  EffectMeta,
  Failure,
  HistoryPage,
  JoinResult,
  LeaveResult,
  OpenSessionResult,
  Outcome,
  PostResult,
  ReactResult,
  RegisterResult,
  ResultOf,
  ResumePage,
  RoomSummary,
  SessionInfo,
  SetDisplayNameResult,
  StateDigest,
  Success,
} from './types.js';
