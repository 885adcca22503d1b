import { BalancerToServer, ServerToBalancer } from './balancer.js';
import { ClientToServer, ServerToClient } from './client.js';
import { createCodec } from './codec.js';
import { Command } from './commands.js';
import { MAX_BALANCER_FRAME_BYTES, MAX_CLIENT_FRAME_BYTES, MAX_PEER_FRAME_BYTES } from './limits.js';
import { PeerMessage } from './peer.js';

export * from './balancer.js';
export * from './client.js';
export * from './codec.js';
export * from './commands.js';
export * from './common.js';
export * from './errors.js';
export * from './identity.js';
export * from './limits.js';
export * from './peer.js';

/** What a server reads from clients and a client writes. */
export const clientToServer = createCodec(ClientToServer, { maxBytes: MAX_CLIENT_FRAME_BYTES });
/** What a client reads from a server. */
export const serverToClient = createCodec(ServerToClient, { maxBytes: MAX_PEER_FRAME_BYTES });
/** Paxos traffic between servers. */
export const peerMessages = createCodec(PeerMessage, { maxBytes: MAX_PEER_FRAME_BYTES });
/** What a balancer reads from servers. */
export const serverToBalancer = createCodec(ServerToBalancer, { maxBytes: MAX_BALANCER_FRAME_BYTES });
/** What a server reads from a balancer. */
export const balancerToServer = createCodec(BalancerToServer, { maxBytes: MAX_BALANCER_FRAME_BYTES });
/** Chat commands (the Paxos log's payload), keyed by `op`. */
export const commands = createCodec(Command, { maxBytes: MAX_PEER_FRAME_BYTES, discriminator: 'op' });
export * from './gossip.js';
