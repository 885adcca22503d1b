import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/**
 * The web page: the built files of apps/web when they exist, otherwise a short text page at
 * `/` that says how to build the page or use the terminal client instead.
 */

export const WEB_NOT_BUILT_TEXT = `Quorum Chat balancer

The web client is not built, so there is no page to serve here.

  Build it:          npm run build          (from the repository root; it produces apps/web/dist)
  Or point at one:   --web-dir <path>       (a directory with index.html)
  Or chat from a terminal: run the terminal client (apps/tui) and give it this
  balancer's URL; it asks GET /assign for a server, just as the web page would.

API: GET /assign?exclude=1,3   GET /cluster   GET /health
`;

export function webDirExists(dir: string | null): dir is string {
  if (dir === null) return false;
  try {
    return statSync(dir).isDirectory() && existsSync(resolve(dir, 'index.html'));
  } catch {
    return false;
  }
}

export async function webRoutes(app: FastifyInstance, webDir: string | null): Promise<boolean> {
  if (webDirExists(webDir)) {
    await app.register(fastifyStatic, { root: resolve(webDir), index: 'index.html', wildcard: true });
    return true;
  }
  app.get('/', async (_request, reply) => reply.type('text/plain; charset=utf-8').send(WEB_NOT_BUILT_TEXT));
  return false;
}
