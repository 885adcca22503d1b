import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import helmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { pageHeaderOptions } from './page-headers.js';

/**
 * The web page: the built files of apps/web when they exist, otherwise a short text page at
 * `/` that says how to build the page or use the terminal client instead. Either way with the
 * page's security headers (page-headers.ts), and never a source map.
 */

export const WEB_NOT_BUILT_TEXT = `Quorum Chat balancer

The web client is not built, so there is no page to serve here.

  Build it:          npm run build          (from the repository root; it produces apps/web/dist)
  Or point at one:   --web-dir <path>       (a directory with index.html)
  Or chat from a terminal: run the terminal client (apps/tui) and give it this
  balancer's URL; it asks GET /assign for a server, just as the web page would.

API: GET /assign?exclude=1,3   GET /cluster   GET /health
`;

export interface WebOptions {
  /** The URLs of the servers this balancer hands out (for the page's connect-src). */
  readonly serverUrls: () => readonly string[];
}

export function webDirExists(dir: string | null): dir is string {
  if (dir === null) return false;
  try {
    return statSync(dir).isDirectory() && existsSync(resolve(dir, 'index.html'));
  } catch {
    return false;
  }
}

/** A source map would publish the page's sources (~2 MB); a debug build should not leak them either. */
function isSourceMap(path: string): boolean {
  return path.toLowerCase().endsWith('.map');
}

export async function webRoutes(
  app: FastifyInstance,
  webDir: string | null,
  options: WebOptions,
): Promise<boolean> {
  const serving = webDirExists(webDir);
  // An encapsulated scope: the headers are the page's; the JSON API and the cluster socket keep theirs.
  await app.register(async (page) => {
    await page.register(helmet, pageHeaderOptions(options.serverUrls));
    if (serving) {
      await page.register(fastifyStatic, {
        root: resolve(webDir),
        index: 'index.html',
        wildcard: true,
        allowedPath: (path) => !isSourceMap(path),
      });
    } else {
      page.get('/', async (_request, reply) =>
        reply.type('text/plain; charset=utf-8').send(WEB_NOT_BUILT_TEXT),
      );
    }
  });
  return serving;
}
