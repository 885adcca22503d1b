/**
 * What "nothing lost, nothing doubled" means on screen and in the replicated log.
 */

import { expect } from '@playwright/test';
import type { ChatMessage } from '@quorum/protocol';
import { RawClient, type TestCluster } from '@quorum/testkit';
import { type ChatPage, PASSWORD } from './chat-page.js';

/** Why these pages do not (yet) show the same complete history, or null when they do. */
async function historyProblem(pages: readonly ChatPage[], texts: readonly string[]): Promise<string | null> {
  const lists = await Promise.all(pages.map((p) => p.messages()));
  for (const [i, list] of lists.entries()) {
    const label = pages[i]?.label;
    const unsettled = list.filter((m) => m.position === null);
    if (unsettled.length > 0) {
      return `${label} still shows ${unsettled.length} uncommitted: ${unsettled.map((m) => `${m.state} "${m.text}"`).join(', ')}`;
    }
    const shown = new Set(list.map((m) => m.text));
    const missing = texts.filter((t) => !shown.has(t));
    if (missing.length > 0) return `${label} lacks ${missing.length}: ${missing.slice(0, 5).join(' | ')}`;
  }
  const first = lists[0]?.map((m) => `${m.position} ${m.text}`) ?? [];
  for (const [i, list] of lists.entries()) {
    const other = list.map((m) => `${m.position} ${m.text}`);
    if (other.join('\n') !== first.join('\n')) {
      return `${pages[0]?.label} and ${pages[i]?.label} differ:\n${first.join('\n')}\n---\n${other.join('\n')}`;
    }
  }
  return null;
}

/**
 * Waits until every page shows every one of `texts`, nothing pending, and all pages the same
 * list (same positions, same texts, same order); then checks each text appears exactly once, in
 * increasing positions, and that each page's own messages are marked delivered.
 */
export async function expectSameHistory(
  pages: readonly ChatPage[],
  texts: readonly string[],
  timeout = 30_000,
): Promise<string[]> {
  await expect
    .poll(() => historyProblem(pages, texts), {
      timeout,
      message: 'every page shows the same complete history',
    })
    .toBeNull();
  for (const chat of pages) {
    const list = await chat.messages();
    const positions = list.map((m) => m.position ?? -1);
    expect(positions, `${chat.label}: positions increase`).toEqual([...positions].sort((a, b) => a - b));
    expect(new Set(positions).size, `${chat.label}: each position once`).toBe(positions.length);
    for (const text of texts) {
      expect(list.filter((m) => m.text === text).length, `${chat.label}: "${text}" shown once`).toBe(1);
    }
    for (const text of chat.sentTexts) {
      expect(list.find((m) => m.text === text)?.state, `${chat.label}: own "${text}" delivered`).toBe(
        'delivered',
      );
    }
  }
  return pages[0] ? pages[0].committed() : [];
}

/** The room's whole history as the server `serverId` serves it (read straight off the protocol). */
export async function replicatedHistory(
  cluster: TestCluster,
  serverId: number,
  user: string,
  room: string,
): Promise<ChatMessage[]> {
  const raw = await RawClient.connect(cluster.server(serverId).wsUrl);
  try {
    await raw.login(user, PASSWORD);
    await raw.join(room);
    return await raw.fullHistory(room);
  } finally {
    raw.close();
  }
}

/** Each of `texts` is in the replicated history exactly once, and nothing else by these authors. */
export function expectExactlyOnce(history: readonly ChatMessage[], texts: readonly string[]): void {
  for (const text of texts) {
    expect(history.filter((m) => m.text === text).length, `"${text}" committed once`).toBe(1);
  }
  const positions = history.map((m) => m.position);
  expect(new Set(positions).size, 'no position twice').toBe(positions.length);
}
