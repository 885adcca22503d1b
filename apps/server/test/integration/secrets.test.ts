import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BALANCER_MAIN,
  freePort,
  freePorts,
  runInit,
  SERVER_MAIN,
  TestCluster,
  waitFor,
} from '@quorum/testkit';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * Secrets never go on a command line: every local user can read /proc/PID/cmdline (that is what
 * `ps` shows). The cluster secret and the admin token come from the environment or from files
 * only their owner can read, for the servers and the balancer, and `npm start` and the testkit
 * pass them that way.
 */
const ROOT = join(import.meta.dirname, '..', '..', '..', '..');
const START_SCRIPT = join(ROOT, 'scripts', 'start.mjs');

const started: ChildProcess[] = [];
const roots: string[] = [];
let cluster: TestCluster | null = null;

afterEach(async () => {
  await cluster?.close();
  cluster = null;
  for (const child of started.splice(0).reverse()) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    // npm start's own children first: killed alone, it would leave them running.
    for (const pid of childrenOf(child.pid as number)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

function tempRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'quorum-secrets-'));
  roots.push(root);
  return root;
}

/** What `ps` shows for a process: its argv, NUL-separated in /proc/PID/cmdline. */
const commandLine = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');

/** The live child processes of `pid`, from /proc/PID/stat (field 4 is the parent's pid). */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === pid) children.push(Number(name));
    } catch {
      // the process ended while we looked
    }
  }
  return children;
}

interface Launched {
  readonly child: ChildProcess;
  output(): string;
}

