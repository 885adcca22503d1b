/**
 * The chat page (apps/web) as the tests drive it: by accessible roles and labels, the way a
 * person would — the login form, "Join or create a room", the composer, the message log, the
 * connection status in the header and the failover banner.
 */

import { expect, type Locator, type Page } from '@playwright/test';

export const PASSWORD = 'browser-e2e-password';

/** One line of the message list, read from the DOM. */
export interface ShownMessage {
  /** The log position (committed messages) or null (our own sends not yet committed). */
  readonly position: number | null;
  readonly author: string | null;
  readonly text: string;
  /** `delivered` (✓, committed), `pending` (◷ Sending…), `failed`, or `other` (someone else's). */
  readonly state: 'delivered' | 'pending' | 'failed' | 'other';
}

/** What the page looked like at one moment, recorded in the page by a MutationObserver. */
export interface SeenState {
  readonly at: number;
  readonly banner: string;
  readonly status: string;
  readonly loginForm: boolean;
}

declare global {
  interface Window {
    __quorumSeen?: SeenState[];
  }
}

/**
 * Runs in the page before its own scripts: records every change of the banner text, of the
 * connection status and of whether the login form is on screen, so a test can ask afterwards
 * "was the login form ever shown during the failover?" without polling fast enough to catch it.
 */
