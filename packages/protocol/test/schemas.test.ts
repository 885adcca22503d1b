import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AcceptedEntry,
  AssignQuery,
  AssignResponse,
  AssignUnavailable,
  ClusterStatus,
  clientToServer,
  createCodec,
  KnownServer,
  MAX_CLIENT_FRAME_BYTES,
  MAX_PASSWORD_LENGTH,
  MAX_TEXT_LENGTH,
  NOOP,
  PaxosValue,
  PEER_AUTH_HEADERS,
  PeerAuth,
  PeerMessage,
  phaseOf,
  ReplicaStatus,
  ServerStatus,
  SlotEntry,
} from '../src/index.js';
import { arbitraryOf } from './support/arbitrary.js';
import { CODECS } from './support/codecs.js';

/** The schemas outside the codecs (HTTP bodies, auth headers, log entries) and a few fixed facts. */

const STANDALONE: Record<string, TSchema> = {
  AssignQuery,
  AssignResponse,
  AssignUnavailable,
  KnownServer,
  ClusterStatus,
  ServerStatus,
  ReplicaStatus,
  PeerAuth,
  PaxosValue,
  SlotEntry,
  AcceptedEntry,
};

describe.each(Object.entries(STANDALONE))('%s', (_name, schema) => {
  it('accepts its valid values after a JSON round trip', () => {
    fc.assert(
      fc.property(arbitraryOf(schema), (value) => {
        const copy = JSON.parse(JSON.stringify(value)) as unknown;
        expect(copy).toStrictEqual(value);
        expect(Value.Check(schema, copy)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('refuses extra properties', () => {
    fc.assert(
      fc.property(arbitraryOf(schema), (value) => {
        expect(Value.Check(schema, { ...(value as object), extra: 1 })).toBe(false);
      }),
      { numRuns: 20 },
    );
  });
});

describe('fixed facts', () => {
  it('NOOP is an empty, frozen, valid Paxos value', () => {
    expect(Value.Check(PaxosValue, NOOP)).toBe(true);
    expect(NOOP.commands).toEqual([]);
    expect(Object.isFrozen(NOOP) && Object.isFrozen(NOOP.commands)).toBe(true);
  });

  it('names the Paxos phase of every peer message', () => {
    const phases = Object.fromEntries(
      PeerMessage.anyOf.map((member) => {
        const type = member.properties.type.const;
        return [type, phaseOf(type)];
      }),
    );
    expect(phases).toEqual({
      prepare: 'prepare',
      promise: 'prepare',
      accept: 'accept',
      accepted: 'accept',
      commit: 'commit',
      nack: 'other',
      heartbeat: 'other',
      heartbeat_ack: 'other',
      forward: 'other',
      read_index_req: 'other',
      read_index_resp: 'other',
      catchup_req: 'other',
      catchup: 'other',
      snapshot_req: 'other',
      snapshot_chunk: 'other',
      recover: 'other',
      recover_ack: 'other',
    });
  });

  it('has one lower-case auth header per PeerAuth field', () => {
    expect(Object.keys(PEER_AUTH_HEADERS).sort()).toEqual(Object.keys(PeerAuth.properties).sort());
    for (const header of Object.values(PEER_AUTH_HEADERS)) expect(header).toMatch(/^x-quorum-peer-[a-z]+$/);
    expect(new Set(Object.values(PEER_AUTH_HEADERS)).size).toBe(5);
  });

  it('fits the largest valid client message in one client frame', () => {
    // JSON escapes a lone surrogate as \\uXXXX (6 bytes) and a control character likewise: the
    // worst case per code unit. Chat text may hold lone surrogates; passwords anything.
    const worstText = '\ud800'.repeat(MAX_TEXT_LENGTH);
    const worstPassword = '\u0001'.repeat(MAX_PASSWORD_LENGTH);
    const messages = [
      {
        type: 'send',
        rid: 2 ** 31 - 1,
        room: 'r'.repeat(64),
        clientId: 'c'.repeat(64),
        seq: Number.MAX_SAFE_INTEGER,
        text: worstText,
      },
      { type: 'register', rid: 2 ** 31 - 1, user: 'u'.repeat(32), password: worstPassword },
    ];
    for (const message of messages) {
      const frame = JSON.stringify(message);
      expect(new TextEncoder().encode(frame).byteLength).toBeLessThanOrEqual(MAX_CLIENT_FRAME_BYTES);
      expect(clientToServer.decode(frame)).toStrictEqual({ ok: true, value: message });
    }
  });

  it('refuses to build a codec over an ambiguous union', () => {
    const { union } = CODECS[0]!;
    const twice = { ...union, anyOf: [...union.anyOf, union.anyOf[0]!] };
    expect(() => createCodec(twice, { maxBytes: 10 })).toThrow(/two union members/);
    expect(() => createCodec(union, { maxBytes: 10, discriminator: 'rid' })).toThrow(/without a literal/);
  });
});
