/**
 * Fails fast, with what to run, when something every browser test needs is not built or Chromium
 * is missing — instead of a row of confusing timeouts. (The terminal client is checked by the one
 * test that runs it: see tui.ts.)
 */

import { existsSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..', '..');

export default function globalSetup(): void {
  const needed: [string, string][] = [
    ['apps/web/dist/index.html', 'the web page (cd apps/web && npx vite build)'],
    ['apps/server/dist/main.js', 'the server'],
    ['apps/balancer/dist/main.js', 'the balancer'],
    ['packages/testkit/dist/index.js', 'the testkit'],
  ];
  const missing = needed.filter(([path]) => !existsSync(join(ROOT, path)));
  if (missing.length > 0) {
    throw new Error(
      `not built: ${missing.map(([path, what]) => `${what} (${path})`).join(', ')}\n` +
        'run `npx turbo run build` at the repository root first',
    );
  }
  const chromium = process.env.QUORUM_CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(chromium)) {
    throw new Error(`no Chromium at ${chromium}: apt-get install -y chromium (or set QUORUM_CHROMIUM)`);
  }
}
