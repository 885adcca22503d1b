/**
 * The terminal client (the real binary in a pseudo-terminal) and a browser page in one room,
 * across a failover: each sees what the other types; the server the terminal is on is killed;
 * both keep chatting and nothing is lost or doubled.
 */

import { PASSWORD } from './support/chat-page.js';
import { expect, test } from './support/fixtures.js';
import { expectExactlyOnce, expectSameHistory, replicatedHistory } from './support/history.js';

test('a terminal and a browser page chat across the failover of the terminal’s server', async ({
  cluster,
  names,
  openChat,
  startTui,
  balancerProxy,
}) => {
  const room = names.room('terminal');
  const ann = await openChat(cluster, { label: 'ann (browser)' });
  await ann.register(names.user('ann'));
  await ann.join(room);

  // The terminal asks for its server through a proxy of the balancer, so the test can hold its
  // reconnection for a moment and type into it during the outage.
  const proxy = await balancerProxy(cluster);
  const tess = names.user('tess');
  const tui = startTui({ balancerUrl: proxy.url, user: tess, password: PASSWORD, room, register: true });
  const tuiShows = (what: () => boolean, message: string, timeout = 20_000) =>
    expect.poll(what, { timeout, message: `the terminal shows ${message}` }).toBe(true);
  const shows =
    (author: string, text: string, suffix = '', from = 0) =>
    () =>
      tui.showsMessage(author, text, suffix, from);
  await tuiShows(() => tui.serverId() !== null, 'that it is connected');
  await tuiShows(() => tui.screen().includes(`#${room}`), 'the room');

  tui.type('hello from the terminal');
  await expect(ann.log().locator('li.msg', { hasText: 'hello from the terminal' })).toBeVisible();
  await tuiShows(shows(tess, 'hello from the terminal', ' ✓'), 'its own message delivered');
  await ann.send('hello from the browser');
  await tuiShows(shows(ann.user!, 'hello from the browser'), 'the browser’s message');

  // The terminal's server dies.
  const victim = tui.serverId();
  expect(victim).not.toBeNull();
  const hold = proxy.hold();
  const before = tui.screen().length;
  await cluster.server(victim!).kill();
  const sinceKill = () => tui.screen().slice(before);
  await tuiShows(() => sinceKill().includes('connection lost'), 'that the connection was lost');
  tui.type('typed in the terminal during the outage');
  await ann.send('typed in the browser during the outage');
  await tuiShows(
    shows(tess, 'typed in the terminal during the outage', ' ⋯ pending', before),
    'its outage message pending',
  );
  await hold.requested;
  const inTime = hold.release();
  if (!inTime) test.info().annotations.push({ type: 'note', description: 'the /assign hold ran out' });

  await tuiShows(() => tui.serverId() !== null, 'that it reconnected');
  expect(tui.serverId(), 'the terminal moved off the killed server').not.toBe(victim);
  await tuiShows(
    shows(tess, 'typed in the terminal during the outage', ' ✓', before),
    'its outage message delivered',
  );
  await tuiShows(
    shows(ann.user!, 'typed in the browser during the outage', '', before),
    'the browser’s outage message',
  );

  // Both keep chatting.
  tui.type('terminal, after the failover');
  await ann.send('browser, after the failover');
  await tuiShows(shows(ann.user!, 'browser, after the failover'), 'the browser’s newest message');
  await tuiShows(shows(tess, 'terminal, after the failover', ' ✓'), 'its newest message delivered');

  const texts = [
    'hello from the terminal',
    'hello from the browser',
    'typed in the terminal during the outage',
    'typed in the browser during the outage',
    'terminal, after the failover',
    'browser, after the failover',
  ];
  const shown = await expectSameHistory([ann], texts);
  const live = cluster.running()[0]!.id;
  const history = await replicatedHistory(cluster, live, ann.user!, room);
  expectExactlyOnce(history, texts);
  expect(history.map((m) => `${m.position} ${m.text}`)).toEqual(shown);
  expect(history.filter((m) => m.author === tess).map((m) => m.text)).toEqual([
    'hello from the terminal',
    'typed in the terminal during the outage',
    'terminal, after the failover',
  ]);
});
