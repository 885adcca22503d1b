/**
 * Browser end-to-end tests: the real web page (apps/web/dist, served by the balancer) in Debian's
 * Chromium, against real clusters started by the tests themselves (see browser/support/).
 *
 *   npx playwright test -c e2e/playwright.config.ts      (from the repository root)
 *
 * Needs, built: apps/web (vite), apps/server, apps/balancer, packages/testkit, apps/tui — e.g.
 * `npx turbo run build`. Playwright's own browsers are never downloaded: Chromium is launched by
 * path (QUORUM_CHROMIUM overrides /usr/bin/chromium).
 */

import { defineConfig } from '@playwright/test';

const chromium = process.env.QUORUM_CHROMIUM ?? '/usr/bin/chromium';

export default defineConfig({
  testDir: './browser',
  testMatch: '**/*.spec.ts',
  globalSetup: './browser/support/global-setup.ts',
  outputDir: './test-results/browser',
  // One worker: each worker runs its own cluster (3 or 5 server processes and a balancer) next to
  // Chromium; on a 2-core machine a second one would only make elections and failovers slower.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  forbidOnly: true,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: process.env.CI ? [['list'], ['junit', { outputFile: 'test-results/browser/junit.xml' }]] : 'list',
  use: {
    browserName: 'chromium',
    headless: true,
    viewport: { width: 1280, height: 800 },
    actionTimeout: 15_000,
    navigationTimeout: 15_000,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: chromium,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
});
