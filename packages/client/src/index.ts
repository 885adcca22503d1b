/**
 * `@quorum/client`: the Quorum Chat client library, for Node and browsers. In Node, import
 * `nodeWebSocketFactory` from `@quorum/client/node` and pass it as `webSocketFactory`.
 */
export {
  type Assignment,
  type AssignOutcome,
  assignUrl,
  type FetchLike,
  type KnownServerInfo,
  parseAssignResponse,
  requestAssignment,
} from './assign.js';
export {
  Backoff,
  type BackoffOptions,
  backoffCap,
  backoffDelay,
  backoffFloor,
  backoffOptions,
  DEFAULT_BACKOFF,
  isCycleExhausted,
} from './backoff.js';
export {
  type ConnectionState,
  type Credentials,
  type ErrorEvent,
  type HistoryResetEvent,
  type HistoryResult,
  type JoinedEvent,
  type MessageEventPayload,
  type OutboxEvent,
  type PendingSend,
  QuorumClient,
  type QuorumClientEvents,
  type QuorumClientOptions,
  type SessionEvent,
  type StateEvent,
  type WelcomeEvent,
} from './client.js';
export {
  type CloseReason,
  Connection,
  type ConnectionHandlers,
  type ConnectionOptions,
  type RequestFrame,
  type Welcome,
} from './connection.js';
export { type Listener, TypedEmitter } from './emitter.js';
export {
  ClientError,
  type ClientErrorCode,
  isClientError,
  isRetryableCode,
  LOCAL_ERROR_CODES,
  type LocalErrorCode,
} from './errors.js';
export {
  Outbox,
  type OutboxCommand,
  type OutboxEntry,
  type OutboxOptions,
  type OutboxPhase,
  type OutboxState,
} from './outbox.js';
export { RoomCursor } from './positions.js';
export { QUICK_REACTIONS } from './reactions.js';
export { systemTimers, type Timers } from './timers.js';
export {
  globalWebSocketFactory,
  OPEN,
  toWebSocketUrl,
  type WebSocketFactory,
  type WebSocketLike,
} from './transport.js';
