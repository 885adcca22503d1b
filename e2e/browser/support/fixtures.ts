/**
 * Playwright fixtures of the browser tests.
 *
 * - `cluster`: a real cluster (balancer + 3 servers as child processes, fresh data directories,
 *   an admin token) started once per worker, the first time a test asks for it. Tests kill
 *   (SIGKILL), pause (SIGSTOP/SIGCONT) and restart its servers through the `TestCluster`
 *   handles. After each test the cluster is healed (continued, restarted, one leader, converged,
 *   all back in the balancer's rotation) so the next test starts from a whole cluster; at the end
 *   of the worker, on failure too, every process it started is killed by PID. (Playwright
 *   replaces the worker after a failed test, so a broken cluster is never reused.)
 * - `cluster5`: the same with 5 servers (f = 2), but for one test only: started for the test that
 *   asks for it and closed right after, so its processes do not idle beside the other tests.
 * - `names`: fresh user and room names per test, so tests sharing a cluster never meet.
 * - `openChat`: a new browser context (its own localStorage, so its own session and clientId)
 *   with the page loaded from the balancer; every context is closed after the test.
 * - `startTui`, `balancerProxy`: the terminal client in a pty, a proxy of the balancer; both
 *   stopped after the test.
 */

import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { type Browser, test as base } from '@playwright/test';
import { TestCluster } from '@quorum/testkit';
import { BalancerProxy } from './balancer-proxy.js';
import { ChatPage } from './chat-page.js';
import { ADMIN_TOKEN, heal } from './cluster.js';
import { Tui, type TuiOptions } from './tui.js';

export interface Names {
  /** A user name no other test uses: `<prefix>-<random>`, within the 32-character limit. */
  user(prefix: string): string;
  /** A room name no other test uses. */
  room(prefix: string): string;
}

export type OpenChat = (cluster: TestCluster, options?: { label?: string }) => Promise<ChatPage>;

interface WorkerFixtures {
  cluster3Worker: TestCluster;
}

interface TestFixtures {
  cluster: TestCluster;
  cluster5: TestCluster;
  names: Names;
  openChat: OpenChat;
  /** Starts the terminal client in a pty; every one is killed (by PID) after the test. */
  startTui: (options: TuiOptions) => Tui;
  /** A proxy in front of the cluster's balancer (see balancer-proxy.ts); closed after the test. */
  balancerProxy: (cluster: TestCluster) => Promise<BalancerProxy>;
}

/** PIDs of every child process started in this worker, killed on exit if a teardown never ran. */
const started = new Set<TestCluster>();
process.once('exit', () => {
  for (const cluster of started) {
    for (const pid of [...cluster.servers.map((s) => s.pid), cluster.balancer?.pid]) {
      if (pid === undefined) continue;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
});

async function startedCluster(size: number, use: (cluster: TestCluster) => Promise<void>): Promise<void> {
  const cluster = await TestCluster.start({ size, adminToken: ADMIN_TOKEN });
  started.add(cluster);
  try {
    await use(cluster);
  } finally {
    await cluster.close();
    started.delete(cluster);
  }
}

function suffix(): string {
  return randomBytes(4).toString('hex');
}

async function newChat(browser: Browser, cluster: TestCluster, label: string): Promise<ChatPage> {
  const context = await browser.newContext({ baseURL: cluster.balancerUrl });
  const page = await context.newPage();
  const chat = new ChatPage(page, label);
  await chat.open();
  return chat;
}

export const test = base.extend<TestFixtures, WorkerFixtures>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's dependencies from this pattern
  cluster3Worker: [async ({}, use) => startedCluster(3, use), { scope: 'worker', timeout: 60_000 }],

  cluster: [
    async ({ cluster3Worker }, use, testInfo) => {
      await use(cluster3Worker);
      // After a failure Playwright replaces the worker (closing this cluster): no use healing it.
      if (testInfo.status === testInfo.expectedStatus) await heal(cluster3Worker);
    },
    { timeout: 45_000 },
  ],
  cluster5: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's dependencies from this pattern
    async ({}, use) => startedCluster(5, use),
    { timeout: 45_000 },
  ],

  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's dependencies from this pattern
  names: async ({}, use) => {
    const tag = suffix();
    await use({
      user: (prefix) => `${prefix.slice(0, 20)}-${tag}`,
      room: (prefix) => `${prefix.slice(0, 40)}-${tag}`,
    });
  },

  openChat: async ({ browser }, use) => {
    const chats: ChatPage[] = [];
    await use(async (cluster, options = {}) => {
      const chat = await newChat(browser, cluster, options.label ?? `page ${chats.length + 1}`);
      chats.push(chat);
      return chat;
    });
    await Promise.all(chats.map((chat) => chat.page.context().close()));
  },

  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's dependencies from this pattern
  startTui: async ({}, use, testInfo) => {
    const tuis: Tui[] = [];
    await use((options) => {
      const tui = Tui.start(options);
      tuis.push(tui);
      return tui;
    });
    if (testInfo.status !== testInfo.expectedStatus) {
      for (const [i, tui] of tuis.entries()) {
        const path = testInfo.outputPath(`terminal-${i + 1}.txt`);
        writeFileSync(path, tui.screen());
        await testInfo.attach(`terminal-${i + 1}.txt`, { path, contentType: 'text/plain' });
      }
    }
    await Promise.all(tuis.map((tui) => tui.close()));
  },

  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's dependencies from this pattern
  balancerProxy: async ({}, use) => {
    const proxies: BalancerProxy[] = [];
    await use(async (cluster) => {
      const proxy = await BalancerProxy.start(cluster.balancerUrl);
      proxies.push(proxy);
      return proxy;
    });
    await Promise.all(proxies.map((proxy) => proxy.close()));
  },
});

export { expect } from '@playwright/test';

/**
 * Opens pages for `user` (registering on the first, logging in on the others) until the balancer
 * puts one on a server in `targets`; the pages that landed elsewhere stay open, so they count as
 * load there and the next assignment moves on. The page cannot choose its server: the balancer
 * gives it the least-loaded live one, which a freshly restarted server is (or ties for).
 */
export async function openChatOn(
  openChat: OpenChat,
  cluster: TestCluster,
  targets: readonly number[],
  user: string,
  label: string,
): Promise<ChatPage> {
  const landed: number[] = [];
  for (let attempt = 1; attempt <= cluster.servers.length; attempt++) {
    const chat = await openChat(cluster, { label: `${label} (page ${attempt})` });
    if (attempt === 1) await chat.register(user);
    else await chat.login(user);
    const id = await chat.serverId();
    if (targets.includes(id)) return chat;
    landed.push(id);
  }
  throw new Error(`no page of ${user} landed on server ${targets.join(' or ')} (got ${landed.join(', ')})`);
}
