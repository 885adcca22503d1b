import type { TObject, TUnion } from '@sinclair/typebox';
import type fc from 'fast-check';
import {
  BalancerToServer,
  balancerToServer,
  ClientToServer,
  type Codec,
  Command,
  clientToServer,
  commands,
  GossipMessage,
  gossipMessages,
  MAX_BALANCER_FRAME_BYTES,
  MAX_CLIENT_FRAME_BYTES,
  MAX_PEER_FRAME_BYTES,
  PeerMessage,
  peerMessages,
  ServerToBalancer,
  ServerToClient,
  serverToBalancer,
  serverToClient,
} from '../../src/index.js';
import { arbitraryOf } from './arbitrary.js';

/** One ready-made codec with the union it was built from. */
export interface CodecCase {
  readonly name: string;
  readonly codec: Codec<unknown>;
  readonly union: TUnion<TObject[]>;
  /** The discriminator property. */
  readonly key: string;
  readonly maxBytes: number;
}

export const CODECS: readonly CodecCase[] = [
  {
    name: 'clientToServer',
    codec: clientToServer,
    union: ClientToServer,
    key: 'type',
    maxBytes: MAX_CLIENT_FRAME_BYTES,
  },
  {
    name: 'serverToClient',
    codec: serverToClient,
    union: ServerToClient,
    key: 'type',
    maxBytes: MAX_PEER_FRAME_BYTES,
  },
  {
    name: 'peerMessages',
    codec: peerMessages,
    union: PeerMessage,
    key: 'type',
    maxBytes: MAX_PEER_FRAME_BYTES,
  },
  {
    name: 'serverToBalancer',
    codec: serverToBalancer,
    union: ServerToBalancer,
    key: 'type',
    maxBytes: MAX_BALANCER_FRAME_BYTES,
  },
  {
    name: 'balancerToServer',
    codec: balancerToServer,
    union: BalancerToServer,
    key: 'type',
    maxBytes: MAX_BALANCER_FRAME_BYTES,
  },
  { name: 'commands', codec: commands, union: Command, key: 'op', maxBytes: MAX_PEER_FRAME_BYTES },
  {
    name: 'gossipMessages',
    codec: gossipMessages,
    union: GossipMessage,
    key: 'type',
    maxBytes: MAX_PEER_FRAME_BYTES,
  },
];

/** The discriminator value of one union member. */
export function kindOf(member: TObject, key: string): string {
  const literal = (member.properties[key] as { const?: unknown } | undefined)?.const;
  if (typeof literal !== 'string') throw new Error(`member without a "${key}" literal`);
  return literal;
}

/** Every member of a codec's union, by kind. */
export function membersOf(c: CodecCase): ReadonlyArray<readonly [kind: string, member: TObject]> {
  return c.union.anyOf.map((member) => [kindOf(member, c.key), member] as const);
}

/** Any valid message of a codec, of any kind. */
export function anyMessage(c: CodecCase): fc.Arbitrary<Record<string, unknown>> {
  return arbitraryOf(c.union) as fc.Arbitrary<Record<string, unknown>>;
}
