/**
 * The transport abstraction: the part of the WebSocket API the client uses. The browser's
 * `WebSocket` and the `ws` package's both fit (through the factories below and in
 * `@quorum/client/node`), and a test can hand in its own.
 */
export interface WebSocketLike {
  readonly readyState: number;
  binaryType: string;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  /** `ws` only: drop the TCP connection at once instead of waiting for the close handshake. */
  terminate?(): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { readonly data: unknown }) => void) | null;
  onclose: ((event: { readonly code: number; readonly reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

/** Opens a WebSocket to `url` (`ws://` or `wss://`). */
export type WebSocketFactory = (url: string) => WebSocketLike;

/** `WebSocket.OPEN`, the same in every implementation. */
export const OPEN = 1;

interface WebSocketConstructor {
  new (url: string): unknown;
}

/** The platform's global `WebSocket` (browsers, Deno, Node 22+), or null when there is none. */
export function globalWebSocketFactory(): WebSocketFactory | null {
  const Ctor = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (typeof Ctor !== 'function') return null;
  return (url) => new Ctor(url) as WebSocketLike;
}

/** Servers may be announced with http(s) URLs; a WebSocket needs ws(s). */
export function toWebSocketUrl(url: string): string {
  if (url.startsWith('https://')) return `wss://${url.slice('https://'.length)}`;
  if (url.startsWith('http://')) return `ws://${url.slice('http://'.length)}`;
  return url;
}
