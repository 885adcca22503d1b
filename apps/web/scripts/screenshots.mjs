#!/usr/bin/env node
// Screenshots of the web page against a real running cluster (`npm start` at the repository root).
//
//   node apps/web/scripts/screenshots.mjs --url http://127.0.0.1:7100 --admin-token TOKEN \
//     [--failover-pids 1:PID,2:PID,3:PID] [--out apps/web/screenshots]
//
// Registers two users, chats a little (a link, two lines, some HTML that must show as text),
// and saves desktop (1280x800) and phone (390x844) screenshots of the chat and the cluster view.
// With --admin-token it also cuts the leader's link to one follower through the page's fault
// form, screenshots the lag, and heals it. With --failover-pids (server id -> PID, processes you
// started) it kills the server the page is connected to and screenshots the failover banner.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:7100' },
    'admin-token': { type: 'string' },
    'failover-pids': { type: 'string' },
    out: { type: 'string', default: join(import.meta.dirname, '..', 'screenshots') },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
  },
});
const out = values.out;
mkdirSync(out, { recursive: true });
const suffix = Math.random().toString(36).slice(2, 6);
const password = 'correct horse battery';
const ada = `ada-${suffix}`;
const grace = `grace-${suffix}`;

const browser = await chromium.launch({
  executablePath: values.chromium,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function open(viewport, options = {}) {
  const context = await browser.newContext({ viewport, colorScheme: 'light', ...options });
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`[page error] ${error.message}`));
  await page.goto(values.url);
  return page;
}

async function enter(page, user, register) {
  if (register) await page.getByText('Create account', { exact: true }).first().click();
  await page.getByLabel('User name').fill(user);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: register ? 'Create account' : 'Log in' }).click();
  await page.getByRole('heading', { name: '#general', exact: true }).waitFor({ timeout: 20_000 });
}

async function say(page, text) {
  const input = page.getByLabel('Message #general');
  await input.press('Escape'); // start from an empty input
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (i > 0) await input.press('Shift+Enter');
    await input.pressSequentially(lines[i], { delay: 2 });
  }
  await input.press('Enter');
}

async function shot(page, name) {
  const path = join(out, name);
  await page.screenshot({ path });
  console.log(`saved ${path}`);
}

const desktop = await open({ width: 1280, height: 800 });
await enter(desktop, ada, true);
const second = await open({ width: 1280, height: 800 });
await enter(second, grace, true);

await say(desktop, 'Hi! Every message here is committed by a majority of the servers before it shows a ✓.');
await say(second, 'Nice. I read https://lamport.azurewebsites.net/pubs/paxos-simple.pdf last night.');
await say(desktop, 'Two lines:\nShift+Enter makes a new line, Enter sends.');
await say(desktop, '<img src=x onerror=alert(1)> shows as text, and javascript:alert(1) is not a link.');
await say(second, 'Try the Cluster tab and kill the leader 🙂');
await desktop.getByText('Try the Cluster tab').last().waitFor();
// grace starts typing: ada sees the indicator.
await second.getByLabel('Message #general').pressSequentially('Watching the ballots', { delay: 5 });
await desktop.getByText(`${grace} is typing…`).waitFor({ timeout: 5000 });
await sleep(300);
await shot(desktop, 'desktop.png');

// The cluster view, with the admin token.
await desktop.getByRole('tab', { name: /Cluster/ }).click();
if (values['admin-token']) {
  await desktop.getByLabel('Admin token').fill(values['admin-token']);
  await desktop.getByRole('button', { name: 'Use token' }).click();
}
await sleep(1200);
await shot(desktop, 'cluster.png');

if (values['admin-token']) {
  // Cut one follower (not ada's server) off: the leader and the other follower drop everything
  // toward it and it drops everything it sends. The majority keeps committing; it falls behind.
  const leaderText = await desktop.locator('.leader-line').textContent();
  const leader = Number(/server (\d+)/.exec(leaderText)?.[1] ?? 1);
  const mine = Number(/Server (\d+)/.exec(await desktop.locator('.pill').textContent())?.[1]);
  const victim =
    [1, 2, 3].find((id) => id !== leader && id !== mine) ?? [1, 2, 3].find((id) => id !== leader);
  const applySpec = async (id, spec) => {
    await desktop.getByLabel('Server', { exact: true }).selectOption(String(id));
    await desktop.getByLabel('Custom spec').fill(spec);
    await desktop.getByRole('button', { name: 'Apply' }).click();
    await desktop.getByText(`Active: custom "${spec}"`).waitFor({ timeout: 5000 });
  };
  for (const id of [1, 2, 3]) await applySpec(id, id === victim ? 'd:0' : `d:0::to:${victim}`);
  await desktop.getByRole('tab', { name: 'Chat' }).click();
  for (let i = 1; i <= 6; i++) await say(desktop, `message ${i} while server ${victim} is cut off`);
  await desktop.getByRole('tab', { name: /Cluster/ }).click();
  await sleep(1500);
  await shot(desktop, 'cluster-lag.png');
  for (const id of [1, 2, 3]) {
    await desktop
      .getByRole('article', { name: `Server ${id}` })
      .getByRole('button', { name: 'Heal' })
      .click();
  }
  await sleep(2500);
  await shot(desktop, 'cluster-healed.png');
  await desktop.getByRole('tab', { name: 'Chat' }).click();
}

// Phone width: ada on a phone (light), then the cluster view there.
const phone = await open(
  { width: 390, height: 844 },
  { deviceScaleFactor: 2, isMobile: true, hasTouch: true },
);
await enter(phone, ada, false);
await phone.getByText('Try the Cluster tab').last().waitFor();
await sleep(500);
await shot(phone, 'phone.png');
await phone.getByRole('button', { name: /Members/ }).click();
await sleep(200);
await shot(phone, 'phone-members.png');
await phone.getByRole('tab', { name: /Cluster/ }).click();
await sleep(1200);
await shot(phone, 'phone-cluster.png');

if (values['failover-pids']) {
  // Kill the server the desktop page is connected to: the banner, then the reconnection.
  await desktop.getByRole('tab', { name: 'Chat' }).click();
  const pill = await desktop.locator('.pill').textContent();
  const connected = Number(/Server (\d+)/.exec(pill)?.[1]);
  const pids = new Map(values['failover-pids'].split(',').map((pair) => pair.split(':').map(Number)));
  const pid = pids.get(connected);
  if (pid) {
    process.kill(pid, 'SIGKILL');
    // The client notices within a few hundred ms and usually reconnects within a second.
    await desktop.getByText('Connection lost').waitFor({ timeout: 10_000 });
    await shot(desktop, 'failover.png');
    await say(desktop, 'Sent during the failover: pending first, then delivered exactly once.');
    await desktop.getByText(/Reconnected to server/).waitFor({ timeout: 30_000 });
    await sleep(500);
    await shot(desktop, 'reconnected.png');
    await desktop.getByRole('tab', { name: /Cluster/ }).click();
    await sleep(1500);
    await shot(desktop, 'cluster-failover.png');
  } else {
    console.error(`no PID given for server ${connected}`);
  }
}

await browser.close();
