/**
 * `@quorum/client/node`: the WebSocket factory for Node, backed by the `ws` package. Kept in its
 * own entry point so that a browser bundle of `@quorum/client` never imports `ws`.
 */
import { serverToClient } from '@quorum/protocol';
import WebSocket from 'ws';
import type { WebSocketFactory, WebSocketLike } from './transport.js';

export interface NodeWebSocketOptions {
  /** How long the opening handshake may take, in ms. */
  readonly handshakeTimeoutMs?: number;
}

export function createNodeWebSocketFactory(options: NodeWebSocketOptions = {}): WebSocketFactory {
  return (url) =>
    new WebSocket(url, {
      maxPayload: serverToClient.maxBytes,
      handshakeTimeout: options.handshakeTimeoutMs ?? 10_000,
      perMessageDeflate: false,
    }) as unknown as WebSocketLike;
}

/** The default Node factory. */
export const nodeWebSocketFactory: WebSocketFactory = createNodeWebSocketFactory();

export * from './index.js';
