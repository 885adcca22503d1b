/**
 * End to end: the built binary (`dist/main.js`) in a real pseudo-terminal (util-linux `script`
 * as the pty provider) against a real local cluster (balancer + 3 servers as processes). Alice
 * types in the TUI; bob is a second QuorumClient; a RawClient reads the replicated history.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeWebSocketFactory, QuorumClient } from '@quorum/client/node';
import type { ChatMessage } from '@quorum/protocol';
import { killTree, RawClient, shellQuote, stripAnsi, TestCluster, waitFor } from '@quorum/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const MAIN = join(import.meta.dirname, '..', 'dist', 'main.js');
const ALICE_PASSWORD = 'alice-password-1';
const BOB_PASSWORD = 'bob-password-1';

const hasScript = existsSync('/usr/bin/script') || existsSync('/bin/script');

describe.runIf(hasScript)('quorum-chat in a pseudo-terminal against a real cluster', () => {
  let cluster: TestCluster | null = null;
  let pty: ChildProcess | null = null;
  let bob: QuorumClient | null = null;
  let raw: RawClient | null = null;
  let dir = '';
  let output = '';
  const screen = () => stripAnsi(output);
  /** Waits like `waitFor`, and on a timeout shows the end of the terminal so the failure explains itself. */
  const waitForScreen = async <T>(...args: Parameters<typeof waitFor<T>>): Promise<T> => {
    try {
      return await waitFor(...args);
    } catch (error) {
      throw new Error(`${String(error)}\n--- last of the terminal ---\n${screen().slice(-3000)}`);
    }
  };

  beforeAll(async () => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: build apps/tui first (npx tsc -b)`);
    dir = mkdtempSync(join(tmpdir(), 'tui-e2e-'));
    cluster = await TestCluster.start();
  });

  afterAll(async () => {
    if (pty?.pid !== undefined) killTree(pty.pid);
    bob?.close();
    raw?.close();
    await cluster?.close();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('delivers what is typed, shows what others send, and recovers after a failover', async () => {
    const balancer = cluster!.balancerUrl;
    const bobSaw: ChatMessage[] = [];
    bob = new QuorumClient({
      balancers: [balancer],
      credentials: { user: 'bob', password: BOB_PASSWORD },
      register: true,
      rooms: ['general'],
      webSocketFactory: nodeWebSocketFactory,
    });
    bob.on('message', (m) => bobSaw.push(m.message));
    await bob.connect();

    const stateFile = join(dir, 'alice.json');
    const command = [
      'stty rows 30 cols 200;',
      'exec',
      shellQuote(process.execPath),
      shellQuote(MAIN),
      '--name alice --register',
      `--balancer ${shellQuote(balancer)}`,
      `--state-file ${shellQuote(stateFile)}`,
    ].join(' ');
    pty = spawn('script', ['-qfec', command, '/dev/null'], {
      // CI=true on purpose: Ink draws nothing while it believes it runs in CI, and the binary
      // must stay usable wherever that variable leaks into a user's shell (as it does in CI).
      env: {
        ...process.env,
        CI: 'true',
        QUORUM_PASSWORD: ALICE_PASSWORD,
        TERM: 'xterm-256color',
        XDG_CONFIG_HOME: dir,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    pty.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    pty.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    const exited = new Promise<number | null>((resolve) => pty?.once('exit', (code) => resolve(code)));

    await waitForScreen('the TUI to connect', () => /connected to server \d/.test(screen()), {
      timeoutMs: 20_000,
    });
    await waitForScreen('the member list to show alice online', () => screen().includes('● alice'));

    // Alice types a message; bob's client receives it, the replicated history holds it once.
    pty.stdin?.write('hello from the terminal');
    pty.stdin?.write('\r');
    const received = await waitFor('bob to receive alice’s message', () =>
      bobSaw.find((m) => m.author === 'alice' && m.text === 'hello from the terminal'),
    );
    expect(received.room).toBe('general');
    await waitForScreen('the TUI to mark it delivered', () =>
      screen().includes('alice │ hello from the terminal ✓'),
    );

    const connectedTo = () => Number([...screen().matchAll(/connected to server (\d+)/g)].at(-1)?.[1]);
    const aliceServer = connectedTo();
    raw = await RawClient.connect((await cluster!.assign([aliceServer])).url);
    await raw.login('bob', BOB_PASSWORD);
    await raw.join('general');
    const history = await raw.fullHistory('general');
    expect(history.filter((m) => m.author === 'alice' && m.text === 'hello from the terminal')).toHaveLength(
      1,
    );

    // Bob answers; it shows on alice's screen. (The protocol already refuses ESC and other
    // controls in text; a bidi override passes it and must be removed by the TUI.)
    bob.send('general', 'hi alice, bob here \u202Ereversed?');
    await waitForScreen('the TUI to show bob’s message', () =>
      screen().includes('bob │ hi alice, bob here reversed?'),
    );
    expect(output).not.toContain('\u202E');

    // Typing notifications travel too.
    bob.typing('general', true);
    await waitForScreen('the typing indicator', () => screen().includes('bob is typing…'));

    // Failover: alice's server freezes (SIGSTOP); bob posts through another server meanwhile.
    // The TUI notices, reconnects elsewhere, and shows the missed message after the notice.
    cluster!.server(aliceServer).pause();
    await raw.send('general', 'sent while you were cut off', 'raw-bob-client-1', 1);
    await waitForScreen('the lost-connection notice', () => screen().includes('connection lost'), {
      timeoutMs: 30_000,
    });
    expect(screen()).toContain('reconnecting to another server…');
    const recovered = await waitForScreen(
      'the reconnect notice',
      () =>
        /connected to server (\d+), recovered (\d+) messages?/.exec(
          screen().slice(screen().indexOf('connection lost')),
        ),
      { timeoutMs: 30_000 },
    );
    expect(Number(recovered[1])).not.toBe(aliceServer);
    expect(Number(recovered[2])).toBeGreaterThanOrEqual(1);
    await waitForScreen('the recovered message', () =>
      screen().includes('bob │ sent while you were cut off'),
    );
    expect(screen().indexOf('bob │ sent while you were cut off')).toBeGreaterThan(
      screen().indexOf(recovered[0]),
    );
    cluster!.server(aliceServer).resume();

    // /quit saves the session: clientId with its nextSeq, the token and the position.
    pty.stdin?.write('/quit\r');
    expect(await exited).toBe(0);
    const saved = JSON.parse(readFileSync(stateFile, 'utf8')) as Record<string, unknown>;
    expect(saved).toMatchObject({ user: 'alice', nextSeq: 2, rooms: ['general'] });
    expect(typeof saved.clientId).toBe('string');
    expect(typeof saved.token).toBe('string');
    expect((saved.positions as Record<string, number>).general).toBeGreaterThanOrEqual(3);
  });
});
