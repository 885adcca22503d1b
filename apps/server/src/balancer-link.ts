import { createHmac, randomBytes } from 'node:crypto';
import { balancerToServer, MAX_BALANCER_FRAME_BYTES, type ServerToBalancer } from '@quorum/protocol';
import WebSocket from 'ws';

const BACKOFF_MIN_MS = 100;
const BACKOFF_MAX_MS = 3000;

export interface BalancerLinkOptions {
  readonly balancerUrl: string;
  readonly id: number;
  readonly publicUrl: string;
  readonly secret: string;
  readonly heartbeat: () => Extract<ServerToBalancer, { type: 'heartbeat' }>;
  readonly log: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
}

export function registrationMac(secret: string, id: number, url: string, ts: number, nonce: string): string {
  return createHmac('sha256', secret).update(`quorum-register|${id}|${url}|${ts}|${nonce}`).digest('hex');
}

/**
 * One server's link to one balancer: register (with a MAC, never the secret itself), then a
 * heartbeat every interval the balancer asked for. Reconnects with capped backoff forever, so a
 * restarted balancer rebuilds its soft state from us.
 */
export class BalancerLink {
  private socket: WebSocket | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private backoffMs = BACKOFF_MIN_MS;
  private closed = false;
  registered = false;

  constructor(private readonly options: BalancerLinkOptions) {}

  start(): void {
    this.connect();
  }

  /** Sends a heartbeat now (e.g. when the role changed) instead of waiting for the timer. */
  beat(): void {
    if (this.registered && this.socket?.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify(this.options.heartbeat()));
    }
  }

  close(): void {
    this.closed = true;
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.socket?.close(1001, 'shutting down');
  }

  private connect(): void {
    if (this.closed) return;
    const url = new URL('/cluster/ws', this.options.balancerUrl.replace(/^http/, 'ws'));
    const socket = new WebSocket(url, { maxPayload: MAX_BALANCER_FRAME_BYTES, handshakeTimeout: 2000 });
    this.socket = socket;
    socket.on('open', () => {
      const ts = Date.now();
      const nonce = randomBytes(18).toString('base64url');
      const { id, publicUrl, secret } = this.options;
      const register: ServerToBalancer = {
        type: 'register',
        id,
        url: publicUrl,
        ts,
        nonce,
        mac: registrationMac(secret, id, publicUrl, ts, nonce),
      };
      socket.send(JSON.stringify(register));
    });
    socket.on('message', (data: Buffer) => {
      const decoded = balancerToServer.decode(data.toString('utf8'));
      if (!decoded.ok) return;
      const message = decoded.value;
      if (message.type === 'registered') {
        this.registered = true;
        this.backoffMs = BACKOFF_MIN_MS;
        if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
        this.heartbeatTimer = setInterval(() => this.beat(), Math.max(50, message.heartbeatMs));
        this.beat();
        this.options.log.info({ balancer: this.options.balancerUrl }, 'registered with balancer');
      } else {
        this.options.log.warn(
          { balancer: this.options.balancerUrl, code: message.code, reason: message.message },
          'balancer refused us',
        );
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.registered = false;
      if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
      this.heartbeatTimer = null;
      if (this.closed) return;
      const wait = this.backoffMs * (0.5 + Math.random());
      this.backoffMs = Math.min(this.backoffMs * 2, BACKOFF_MAX_MS);
      this.retryTimer = setTimeout(() => this.connect(), wait);
    });
  }
}
