/**
 * A pass-through HTTP proxy in front of the balancer, for clients outside the browser (the
 * terminal client) whose `GET /assign` a test wants to hold for a moment — the counterpart of
 * `holdNextAssign` for pages (see network.ts for why). Every answer is the real balancer's.
 */

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export class BalancerProxy {
  private gate: Promise<void> | null = null;
  private openGate: (() => void) | null = null;
  private onAssign: (() => void) | null = null;
  private expired = false;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(target: string): Promise<BalancerProxy> {
    let proxy!: BalancerProxy;
    const server = createServer((request, response) => {
      proxy.handle(target, request, response).catch((error: unknown) => {
        response.writeHead(502).end(String(error));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    proxy = new BalancerProxy(server, `http://127.0.0.1:${port}`);
    return proxy;
  }

  /**
   * Holds the next `/assign` requests until `release()` (at most `maxHoldMs`: the client gives
   * up on an assign after 3 s). Returns a promise of the first held request's arrival.
   */
  hold(maxHoldMs = 2000): { requested: Promise<void>; release: () => boolean } {
    this.expired = false;
    let requested!: () => void;
    const seen = new Promise<void>((resolve, reject) => {
      requested = resolve;
      setTimeout(
        () => reject(new Error('no client asked the balancer for a server within 20 s')),
        20_000,
      ).unref();
    });
    seen.catch(() => undefined);
    this.onAssign = requested;
    this.gate = new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.expired = true;
        resolve();
      }, maxHoldMs);
      this.openGate = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    return {
      requested: seen,
      /** Lets the requests through; returns false when the hold had already run out. */
      release: () => {
        const inTime = !this.expired;
        this.openGate?.();
        this.gate = null;
        this.onAssign = null;
        return inTime;
      },
    };
  }

  private async handle(target: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', target);
    if (url.pathname === '/assign' && this.gate !== null) {
      this.onAssign?.();
      await this.gate;
    }
    const upstream = await fetch(url, { method: request.method ?? 'GET', signal: AbortSignal.timeout(5000) });
    const body = Buffer.from(await upstream.arrayBuffer());
    response.writeHead(upstream.status, {
      'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream',
    });
    response.end(body);
  }

  async close(): Promise<void> {
    this.openGate?.();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
