import { type BalancerToServer, balancerToServer, serverToBalancer } from '@quorum/protocol';
import type { FastifyInstance } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import type { RegistrationVerifier } from './auth.js';
import type { Registry } from './registry.js';

/**
 * `GET /cluster/ws`: one WebSocket per server. The first valid frame must be a `register` that
 * passes the verifier; after that, `heartbeat` frames for the same id. Refused registrations get
 * an `error` frame and a policy-violation close; malformed frames get an `error` and the
 * connection stays open.
 */

/** RFC 6455 "policy violation": refused registration (the close reason is the error code). */
export const CLOSE_POLICY_VIOLATION = 1008;
/** A newer registration of the same server id took over; the old socket is closed with this. */
export const CLOSE_REPLACED = 4000;

export interface ClusterSocketOptions {
  readonly registry: Registry;
  readonly verifier: RegistrationVerifier;
  readonly heartbeatMs: number;
  readonly balancerId: string;
  /** A connection that has not registered within this long is closed. */
  readonly registerTimeoutMs: number;
}

interface Registration {
  readonly id: number;
  readonly session: number;
}

export function clusterSocketRoutes(app: FastifyInstance, options: ClusterSocketOptions): void {
  const { registry, verifier } = options;
  /** The socket currently holding each server id. */
  const holders = new Map<number, { socket: WebSocket; session: number }>();

  app.get('/cluster/ws', { websocket: true }, (socket, request) => {
    const log = request.log.child({ remote: request.ip });
    let registration: Registration | null = null;

    const send = (message: BalancerToServer): void => {
      if (socket.readyState === socket.OPEN) socket.send(balancerToServer.encode(message));
    };
    const sendError = (code: Extract<BalancerToServer, { type: 'error' }>['code'], message: string): void => {
      send({ type: 'error', code, message: message.slice(0, 1024) });
    };

    const registerTimer = setTimeout(() => {
      if (registration !== null) return;
      log.warn('cluster connection closed: no registration in time');
      sendError('not_registered', `Register within ${options.registerTimeoutMs} ms of connecting.`);
      socket.close(CLOSE_POLICY_VIOLATION, 'not_registered');
    }, options.registerTimeoutMs);
    registerTimer.unref();

    socket.on('message', (data: RawData) => {
      const decoded = serverToBalancer.decode(data);
      if (!decoded.ok) {
        log.debug({ error: decoded.error.code }, 'invalid frame from a server');
        sendError('invalid_message', `${decoded.error.code}: ${decoded.error.message}`);
        return;
      }
      const message = decoded.value;

      if (message.type === 'register') {
        if (registration !== null && registration.id !== message.id) {
          sendError('invalid_message', `This connection is already registered as server ${registration.id}.`);
          return;
        }
        const verdict = verifier.verify(message);
        if (!verdict.ok) {
          log.warn({ serverId: message.id, code: verdict.code }, 'server registration refused');
          sendError(verdict.code, verdict.message);
          socket.close(CLOSE_POLICY_VIOLATION, verdict.code);
          return;
        }
        clearTimeout(registerTimer);
        const session = registry.register(message.id, message.url);
        registration = { id: message.id, session };
        const previous = holders.get(message.id);
        holders.set(message.id, { socket, session });
        if (previous !== undefined && previous.socket !== socket) {
          log.info({ serverId: message.id }, 'server re-registered; closing its previous connection');
          previous.socket.close(CLOSE_REPLACED, 'replaced by a newer registration');
        }
        log.info({ serverId: message.id, url: message.url }, 'server registered');
        send({ type: 'registered', heartbeatMs: options.heartbeatMs, balancerId: options.balancerId });
        return;
      }

      // heartbeat
      if (registration === null) {
        sendError('not_registered', 'Send register before heartbeats.');
        return;
      }
      if (message.id !== registration.id) {
        sendError(
          'not_registered',
          `This connection is registered as server ${registration.id}, not ${message.id}.`,
        );
        return;
      }
      const { type: _type, id, ...report } = message;
      if (!registry.heartbeat(id, registration.session, report)) {
        sendError('not_registered', 'This connection was superseded by a newer registration.');
      }
    });

    socket.on('close', (code: number) => {
      clearTimeout(registerTimer);
      if (registration === null) return;
      const { id, session } = registration;
      if (holders.get(id)?.session === session) holders.delete(id);
      if (registry.disconnect(id, session)) {
        log.info({ serverId: id, code }, 'server connection closed; out of rotation');
      }
    });

    socket.on('error', (error: Error) => {
      log.debug({ err: error.message }, 'cluster socket error');
    });
  });
}
