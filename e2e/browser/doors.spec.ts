/**
 * The web page's doors (issue 12, findings 4 and 10). The page talks only to the balancer that
 * served it and to the servers that balancer hands out: a crafted link naming another balancer
 * gets nothing — not the saved session token, not the password, not the admin token. And the
 * page is served with a Content-Security-Policy (and the other standard headers) under which it
 * still chats, injects faults and shows no violation, without its source map.
 */

import { Attacker } from './support/attacker.js';
import { PASSWORD } from './support/chat-page.js';
import { ADMIN_TOKEN, balancerStatus } from './support/cluster.js';
import { cspViolations, recordCspViolations } from './support/csp.js';
import { test as base, expect } from './support/fixtures.js';
import { expectSameHistory } from './support/history.js';

const test = base.extend<{ attacker: Attacker }>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's dependencies from this pattern
  attacker: async ({}, use) => {
    const attacker = await Attacker.start();
    try {
      await use(attacker);
    } finally {
      await attacker.close();
    }
  },
});

test('a link naming another balancer sends it nothing: not the token, the password or the admin token', async ({
  cluster,
  names,
  openChat,
  attacker,
}) => {
  const ann = await openChat(cluster, { label: 'ann' });
  const user = names.user('ann');
  await ann.register(user);
  const token = await ann.page.evaluate(
    () => (JSON.parse(localStorage.getItem('quorum.session') ?? '{}') as { token?: string }).token ?? '',
  );
  expect(token, 'the page saved a session token').not.toBe('');
  const secrets = [token, PASSWORD, ADMIN_TOKEN];
  const page = ann.page;
  await recordCspViolations(page);

  // The crafted link: the real page, with the attacker's address as `?balancer=`.
  await page.goto(`/?balancer=${encodeURIComponent(attacker.url)}`);
  // The old page went straight to the attacker with the saved token; this one must log back in
  // on its own cluster. Wait for whichever happens first.
  await expect
    .poll(
      async () => attacker.seen.length > 0 || /^Server \d+/.test((await ann.status.textContent()) ?? ''),
      {
        message: 'the page logged back in, or went to the attacker',
        timeout: 20_000,
      },
    )
    .toBe(true);
  expect(attacker.leaks(secrets), 'the saved session token went to the attacker').toEqual([]);
  await ann.expectConnected();

  // The admin token, used on a server card: it goes to that server, nowhere else.
  await page.getByRole('tab', { name: /^Cluster/ }).click();
  await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
  await page.getByRole('button', { name: 'Use token' }).click();
  const here = await ann.serverId();
  const card = page.getByRole('article', { name: `Server ${here}`, exact: true });
  await card.getByRole('button', { name: 'Heal' }).click();
  await expect(card.getByRole('status')).toHaveText('Healed: no faults.');
  expect(attacker.leaks(secrets), 'the admin token went to the attacker').toEqual([]);

  // Logging out and in again on the same page: the password goes to the cluster only.
  await page.getByRole('tab', { name: 'Chat' }).click();
  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(ann.loginHeading).toBeVisible();
  const socketsBeforeLogin = ann.sockets.length;
  await ann.login(user);
  expect(ann.sentTypes(socketsBeforeLogin).flat(), 'the login went to the cluster').toContain('login');
  expect(attacker.leaks(secrets), 'the password went to the attacker').toEqual([]);

  expect(attacker.seen, 'nothing at all reached the balancer named in the link').toEqual([]);
  const servers = (await balancerStatus(cluster)).servers.flatMap((s) => (s.url === null ? [] : [s.url]));
  for (const socket of ann.sockets) {
    expect(servers, 'every WebSocket of the page went to a server of its own balancer').toContain(socket.url);
  }
  expect(await cspViolations(page), 'the page never tried to go anywhere else').toEqual([]);
});

test('the page is served with a CSP and the standard headers, chats under it, and has no source map', async ({
  cluster,
  names,
  openChat,
}) => {
  const ann = await openChat(cluster, { label: 'ann' });
  const page = ann.page;
  await recordCspViolations(page);
  const response = await page.goto('/');
  const headers = response?.headers() ?? {};
  const csp = headers['content-security-policy'] ?? '';
  expect(csp, 'a Content-Security-Policy').toMatch(/default-src 'self'/);
  expect(csp).toMatch(/script-src 'self'(;|$)/);
  expect(csp).toMatch(/object-src 'none'/);
  expect(csp).toMatch(/frame-ancestors 'none'/);
  const connect = /connect-src ([^;]*)/.exec(csp)?.[1]?.split(' ') ?? [];
  for (const server of (await balancerStatus(cluster)).servers) {
    if (server.url === null) continue;
    const origin = new URL(server.url);
    expect(connect, `connect-src lets the page reach server ${server.id}`).toContain(
      `${origin.protocol}//${origin.host}`,
    );
  }
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['x-frame-options']).toBe('DENY');
  expect(headers['referrer-policy']).toBe('no-referrer');
  expect(headers['cross-origin-opener-policy']).toBe('same-origin');

  // The page works under it: log in, join, chat.
  await ann.register(names.user('ann'));
  await ann.join(names.room('csp'));
  await ann.send('chatting under a content security policy');
  await expectSameHistory([ann], ['chatting under a content security policy']);
  expect(await cspViolations(page), 'nothing the page does is refused by its own policy').toEqual([]);

  // The bundle is served, its source map is not (and the bundle does not point at one).
  const script = await page.locator('script[type="module"]').getAttribute('src');
  expect(script).not.toBeNull();
  const bundle = await page.request.get(new URL(script ?? '', page.url()).href);
  expect(bundle.status()).toBe(200);
  expect(await bundle.text()).not.toContain('sourceMappingURL');
  const map = await page.request.get(new URL(`${script}.map`, page.url()).href);
  expect(map.status(), 'the source map is not served').toBe(404);
});