function recordStates(): void {
  const seen: SeenState[] = [];
  window.__quorumSeen = seen;
  let last = '';
  const sample = () => {
    const banner = document.querySelector('.banner[role="status"]')?.textContent ?? '';
    const status = document.querySelector('[title="Your connection"]')?.textContent ?? '';
    const loginForm = document.querySelector('form.login-card') !== null;
    const key = `${banner}\u0000${status}\u0000${loginForm}`;
    if (key === last) return;
    last = key;
    seen.push({ at: Date.now(), banner, status, loginForm });
  };
  const start = () => {
    sample();
    new MutationObserver(sample).observe(document.documentElement, {
      subtree: true,
      childList: true,
      characterData: true,
      attributes: true,
    });
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
}

export class ChatPage {
  user: string | null = null;
  room: string | null = null;
  /** Every text this page typed and sent, in order. */
  readonly sentTexts: string[] = [];
  /** Frames this page sent on each of its chat WebSockets, in order of the sockets. */
  readonly sockets: { url: string; sent: string[] }[] = [];

  constructor(
    readonly page: Page,
    readonly label: string,
  ) {
    page.on('websocket', (ws) => {
      const record = { url: ws.url(), sent: [] as string[] };
      this.sockets.push(record);
      ws.on('framesent', (frame) => {
        if (typeof frame.payload === 'string') record.sent.push(frame.payload);
      });
    });
  }

  async open(): Promise<void> {
    await this.page.addInitScript(recordStates);
    await this.page.goto('/');
  }

  /** The connection status in the header: "Server 2 · leader 1", "Reconnecting…"... */
  get status(): Locator {
    return this.page.getByTitle('Your connection');
  }

  /** The failover banner (a polite live region). */
  get banner(): Locator {
    return this.page.locator('.banner[role="status"]');
  }

  get loginHeading(): Locator {
    return this.page.getByRole('heading', { name: /Log in to Quorum Chat|Create your account/ });
  }

  log(room = this.currentRoom()): Locator {
    return this.page.getByRole('log', { name: `Messages in #${room}` });
  }

  composer(room = this.currentRoom()): Locator {
    return this.page.getByRole('textbox', { name: `Message #${room}` });
  }

  private currentRoom(): string {
    if (this.room === null) throw new Error(`${this.label} has not joined a room`);
    return this.room;
  }

  /** Creates the account on the login form and waits until the chat is connected. */
  async register(user: string, password = PASSWORD): Promise<void> {
    // The segmented control hides its radio inputs behind their labels: click the label.
    await this.page.getByRole('radiogroup', { name: 'Mode' }).getByText('Create account').click();
    await expect(this.page.getByRole('radio', { name: 'Create account' })).toBeChecked();
    await this.page.getByLabel('User name').fill(user);
    await this.page.getByLabel('Password').fill(password);
    await this.page.getByRole('button', { name: 'Create account' }).click();
    this.user = user;
    await this.expectConnected();
    await expect(this.page.getByRole('button', { name: 'Log out' })).toBeVisible();
  }

  async login(user: string, password = PASSWORD): Promise<void> {
    await this.page.getByLabel('User name').fill(user);
    await this.page.getByLabel('Password').fill(password);
    await this.page.getByRole('button', { name: 'Log in' }).click();
    this.user = user;
    await this.expectConnected();
  }

  /** Waits for "Server N · ..." in the header and returns N (a busy machine may take a while). */
  async expectConnected(timeout = 45_000): Promise<number> {
    await expect(this.status).toHaveText(/^Server \d+/, { timeout });
    return this.serverId();
  }

  /** The server this page is connected to now (read from the header), or null. */
  async serverId(): Promise<number> {
    const text = (await this.status.textContent()) ?? '';
    const match = /^Server (\d+)/.exec(text.trim());
    if (!match) throw new Error(`${this.label} is not connected: status is "${text}"`);
    return Number(match[1]);
  }

  /** Joins (or creates) a room with the "Join or create a room" field; it becomes the open one. */
  async join(room: string): Promise<void> {
    await this.page.getByLabel('Join or create a room').fill(room);
    await this.page.getByRole('button', { name: 'Join', exact: true }).click();
    await expect(this.page.getByRole('heading', { name: `#${room}`, level: 2 })).toBeVisible();
    this.room = room;
    await expect(this.composer()).toBeVisible();
  }

  /** Types a message and presses Enter (the composer keeps the focus and empties). */
  async send(text: string): Promise<void> {
    await this.type(text);
    await expect(this.composer()).toHaveValue('');
  }

  /** Types a message and presses Enter, without waiting for anything after. */
  async type(text: string): Promise<void> {
    const composer = this.composer();
    await composer.fill(text);
    await composer.press('Enter');
    this.sentTexts.push(text);
  }

  /** Every line of the open room's message list, oldest first. */
  async messages(room = this.currentRoom()): Promise<ShownMessage[]> {
    return this.log(room)
      .locator('li.msg')
      .evaluateAll((items) =>
        items.map((li) => {
          const position = li.getAttribute('data-position');
          const mark = li.querySelector('.mark');
          const state = mark?.classList.contains('mark-delivered')
            ? 'delivered'
            : mark?.classList.contains('mark-pending')
              ? 'pending'
              : mark?.classList.contains('mark-failed')
                ? 'failed'
                : 'other';
          return {
            position: position === null ? null : Number(position),
            author: li.querySelector('.author')?.textContent ?? null,
            text: li.querySelector('.msg-text')?.textContent ?? '',
            state,
          } as const;
        }),
      );
  }

  /** `position text` of every committed message, oldest first: what two pages must agree on. */
  async committed(room = this.currentRoom()): Promise<string[]> {
    return (await this.messages(room))
      .filter((m) => m.position !== null)
      .map((m) => `${m.position} ${m.text}`);
  }

  /**
   * Clicks "Load older messages" until the whole history of the room is on the page: its first
   * message is position 1 and no older page is offered. (Right after a join the button may not
   * be there yet — the room's newest page is still on its way — so its absence alone proves
   * nothing.)
   */
  async loadAll(timeout = 30_000): Promise<void> {
    const older = this.page.getByRole('button', { name: 'Load older messages' });
    await expect(async () => {
      if (await older.isVisible()) await older.click();
      const first = (await this.messages()).find((m) => m.position !== null);
      expect(first?.position, 'the first message on the page').toBe(1);
      await expect(older).toBeHidden({ timeout: 1_000 });
    }).toPass({ timeout });
  }

  /** The states recorded by the in-page observer from index `from` on. */
  async seen(from = 0): Promise<SeenState[]> {
    return this.page.evaluate((start) => (window.__quorumSeen ?? []).slice(start), from);
  }

  /**
   * Waits until the page has, at some moment since `from`, been in a state that satisfies
   * `predicate` — also a state that lasted only a few milliseconds.
   */
  async expectSeen(from: number, predicate: (state: SeenState) => boolean, what: string): Promise<void> {
    await expect
      .poll(async () => (await this.seen(from)).some(predicate), { message: `${this.label} showed ${what}` })
      .toBe(true);
  }

  async seenCount(): Promise<number> {
    return this.page.evaluate(() => (window.__quorumSeen ?? []).length);
  }

  /** The `type` of every JSON frame sent on the sockets opened from index `from` on. */
  sentTypes(from = 0): string[][] {
    return this.sockets.slice(from).map((socket) =>
      socket.sent.map((payload) => {
        try {
          return String((JSON.parse(payload) as { type?: unknown }).type);
        } catch {
          return '?';
        }
      }),
    );
  }
}
