import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, RawClient, SERVER_MAIN, WaitAborted, waitFor } from '@quorum/testkit';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * The data directory holds every password hash and session-token hash, so only the server's
 * user may read it: directories 0700 and files 0600 whatever the umask (these servers start
 * under umask 022, which leaves new files 0644 and directories 0755), and a directory that group
 * or others can enter is refused unless --allow-shared-data-dir says it is meant to be shared.
 */
const started: ChildProcess[] = [];
const roots: string[] = [];

afterEach(async () => {
  for (const child of started.splice(0)) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

function tempRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'quorum-modes-'));
  roots.push(root);
  return root;
}

const mode = (file: string) => statSync(file).mode & 0o777;

interface Launched {
  readonly child: ChildProcess;
  readonly port: number;
  output(): string;
}

/** `quorum-server init` of a one-server cluster under `umask 022`: it creates the directory. */
async function initialize(dataDir: string): Promise<void> {
  const child = spawn(
    '/bin/sh',
    [
      '-c',
      'umask 022 && exec "$0" "$@"',
      process.execPath,
      SERVER_MAIN,
      'init',
      '--data-dir',
      dataDir,
      '--id',
      '1',
      '--cluster-id',
      'file-modes',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  started.push(child);
  expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(0);
}

/** Spawns a one-server cluster under `umask 022`, as a shell with the usual umask would. */
async function launch(dataDir: string, extraArgs: readonly string[] = []): Promise<Launched> {
  const port = await freePort();
  const args = ['--id', '1', '--peers', `1=127.0.0.1:${port}`, '--data-dir', dataDir, '--log-level', 'warn'];
  const child = spawn(
    '/bin/sh',
    ['-c', 'umask 022 && exec "$0" "$@"', process.execPath, SERVER_MAIN, ...args, ...extraArgs],
    {
      env: { ...process.env, QUORUM_CLUSTER_SECRET: 'file-modes-test-secret' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  started.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  return { child, port, output: () => output };
}

async function listening(server: Launched): Promise<void> {
  await waitFor(
    'the server to listen',
    () => {
      if (server.child.exitCode !== null) throw new WaitAborted(`the server exited: ${server.output()}`);
      return server.output().includes('QUORUM_SERVER_LISTENING');
    },
    { timeoutMs: 30_000 },
  );
}

/** How a start ends: 'listening', or the exit code of a server that gave up. */
async function outcome(server: Launched): Promise<number | 'listening'> {
  return waitFor(
    'the server to listen or exit',
    () => {
      if (server.child.exitCode !== null) return { code: server.child.exitCode };
      return server.output().includes('QUORUM_SERVER_LISTENING') && { code: 'listening' as const };
    },
    { timeoutMs: 30_000 },
  ).then((result) => result.code);
}

async function stop(server: Launched): Promise<void> {
  const { child } = server;
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
}

/** Every regular file in `dir` with its mode, e.g. { 'data.mdb': 0o600, ... }. */
function fileModes(dir: string): Record<string, number> {
  const modes: Record<string, number> = {};
  for (const entry of readdirSync(dir, { withFileTypes: true }))
    if (entry.isFile()) modes[entry.name] = mode(join(dir, entry.name));
  return modes;
}

describe('data directory and file modes', () => {
  it('creates the data directory and its missing parents 0700 and every file 0600 under umask 022', async () => {
    const root = tempRoot();
    const dataDir = join(root, 'data', 'server-1');
    await initialize(dataDir); // a voter: a recovering one-server cluster serves nobody
    const server = await launch(dataDir);
    await listening(server);
    const client = await RawClient.connect(`ws://127.0.0.1:${server.port}/ws`);
    await client.register('modes-user'); // a password hash and a session-token hash on disk
    client.close();
    const files = fileModes(dataDir);
    expect(Object.keys(files)).toEqual(expect.arrayContaining(['data.mdb', 'lock.mdb']));
    expect(files).toEqual(Object.fromEntries(Object.keys(files).map((name) => [name, 0o600])));
    await stop(server);
    expect(mode(join(root, 'data'))).toBe(0o700);
    expect(mode(dataDir)).toBe(0o700);
    const after = fileModes(dataDir);
    expect(after).toEqual(Object.fromEntries(Object.keys(after).map((name) => [name, 0o600])));
    // What those files protect: the registration's hash went to disk as argon2id.
    const bytes = Buffer.concat(Object.keys(after).map((name) => readFileSync(join(dataDir, name))));
    expect(bytes.includes('$argon2id$v=19$m=19456,t=2,p=1$')).toBe(true);
    expect(bytes.includes('scrypt$')).toBe(false);
  });

  it('makes files left group- or world-readable by an older version private when it opens them', async () => {
    const dataDir = join(tempRoot(), 'server-1');
    const first = await launch(dataDir);
    await listening(first);
    await stop(first);
    const names = Object.keys(fileModes(dataDir));
    for (const name of names) chmodSync(join(dataDir, name), 0o644);
    const second = await launch(dataDir);
    await listening(second);
    expect(fileModes(dataDir)).toEqual(Object.fromEntries(names.map((name) => [name, 0o600])));
    await stop(second);
  });

  it('refuses to start on a data directory that group or others can access, and says how to fix it', async () => {
    const dataDir = join(tempRoot(), 'shared');
    mkdirSync(dataDir);
    chmodSync(dataDir, 0o755);
    const refused = await launch(dataDir);
    expect(await outcome(refused)).toBe(2);
    expect(refused.output()).toContain('accessible by group or others (mode 0755)');
    expect(refused.output()).toContain(`chmod 700 ${dataDir}`);
    expect(refused.output()).toContain('--allow-shared-data-dir');
    expect(readdirSync(dataDir)).toEqual([]); // nothing was written there

    chmodSync(dataDir, 0o750); // group access alone is refused too
    expect(await outcome(await launch(dataDir))).toBe(2);
  });

  it('starts on a shared data directory with --allow-shared-data-dir, files still 0600', async () => {
    const dataDir = join(tempRoot(), 'shared');
    mkdirSync(dataDir);
    chmodSync(dataDir, 0o750);
    const server = await launch(dataDir, ['--allow-shared-data-dir']);
    await listening(server);
    expect(mode(dataDir)).toBe(0o750); // the operator's choice is left alone
    const files = fileModes(dataDir);
    expect(files).toEqual(Object.fromEntries(Object.keys(files).map((name) => [name, 0o600])));
    await stop(server);
  });
});