function launch(script: string, args: readonly string[], env: Record<string, string> = {}): Launched {
  // Secrets from the caller's environment must not stand in for the ones a test passes.
  const child = spawn(process.execPath, [script, ...args], {
    env: { ...process.env, QUORUM_CLUSTER_SECRET: '', QUORUM_ADMIN_TOKEN: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  return { child, output: () => output };
}

/** Resolves with `marker` once the output shows it, or with the exit code if the process gives up. */
function outcome(launched: Launched, marker: string): Promise<string | number> {
  return waitFor(
    `${marker} or an exit`,
    () => {
      if (launched.child.exitCode !== null) return { result: launched.child.exitCode };
      return launched.output().includes(marker) && { result: marker };
    },
    { timeoutMs: 30_000 },
  ).then(({ result }) => result);
}

function secretFile(dir: string, name: string, value: string, mode: number): string {
  const file = join(dir, name);
  writeFileSync(file, `${value}\n`, { mode }); // with the newline an editor or `echo` leaves
  return file;
}

async function serverArgs(root: string, balancerUrl?: string): Promise<{ port: number; args: string[] }> {
  const port = await freePort();
  const args = ['--id', '1', '--peers', `1=127.0.0.1:${port}`, '--data-dir', join(root, 'server-1')];
  return {
    port,
    args: [...args, ...(balancerUrl ? ['--balancer', balancerUrl] : []), '--log-level', 'warn'],
  };
}

describe('secrets stay off command lines', () => {
  it('no process of a testkit cluster carries the cluster secret or the admin token in its argv', async () => {
    const adminToken = 'admin-token-that-must-not-show-in-ps';
    cluster = await TestCluster.start({ size: 3, adminToken });
    const pids = [cluster.balancer?.pid, ...cluster.servers.map((s) => s.pid)];
    expect(pids.every((pid) => typeof pid === 'number')).toBe(true);
    for (const pid of pids as number[]) {
      const argv = commandLine(pid);
      expect(argv).toContain('dist/main.js'); // the process we mean, still running
      expect(argv).not.toContain(cluster.secret);
      expect(argv).not.toContain(adminToken);
    }
    // ...and both still reached the processes: the servers registered with the balancer using
    // the cluster secret, and the admin endpoint takes the token.
    expect((await cluster.assign()).serverId).toBeGreaterThan(0);
    const faults = await fetch(`${cluster.server(1).httpUrl}/admin/faults`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(faults.status).toBe(200);
  });

  it('npm start passes neither the cluster secret nor the admin token in argv', async () => {
    const dataDir = join(tempRoot(), 'data');
    const [balancerPort, serverPort] = await freePorts(2);
    const start = launch(START_SCRIPT, [
      '--skip-build',
      '--servers',
      '1',
      '--balancer-port',
      String(balancerPort),
      '--first-server-port',
      String(serverPort),
      '--data-dir',
      dataDir,
    ]);
    expect(await outcome(start, 'Quorum Chat is running')).toBe('Quorum Chat is running');
    const secret = readFileSync(join(dataDir, 'cluster-secret'), 'utf8').trim();
    const adminToken = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
    const children = childrenOf(start.child.pid as number);
    const argvs = children.map(commandLine);
    expect(argvs.filter((argv) => argv.includes('dist/main.js'))).toHaveLength(2); // balancer + server
    for (const argv of argvs) {
      expect(argv).not.toContain(secret);
      expect(argv).not.toContain(adminToken);
    }
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    const faults = await fetch(`http://127.0.0.1:${serverPort}/admin/faults`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(faults.status).toBe(200);
    // Ctrl-C: npm start stops its children and exits 0.
    const exited = new Promise((resolve) => start.child.once('exit', (code) => resolve(code)));
    start.child.kill('SIGINT');
    expect(await exited).toBe(0);
  });
});

describe('secret files', () => {
  it('the server reads the cluster secret and the admin token from 0600 files', async () => {
    const root = tempRoot();
    const secret = secretFile(root, 'cluster-secret', 'a-cluster-secret-from-a-file', 0o600);
    const token = secretFile(root, 'admin-token', 'an-admin-token-from-a-file', 0o600);
    const { port, args } = await serverArgs(root);
    const server = launch(SERVER_MAIN, [
      ...args,
      '--cluster-secret-file',
      secret,
      '--admin-token-file',
      token,
    ]);
    expect(await outcome(server, 'QUORUM_SERVER_LISTENING')).toBe('QUORUM_SERVER_LISTENING');
    const status = (authorization: string) =>
      fetch(`http://127.0.0.1:${port}/admin/faults`, { headers: { authorization } }).then((r) => r.status);
    expect(await status('Bearer an-admin-token-from-a-file')).toBe(200);
    expect(await status('Bearer an-admin-token-from-a-filE')).toBe(401);
    expect(await status('Bearer an-admin-token')).toBe(401); // a prefix: another length
    expect(await status('an-admin-token-from-a-file')).toBe(401);
    expect(server.output()).not.toContain('warning');
  });

  it('the server refuses a secret file that group or others can read', async () => {
    const root = tempRoot();
    const secret = secretFile(root, 'cluster-secret', 'a-cluster-secret-from-a-file', 0o644);
    const { args } = await serverArgs(root);
    const server = launch(SERVER_MAIN, [...args, '--cluster-secret-file', secret]);
    expect(await outcome(server, 'QUORUM_SERVER_LISTENING')).toBe(2);
    expect(server.output()).toContain(
      `the cluster secret file ${secret} is accessible by group or others (mode 0644)`,
    );

    const goodSecret = secretFile(root, 'good-secret', 'a-cluster-secret-from-a-file', 0o600);
    const token = secretFile(root, 'admin-token', 'an-admin-token-from-a-file', 0o640);
    const again = launch(SERVER_MAIN, [
      ...args,
      '--cluster-secret-file',
      goodSecret,
      '--admin-token-file',
      token,
    ]);
    expect(await outcome(again, 'QUORUM_SERVER_LISTENING')).toBe(2);
    expect(again.output()).toContain('admin token file');
  });

  it('the balancer reads the cluster secret from a 0600 file, refuses a shared one, and servers register with it', async () => {
    const root = tempRoot();
    const shared = secretFile(root, 'shared-secret', 'the-cluster-secret-in-a-file', 0o604);
    const refused = launch(BALANCER_MAIN, [
      '--port',
      '0',
      '--cluster-size',
      '1',
      '--cluster-secret-file',
      shared,
    ]);
    expect(await outcome(refused, 'QUORUM_BALANCER_LISTENING')).toBe(2);
    expect(refused.output()).toContain('accessible by group or others (mode 0604)');

    const secret = secretFile(root, 'cluster-secret', 'the-cluster-secret-in-a-file', 0o600);
    const balancer = launch(BALANCER_MAIN, [
      '--port',
      '0',
      '--cluster-size',
      '1',
      '--cluster-secret-file',
      secret,
      '--log-level',
      'warn',
    ]);
    expect(await outcome(balancer, 'QUORUM_BALANCER_LISTENING')).toBe('QUORUM_BALANCER_LISTENING');
    const balancerUrl = /QUORUM_BALANCER_LISTENING (\S+)/.exec(balancer.output())?.[1] as string;
    const { args } = await serverArgs(root, balancerUrl);
    expect((await runInit(join(root, 'server-1'), 1, 'secrets-test')).code).toBe(0); // a voter, not recovering
    const server = launch(SERVER_MAIN, [...args, '--cluster-secret-file', secret]);
    expect(await outcome(server, 'QUORUM_SERVER_LISTENING')).toBe('QUORUM_SERVER_LISTENING');
    // Registration is authenticated with the secret: the balancer now assigns this server.
    const assigned = await waitFor('the server to register with the balancer', async () => {
      const response = await fetch(`${balancerUrl}/assign`);
      return response.ok && ((await response.json()) as { serverId: number });
    });
    expect(assigned.serverId).toBe(1);
    expect(balancer.output()).not.toContain('warning');
  });

  it('a secret passed as a flag still works, with a warning that ps shows it', async () => {
    const root = tempRoot();
    const { args } = await serverArgs(root);
    const server = launch(SERVER_MAIN, [...args, '--cluster-secret', 'a-secret-on-the-command-line']);
    expect(await outcome(server, 'QUORUM_SERVER_LISTENING')).toBe('QUORUM_SERVER_LISTENING');
    expect(server.output()).toContain('warning: --cluster-secret is visible to every local user in ps');
    const balancer = launch(BALANCER_MAIN, [
      '--port',
      '0',
      '--cluster-size',
      '1',
      '--cluster-secret',
      'a-secret',
    ]);
    expect(await outcome(balancer, 'QUORUM_BALANCER_LISTENING')).toBe('QUORUM_BALANCER_LISTENING');
    expect(balancer.output()).toContain('warning: --cluster-secret is visible to every local user in ps');
  });
});
