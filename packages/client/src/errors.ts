import { ERROR_CODES, type ErrorCode } from '@quorum/protocol';

/**
 * Error codes the client library produces itself, on top of the server's protocol codes
 * (`ErrorCode`). Like those, they are stable strings: switch on them, never on messages.
 */
export const LOCAL_ERROR_CODES = {
  request_timeout: { retryable: true, text: 'No reply arrived in time.' },
  not_connected: { retryable: true, text: 'No connection became ready in time.' },
  disconnected: { retryable: true, text: 'The connection closed before the reply arrived.' },
  closed: { retryable: false, text: 'The client was closed.' },
  outbox_full: { retryable: true, text: 'Too many sends are pending; wait for some to be delivered.' },
  invalid_request: { retryable: false, text: 'The request does not match the protocol schema.' },
  unexpected_reply: { retryable: true, text: 'The server answered with an unexpected message.' },
  no_server: { retryable: true, text: 'No balancer answered and no known server is left to try.' },
  invalid_frame: { retryable: false, text: 'The server sent a frame that does not match the schema.' },
} as const;

export type LocalErrorCode = keyof typeof LOCAL_ERROR_CODES;
export type ClientErrorCode = ErrorCode | LocalErrorCode;

export function isRetryableCode(code: ClientErrorCode): boolean {
  if (Object.hasOwn(LOCAL_ERROR_CODES, code)) return LOCAL_ERROR_CODES[code as LocalErrorCode].retryable;
  if (Object.hasOwn(ERROR_CODES, code)) return ERROR_CODES[code as ErrorCode].retryable;
  return false;
}

/** Every error the client rejects a promise with or reports in an `error` event. */
export class ClientError extends Error {
  override readonly name = 'ClientError';
  readonly code: ClientErrorCode;
  readonly retryable: boolean;
  /** JSON pointer of the offending field, for `invalid_request` and `invalid_frame`. */
  readonly path: string | undefined;

  constructor(
    code: ClientErrorCode,
    message?: string,
    options: { retryable?: boolean; path?: string; cause?: unknown } = {},
  ) {
    super(message ?? textOf(code), options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? isRetryableCode(code);
    this.path = options.path;
  }
}

function textOf(code: ClientErrorCode): string {
  if (Object.hasOwn(LOCAL_ERROR_CODES, code)) return LOCAL_ERROR_CODES[code as LocalErrorCode].text;
  return Object.hasOwn(ERROR_CODES, code) ? ERROR_CODES[code as ErrorCode].text : code;
}

export function isClientError(error: unknown): error is ClientError {
  return error instanceof ClientError;
}
