import { Value } from '@sinclair/typebox/value';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as protocol from '../src/index.js';
import { arbitraryOf } from './support/arbitrary.js';
import { CODECS, membersOf } from './support/codecs.js';

/**
 * Every message kind of every codec survives encode -> decode unchanged, as text, as bytes and
 * as fragments. The cases come from the unions themselves, so a new kind gets its test for free;
 * the kind lists below make adding one a deliberate act (and a reminder to document it).
 */

const EXPECTED_KINDS: Record<string, readonly string[]> = {
  clientToServer: [
    'hello',
    'register',
    'login',
    'resume_session',
    'logout',
    'join',
    'leave',
    'send',
    'react',
    'history',
    'resume',
    'typing',
    'set_display_name',
    'rooms',
    'who',
    'cluster_info',
    'ping',
  ],
  serverToClient: [
    'welcome',
    'auth_ok',
    'ok',
    'joined',
    'ack',
    'message',
    'history_page',
    'resume_result',
    'reaction',
    'membership',
    'presence',
    'typing',
    'room_list',
    'who_result',
    'display_name',
    'cluster',
    'pong',
    'error',
  ],
  peerMessages: [
    'prepare',
    'promise',
    'accept',
    'accepted',
    'commit',
    'nack',
    'heartbeat',
    'heartbeat_ack',
    'forward',
    'read_index_req',
    'read_index_resp',
    'catchup_req',
    'catchup',
    'snapshot_req',
    'snapshot_chunk',
    'recover',
    'recover_ack',
  ],
  serverToBalancer: ['register', 'heartbeat'],
  balancerToServer: ['registered', 'error'],
  commands: [
    'post',
    'react',
    'register',
    'open_session',
    'close_session',
    'join',
    'leave',
    'set_display_name',
    'set_password_hash',
  ],
  gossipMessages: ['presence', 'typing', 'status', 'archive_req', 'archive_page'],
};

const encoder = new TextEncoder();

/** Splits bytes into fragments at the given cut points (which may fall inside a character). */
function fragment(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const parts: Uint8Array[] = [];
  let at = 0;
  for (const point of points) {
    parts.push(bytes.subarray(at, point));
    at = point;
  }
  parts.push(bytes.subarray(at));
  return parts;
}

it('covers every codec the package exports', () => {
  const exported = Object.entries(protocol).filter(
    ([, value]) => typeof value === 'object' && value !== null && 'decode' in value && 'kinds' in value,
  );
  expect(exported.map(([name]) => name).sort()).toEqual(CODECS.map((c) => c.name).sort());
  for (const [name, codec] of exported) expect(CODECS.find((c) => c.name === name)?.codec).toBe(codec);
});

it('keeps gossip and Paxos kinds apart, as they share the peer links', () => {
  const peer = new Set(protocol.peerMessages.kinds);
  expect(protocol.gossipMessages.kinds.filter((kind) => peer.has(kind))).toEqual([]);
});

describe.each(CODECS)('$name', (c) => {
  it('knows exactly the kinds of its union, each once', () => {
    const kinds = membersOf(c).map(([kind]) => kind);
    expect(c.codec.kinds).toEqual(kinds);
    expect(new Set(c.codec.kinds).size).toBe(c.union.anyOf.length);
    expect([...c.codec.kinds].sort()).toEqual([...(EXPECTED_KINDS[c.name] ?? [])].sort());
  });

  it.each(membersOf(c))('round-trips every valid %s', (kind, member) => {
    fc.assert(
      fc.property(arbitraryOf(member), fc.array(fc.nat(), { maxLength: 4 }), (message, cuts) => {
        expect(message[c.key as keyof typeof message]).toBe(kind);
        // The generator itself only makes valid values...
        expect(Value.Check(member, message)).toBe(true);
        const frame = c.codec.encode(message);
        const expected = { ok: true, value: message };
        // ...and every way a frame can arrive decodes to the same value.
        expect(c.codec.decode(frame)).toStrictEqual(expected);
        const bytes = encoder.encode(frame);
        expect(c.codec.decode(bytes)).toStrictEqual(expected);
        expect(
          c.codec.decode(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)),
        ).toStrictEqual(expected);
        expect(c.codec.decode(fragment(bytes, cuts))).toStrictEqual(expected);
        expect(c.codec.check(JSON.parse(frame))).toStrictEqual(expected);
        // Encoding is stable: the decoded value encodes to the very same text.
        const decoded = c.codec.decode(frame);
        expect(decoded.ok && c.codec.encode(decoded.value)).toBe(frame);
      }),
      { numRuns: 60 },
    );
  });
});
