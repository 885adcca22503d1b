import { type Static, Type } from '@sinclair/typebox';

/**
 * Stable error codes. Clients switch on these strings; never rename one, only add.
 * `retryable` tells a client whether the same request may succeed later or elsewhere.
 */
export const ERROR_CODES = {
  frame_too_large: { retryable: false, text: 'The frame is larger than the limit.' },
  malformed_frame: { retryable: false, text: 'The frame is not valid JSON text.' },
  unknown_type: { retryable: false, text: 'The message type is not known.' },
  invalid_message: { retryable: false, text: 'The message does not match its schema.' },
  unsupported_version: { retryable: false, text: 'The protocol version is not supported.' },
  hello_required: { retryable: false, text: 'The first message must be hello.' },
  not_authenticated: { retryable: false, text: 'Log in or register first.' },
  already_authenticated: { retryable: false, text: 'This connection is already logged in.' },
  auth_failed: { retryable: false, text: 'Wrong user name or password.' },
  user_exists: { retryable: false, text: 'That user name is taken.' },
  session_invalid: { retryable: false, text: 'The session token is unknown, expired or revoked.' },
  unknown_room: { retryable: false, text: 'There is no such room.' },
  not_member: { retryable: false, text: 'Join the room first.' },
  too_many_rooms: { retryable: false, text: 'This connection has joined too many rooms.' },
  text_too_long: { retryable: false, text: 'The message text is too long.' },
  unknown_message: { retryable: false, text: 'There is no message at that position.' },
  rate_limited: { retryable: true, text: 'Too many requests; slow down.' },
  unavailable: { retryable: true, text: 'The cluster cannot commit right now (no quorum or no leader).' },
  timeout: { retryable: true, text: 'The request did not complete in time.' },
  shutting_down: { retryable: true, text: 'This server is shutting down.' },
  slow_consumer: { retryable: true, text: 'The connection could not keep up and was closed.' },
  too_many_connections: { retryable: true, text: 'Too many connections from this address.' },
  forbidden: { retryable: false, text: 'Not allowed.' },
  quota_exceeded: { retryable: false, text: 'You have reached a limit on what one user may create.' },
  seq_expired: {
    retryable: false,
    text: 'That seq is older than the ones this client may have in flight: whether it was applied can no longer be told.',
  },
  internal: { retryable: true, text: 'Internal error.' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export const ErrorCodeSchema = Type.Union(
  (Object.keys(ERROR_CODES) as ErrorCode[]).map((code) => Type.Literal(code)),
  { $id: 'ErrorCode' },
);

/** A decode failure: what the decoders return instead of throwing. */
export interface ProtocolError {
  readonly code: Extract<
    ErrorCode,
    'frame_too_large' | 'malformed_frame' | 'unknown_type' | 'invalid_message'
  >;
  readonly message: string;
  /** JSON pointer of the first offending field, for `invalid_message`. */
  readonly path?: string;
}

export type DecodeResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: ProtocolError };

export function isRetryable(code: ErrorCode): boolean {
  return ERROR_CODES[code].retryable;
}

export type ErrorCodeValue = Static<typeof ErrorCodeSchema>;
