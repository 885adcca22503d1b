import { AssignQuery, type ClusterStatus } from '@quorum/protocol';
import type { FastifyInstance } from 'fastify';
import type { Registry } from './registry.js';

/**
 * The client-facing HTTP API: `GET /assign`, `GET /cluster` and `GET /health`. All three may be
 * read from any origin (the web page can be served by another host).
 */

export interface HttpRouteOptions {
  readonly registry: Registry;
  readonly balancerId: string;
}

const PUBLIC_PATHS = new Set(['/assign', '/cluster', '/health']);

export function httpRoutes(app: FastifyInstance, options: HttpRouteOptions): void {
  const { registry, balancerId } = options;

  app.addHook('onSend', async (request, reply, payload) => {
    const path = request.url.split('?', 1)[0] ?? '';
    if (PUBLIC_PATHS.has(path)) {
      reply.header('access-control-allow-origin', '*');
      reply.header('cache-control', 'no-store');
    }
    return payload;
  });

  app.get<{ Querystring: AssignQuery }>(
    '/assign',
    { schema: { querystring: AssignQuery }, attachValidation: true },
    async (request, reply) => {
      if (request.validationError !== undefined) {
        return reply.code(400).send({
          code: 'invalid_query',
          message: `${request.validationError.message}. Expected GET /assign or GET /assign?exclude=1,3 (comma-separated server ids).`,
        });
      }
      const exclude = request.query.exclude?.split(',').map(Number) ?? [];
      const result = registry.assign(exclude);
      if (!result.ok) {
        return reply
          .code(503)
          .header('retry-after', '1')
          .send({ code: result.code, message: result.message });
      }
      return result.value;
    },
  );

  app.get('/cluster', async (): Promise<ClusterStatus> => ({ balancerId, ...registry.status() }));

  app.get('/health', async () => ({ ok: true }));
}
