import { Value } from '@sinclair/typebox/value';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, type ErrorCode, ErrorCodeSchema, isRetryable, serverToClient } from '../src/index.js';

/** The stable error codes: each has a text and a retryable flag, and the schema knows exactly them. */

const RETRYABLE: readonly ErrorCode[] = [
  'rate_limited',
  'unavailable',
  'timeout',
  'shutting_down',
  'slow_consumer',
  'too_many_connections',
  'internal',
];

describe('error codes', () => {
  const codes = Object.keys(ERROR_CODES) as ErrorCode[];

  it('have a text and a retryable flag each', () => {
    expect(codes.length).toBe(26);
    for (const code of codes) {
      expect(code).toMatch(/^[a-z_]+$/);
      expect(ERROR_CODES[code].text.length).toBeGreaterThan(0);
      expect(typeof ERROR_CODES[code].retryable).toBe('boolean');
      expect(isRetryable(code)).toBe(ERROR_CODES[code].retryable);
    }
    // Changing whether a code is retryable changes what clients do: make it a visible change.
    expect(codes.filter(isRetryable)).toEqual(RETRYABLE);
  });

  it('are exactly what the error schema accepts', () => {
    for (const code of codes) expect(Value.Check(ErrorCodeSchema, code)).toBe(true);
    fc.assert(
      fc.property(
        fc.string().filter((s) => !Object.hasOwn(ERROR_CODES, s)),
        (s) => {
          expect(Value.Check(ErrorCodeSchema, s)).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
    expect(Value.Check(ErrorCodeSchema, 'toString')).toBe(false);
  });

  it('travel in error messages, with or without the rid of the request', () => {
    for (const code of codes) {
      for (const rid of [undefined, 0, 42]) {
        const message = {
          type: 'error' as const,
          ...(rid === undefined ? {} : { rid }),
          code,
          message: ERROR_CODES[code].text,
          retryable: isRetryable(code),
        };
        expect(serverToClient.decode(serverToClient.encode(message))).toStrictEqual({
          ok: true,
          value: message,
        });
      }
    }
    const bad = { type: 'error', code: 'no_such_code', message: 'x', retryable: false };
    expect(serverToClient.decode(JSON.stringify(bad))).toMatchObject({ error: { path: '/code' } });
  });
});
