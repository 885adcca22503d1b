/**
 * A logged-in person stays logged in when her server dies: the page never shows the login form,
 * it reconnects with its session token (issued by the server that died, accepted by another),
 * and a reload logs straight back in. And the live cluster view follows a leader change.
 */

import { runningIds, waitForBalancerHealthy } from './support/cluster.js';
import { expect, test } from './support/fixtures.js';
import { expectSameHistory } from './support/history.js';

test('login survives the failover: no login form, the session token is resumed on another server', async ({
  cluster,
  names,
  openChat,
}) => {
  const room = names.room('session');
  const ann = await openChat(cluster, { label: 'ann' });
  const user = names.user('ann');
  await ann.register(user);
  await ann.join(room);
  await ann.send('before the failover');
  await expectSameHistory([ann], ['before the failover']);

  // Her first socket registered with the password; from now on only the token may be used.
  expect(ann.sentTypes().flat()).toContain('register');
  const victim = await ann.serverId();
  const socketsBefore = ann.sockets.length;
  const seenBefore = await ann.seenCount();
  await cluster.server(victim).kill();

  await expect(ann.status).toHaveText(new RegExp(`^Server (?!${victim}\\b)\\d+`), { timeout: 20_000 });
  const landed = await ann.serverId();
  await expect(ann.page.getByRole('button', { name: 'Log out' })).toBeVisible();
  await expect(ann.loginHeading).toBeHidden();
  const seen = await ann.seen(seenBefore);
  expect(seen.length, 'the page went through the failover').toBeGreaterThan(0);
  expect(
    seen.filter((s) => s.loginForm),
    'the login form never appeared',
  ).toEqual([]);
  const after = ann.sentTypes(socketsBefore);
  const current = after.at(-1) ?? [];
  expect(current, 'the new connection resumed the session with the token').toContain('resume_session');
  expect(after.flat(), 'the password was not sent again').not.toContain('login');
  expect(after.flat()).not.toContain('register');
  expect(current.indexOf('resume_session'), 'authenticated before joining').toBeLessThan(
    current.indexOf('join'),
  );

  await ann.send('after the failover');
  await expectSameHistory([ann], ['before the failover', 'after the failover']);

  // A reload comes straight back with the saved token — issued by the server that is now dead.
  const socketsBeforeReload = ann.sockets.length;
  await ann.page.reload();
  await ann.expectConnected();
  await expect(ann.page.getByRole('button', { name: 'Log out' })).toBeVisible();
  await expect(ann.loginHeading).toBeHidden();
  // Her rooms were remembered; the one she chatted in shows its history.
  await ann.page
    .getByRole('navigation', { name: 'Rooms' })
    .getByRole('button', { name: room, exact: true })
    .click();
  await expectSameHistory([ann], ['before the failover', 'after the failover']);
  expect(ann.sentTypes(socketsBeforeReload).flat()).toContain('resume_session');
  expect(ann.sentTypes(socketsBeforeReload).flat()).not.toContain('login');
  expect(landed).not.toBe(victim);
});

test('the cluster view shows the new leader after the leader is killed', async ({
  cluster,
  names,
  openChat,
}) => {
  const ann = await openChat(cluster, { label: 'ann' });
  await ann.register(names.user('ann'));
  const room = names.room('view');
  await ann.join(room);
  const here = await ann.serverId();
  const page = ann.page;

  await page.getByRole('tab', { name: /^Cluster/ }).click();
  await expect(page.getByRole('tab', { name: /^Cluster/ })).toHaveAttribute('aria-selected', 'true');
  const summary = page.getByRole('region', { name: 'Cluster summary' });
  const card = (id: number) => page.getByRole('article', { name: `Server ${id}`, exact: true });
  const leader = await cluster.waitForLeader();
  await expect(summary).toContainText(`Leader: server ${leader}`);
  await expect(summary).toContainText(`${cluster.servers.length} of ${cluster.servers.length} servers up`);
  await expect(card(here)).toContainText('you are here');
  await expect(card(leader)).toContainText('Leader');

  await cluster.server(leader).kill();
  const next = await cluster.waitForLeader(20_000);
  expect(next).not.toBe(leader);
  await expect(summary).toContainText(`Leader: server ${next}`);
  await expect(card(leader)).toContainText('Down');
  await expect(card(next)).toContainText('Leader');
  await expect(page.getByRole('region', { name: 'Leader changes' })).toContainText(
    new RegExp(`Server ${next} (took over from server ${leader}|leads)`),
  );
  // Wherever the page was, it is connected to a live server and still logged in.
  await ann.expectConnected();
  expect(runningIds(cluster)).toContain(await ann.serverId());

  // The chat goes on through the new leader; the killed server comes back and catches up.
  await page.getByRole('tab', { name: 'Chat' }).click();
  await ann.send('after the leader change');
  await expectSameHistory([ann], ['after the leader change']);
  await cluster.server(leader).start();
  await waitForBalancerHealthy(cluster, runningIds(cluster));
  await page.getByRole('tab', { name: /^Cluster/ }).click();
  await expect(summary).toContainText(`${cluster.servers.length} of ${cluster.servers.length} servers up`);
  await expect(card(leader)).not.toContainText('Down');
});
