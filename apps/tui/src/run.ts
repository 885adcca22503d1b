/**
 * The terminal client proper: parses the command line, finds the saved session, and runs the
 * Ink app full screen (alternate screen) until /quit, Ctrl+C, Ctrl+D or a signal. Loaded by
 * `main.ts` after it has prepared the environment Ink reads at import time.
 */

import { nodeWebSocketFactory, QuorumClient } from '@quorum/client/node';
import { render } from 'ink';
import { createElement } from 'react';
import { parseCli, USAGE } from './cli.js';
import { Controller, type SessionStore } from './controller.js';
import { defaultStateFile, loadSession, readLastUser, saveSession, writeLastUser } from './state-file.js';
import { App } from './ui/App.js';

const ENTER_ALT_SCREEN = '\u001b[?1049h\u001b[H';
const LEAVE_ALT_SCREEN = '\u001b[?1049l';

function fail(message: string, code = 2): never {
  process.stderr.write(`quorum-chat: ${message}\n(quorum-chat --help for the options)\n`);
  process.exit(code);
}

export function run(): void {
  const parsed = parseCli(process.argv.slice(2), process.env);
  if (parsed.kind === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (parsed.kind === 'error') fail(parsed.message);
  const options = parsed.options;
  const explicitFile = options.stateFile;
  let user = options.name;
  if (user === null) {
    user = explicitFile !== null ? (loadSession(explicitFile)?.user ?? null) : readLastUser();
    if (user === null) fail('--name is required (no saved session found)');
  }
  if (!process.stdin.isTTY || !process.stdout.isTTY)
    fail('needs a terminal (stdin and stdout must be a TTY)');
  const first = user;
  const pathFor = (u: string) => (explicitFile !== null && u === first ? explicitFile : defaultStateFile(u));
  let lastUser: string | null = null;
  const sessions: SessionStore = {
    load(u) {
      const saved = loadSession(pathFor(u));
      return saved !== null && saved.user === u ? saved : null;
    },
    save(session) {
      saveSession(pathFor(session.user), session);
      if (explicitFile === null && lastUser !== session.user) {
        writeLastUser(session.user);
        lastUser = session.user;
      }
    },
  };

  let restored = false;
  const restoreScreen = () => {
    if (restored) return;
    restored = true;
    process.stdout.write(LEAVE_ALT_SCREEN);
  };
  process.on('exit', restoreScreen);

  let instance: ReturnType<typeof render> | null = null;
  const controller = new Controller({
    user,
    password: options.password,
    register: options.register,
    balancers: options.balancers,
    room: options.room,
    sessions,
    createClient: (o) => new QuorumClient({ ...o, webSocketFactory: nodeWebSocketFactory }),
    onExit: () => {
      instance?.unmount();
      restoreScreen();
      setImmediate(() => process.exit(0));
    },
  });

  for (const signal of ['SIGTERM', 'SIGHUP', 'SIGINT'] as const) {
    process.on(signal, () => controller.quit({ force: true }));
  }
  process.on('uncaughtException', (error) => {
    instance?.unmount();
    restoreScreen();
    process.stderr.write(`quorum-chat crashed: ${error.stack ?? String(error)}\n`);
    process.exit(1);
  });

  process.stdout.write(ENTER_ALT_SCREEN);
  instance = render(createElement(App, { controller }), { exitOnCtrlC: false });
  controller.start();
}
