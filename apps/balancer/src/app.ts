import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import websocket from '@fastify/websocket';
import { MAX_BALANCER_FRAME_BYTES } from '@quorum/protocol';
import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import { createRegistrationVerifier, DEFAULT_MAX_CLOCK_SKEW_MS } from './auth.js';
import { clusterSocketRoutes } from './cluster-socket.js';
import { DEFAULT_DEAD_AFTER_MS, DEFAULT_HEARTBEAT_MS, DEFAULT_WEB_DIR } from './config.js';
import { httpRoutes } from './http-routes.js';
import { Registry } from './registry.js';
import { webRoutes } from './web.js';

export interface BalancerOptions {
  /** The configured server ids: only these may register. */
  readonly servers: readonly number[];
  /** Shared with the servers; used only to check registration MACs, never logged. */
  readonly clusterSecret: string;
  readonly balancerId?: string;
  /** Heartbeat interval the balancer asks servers for. */
  readonly heartbeatMs?: number;
  /** A server silent for longer than this leaves rotation. */
  readonly deadAfterMs?: number;
  /** Built web page to serve at `/`; null serves only the "not built" text. */
  readonly webDir?: string | null;
  /** Fastify's logger option (pino); off by default for in-process tests. */
  readonly logger?: FastifyServerOptions['logger'];
  readonly maxClockSkewMs?: number;
  /** An unregistered cluster connection is closed after this long. */
  readonly registerTimeoutMs?: number;
  /** Injected clocks, for tests: wall time checks registration timestamps, monotonic time ages heartbeats. */
  readonly clock?: { readonly wallNow?: () => number; readonly monotonicNow?: () => number };
}

/**
 * Builds the balancer as a Fastify app (not yet listening): the cluster WebSocket, the HTTP API
 * and the web page. Everything it holds is soft state in one {@link Registry}.
 */
export function createBalancer(options: BalancerOptions): FastifyInstance {
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  const deadAfterMs = options.deadAfterMs ?? DEFAULT_DEAD_AFTER_MS;
  const balancerId = options.balancerId ?? `balancer-${randomBytes(4).toString('hex')}`;
  const monotonicNow = options.clock?.monotonicNow ?? (() => performance.now());
  const wallNow = options.clock?.wallNow ?? (() => Date.now());

  const registry = new Registry({ servers: options.servers, deadAfterMs, now: monotonicNow });
  const verifier = createRegistrationVerifier({
    secret: options.clusterSecret,
    isConfigured: (id) => registry.isConfigured(id),
    wallNow,
    maxClockSkewMs: options.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS,
  });

  const app = Fastify({
    logger: options.logger ?? false,
    // Clients poll /assign and /cluster: one log line per request would drown everything else.
    logController: new LogController({ disableRequestLogging: true }),
    // Unknown query parameters are an error, as the strict schemas say, not silently dropped.
    ajv: { customOptions: { removeAdditional: false } },
  });

  app.register(websocket, { options: { maxPayload: MAX_BALANCER_FRAME_BYTES } });
  app.register(async (scope) => {
    clusterSocketRoutes(scope, {
      registry,
      verifier,
      heartbeatMs,
      balancerId,
      registerTimeoutMs: options.registerTimeoutMs ?? 10_000,
    });
    httpRoutes(scope, { registry, balancerId });
    const serving = await webRoutes(scope, options.webDir === undefined ? DEFAULT_WEB_DIR : options.webDir, {
      serverUrls: () => registry.status().servers.flatMap((s) => (s.url === null ? [] : [s.url])),
    });
    scope.log.debug({ webPage: serving }, 'web page');
  });

  // Log servers entering and leaving rotation (a missed-heartbeat exit has no event of its own).
  let sweeper: NodeJS.Timeout | undefined;
  app.addHook('onReady', async () => {
    sweeper = setInterval(
      () => {
        const { joined, left } = registry.sweep();
        for (const id of joined) app.log.info({ serverId: id }, 'server in rotation');
        for (const id of left) app.log.warn({ serverId: id }, 'server out of rotation');
      },
      Math.max(20, Math.min(250, Math.floor(deadAfterMs / 4))),
    );
    sweeper.unref();
  });
  // Tell connected servers why the socket closes (1001 "going away"), before the plugin's own
  // pre-close hook closes whatever is left without a code.
  app.addHook('preClose', (done) => {
    for (const client of app.websocketServer?.clients ?? []) client.close(1001, 'balancer shutting down');
    done();
  });
  app.addHook('onClose', async () => {
    if (sweeper !== undefined) clearInterval(sweeper);
  });

  return app;
}
