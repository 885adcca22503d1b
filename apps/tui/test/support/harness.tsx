/** Renders the app with a controller over fake clients and manual timers. */

import type { QuorumClientOptions } from '@quorum/client';
import { render } from 'ink-testing-library';
import { vi } from 'vitest';
import { Controller, type ControllerTimers } from '../../src/controller.js';
import type { SavedSession } from '../../src/state-file.js';
import { App } from '../../src/ui/App.js';
import { FakeClient } from './fake-client.js';

export interface Harness {
  readonly controller: Controller;
  readonly clients: FakeClient[];
  readonly client: FakeClient;
  readonly saved: SavedSession[];
  readonly exits: number;
  frame(): string;
  type(data: string): Promise<void>;
  until(text: string | RegExp): Promise<string>;
  /** Waits until the input line shows `expected` (trailing spaces ignored). */
  input(expected: string): Promise<void>;
  unmount(): void;
}

export const KEYS = {
  enter: '\r',
  tab: '\t',
  backspace: '\u007f',
  delete: '\u001b[3~',
  left: '\u001b[D',
  right: '\u001b[C',
  up: '\u001b[A',
  down: '\u001b[B',
  pageUp: '\u001b[5~',
  pageDown: '\u001b[6~',
  escape: '\u001b',
  ctrl: (k: string) => String.fromCharCode(k.charCodeAt(0) - 96),
  alt: (k: string) => `\u001b${k}`,
};

export const manualTimers: ControllerTimers = {
  now: () => 1_767_225_600_000,
  setTimeout: () => 0,
  clearTimeout: () => {},
  setInterval: () => 0,
  clearInterval: () => {},
};

export function start(
  options: { columns?: number; rows?: number; password?: string | null; user?: string } = {},
): Harness {
  const clients: FakeClient[] = [];
  const saved: SavedSession[] = [];
  let exits = 0;
  const controller = new Controller({
    user: options.user ?? 'alice',
    password: options.password === undefined ? 'secret-password' : options.password,
    register: false,
    balancers: ['http://127.0.0.1:7100'],
    room: 'general',
    createClient: (o: QuorumClientOptions) => {
      const c = new FakeClient(o);
      clients.push(c);
      return c;
    },
    sessions: { load: () => null, save: (s) => saved.push(s) },
    timers: manualTimers,
    onExit: () => {
      exits++;
    },
  });
  const ui = render(
    <App controller={controller} columns={options.columns ?? 100} rows={options.rows ?? 20} />,
  );
  controller.start();
  const frame = () => ui.lastFrame() ?? '';
  return {
    controller,
    clients,
    get client() {
      const c = clients.at(-1);
      if (c === undefined) throw new Error('no client yet');
      return c;
    },
    saved,
    get exits() {
      return exits;
    },
    frame,
    async type(data: string) {
      ui.stdin.write(data);
      await new Promise((resolve) => setImmediate(resolve));
    },
    async until(text: string | RegExp) {
      await vi.waitFor(
        () => {
          const f = frame();
          if (typeof text === 'string' ? !f.includes(text) : !text.test(f)) {
            throw new Error(`screen does not show ${String(text)}:\n${f}`);
          }
        },
        { timeout: 2000, interval: 10 },
      );
      return frame();
    },
    async input(expected: string) {
      await vi.waitFor(
        () => {
          const line = inputLine(frame());
          if (line !== expected)
            throw new Error(`input line is ${JSON.stringify(line)}, not ${JSON.stringify(expected)}`);
        },
        { timeout: 2000, interval: 5 },
      );
    },
    unmount: () => ui.unmount(),
  };
}

/** The input line: the last line of the frame, without trailing spaces (the cursor at the end is one). */
export function inputLine(frame: string): string {
  return (frame.split('\n').at(-1) ?? '').trimEnd();
}
