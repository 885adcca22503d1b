/**
 * The real terminal client (`apps/tui/dist/main.js`) in a pseudo-terminal. node-pty is not
 * available, so util-linux `script` provides the pty: `script -qfec "<cmd>" /dev/null` runs the
 * command on a new pty and copies what it draws to our stdout pipe; what we write to its stdin
 * is typed on the pty. What the TUI drew is the accumulated output with the escapes removed.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killTree, shellQuote, stripAnsi } from '@quorum/testkit';

export const TUI_MAIN = join(import.meta.dirname, '..', '..', '..', 'apps', 'tui', 'dist', 'main.js');

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export interface TuiOptions {
  readonly balancerUrl: string;
  readonly user: string;
  readonly password: string;
  readonly room: string;
  readonly register?: boolean;
}

export class Tui {
  private output = '';
  private readonly exited: Promise<number | null>;

  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
  ) {
    const onData = (chunk: Buffer) => {
      this.output += chunk.toString('utf8');
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  static start(options: TuiOptions): Tui {
    if (!existsSync(TUI_MAIN)) throw new Error(`${TUI_MAIN} is missing: build apps/tui first (npx tsc -b)`);
    if (!existsSync('/usr/bin/script') && !existsSync('/bin/script')) {
      throw new Error('no `script` (util-linux): it provides the pseudo-terminal the TUI runs in');
    }
    const dir = mkdtempSync(join(tmpdir(), 'quorum-tui-'));
    const command = [
      'stty rows 40 cols 200;',
      'exec',
      shellQuote(process.execPath),
      shellQuote(TUI_MAIN),
      `--name ${shellQuote(options.user)}`,
      options.register ? '--register' : '',
      `--balancer ${shellQuote(options.balancerUrl)}`,
      `--room ${shellQuote(options.room)}`,
      `--state-file ${shellQuote(join(dir, 'state.json'))}`,
    ].join(' ');
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      // The password goes through the environment, not the command line (visible in ps).
      env: {
        ...process.env,
        QUORUM_PASSWORD: options.password,
        TERM: 'xterm-256color',
        XDG_CONFIG_HOME: dir,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    return new Tui(child, dir);
  }

  /** Everything drawn so far, escapes removed. */
  screen(): string {
    return stripAnsi(this.output);
  }

  /** What was drawn after the last occurrence of `marker` (or everything if it never was). */
  screenAfter(marker: string): string {
    const screen = this.screen();
    const at = screen.lastIndexOf(marker);
    return at < 0 ? screen : screen.slice(at);
  }

  /**
   * Whether a message line by `author` with `text` (followed by `suffix`, e.g. ' ✓' for our own
   * delivered ones) was drawn since `from` (an index into screen()). Accepts the scrollback's
   * `time  author │ text` columns and the older `<author> text` form.
   */
  showsMessage(author: string, text: string, suffix = '', from = 0): boolean {
    const line = new RegExp(
      `(?:<${escapeRegExp(author)}>|${escapeRegExp(author)}\\s*│)\\s*${escapeRegExp(text + suffix)}`,
    );
    return line.test(this.screen().slice(from));
  }

  /**
   * The connection part of the status line as last drawn: "● connected to server 2",
   * "◌ reconnecting… (attempt 1)"... (The scrollback's notices say "connected to server N" too,
   * and every frame redraws them: only the status line starts with the ●/◌/○ mark.)
   */
  status(): string {
    return [...this.screen().matchAll(/[●◌○] [^│\r\n]*/g)].at(-1)?.[0].trim() ?? '';
  }

  /** The server the status line says the client is connected to now, or null. */
  serverId(): number | null {
    const match = /^● connected to server (\d+)/.exec(this.status());
    return match ? Number(match[1]) : null;
  }

  /** Types a line and presses Enter. */
  type(line: string): void {
    this.child.stdin?.write(line);
    this.child.stdin?.write('\r');
  }

  /** Kills the pty and the client under it (by PID) and removes its state directory. */
  async close(): Promise<void> {
    if (this.child.pid !== undefined && this.child.exitCode === null && this.child.signalCode === null) {
      killTree(this.child.pid);
      await this.exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
