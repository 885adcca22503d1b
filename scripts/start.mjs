#!/usr/bin/env node
// `npm start`: builds what is needed, then runs a local cluster — a balancer and three servers on
// 127.0.0.1 with their data under ./data — and stops everything cleanly on Ctrl-C. Starting it
// again resumes the same chat history (same ids, ports, secret and data directories).
//
// The first start (./data missing, or holding no server store at all) makes a new cluster: a
// cluster id, and `quorum-server init` for every server. Later starts never init: a server whose
// directory was deleted comes back with an empty store, recovering from the others.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const root = join(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    servers: { type: 'string', default: process.env.QUORUM_SERVERS ?? '3' },
    'balancer-port': { type: 'string', default: process.env.QUORUM_BALANCER_PORT ?? '7100' },
    'first-server-port': { type: 'string', default: process.env.QUORUM_FIRST_SERVER_PORT ?? '7101' },
    'data-dir': { type: 'string', default: process.env.QUORUM_DATA_DIR ?? join(root, 'data') },
    'skip-build': { type: 'boolean', default: false },
  },
});
const size = Number(values.servers);
if (!Number.isInteger(size) || size < 1 || size % 2 === 0 || size > 7) {
  console.error('--servers must be 1, 3, 5 or 7 (2f+1)');
  process.exit(2);
}
const balancerPort = Number(values['balancer-port']);
const firstPort = Number(values['first-server-port']);
const dataDir = values['data-dir'];
const serverDir = (id) => join(dataDir, `server-${id}`);
const STORE_MANIFEST = 'quorum-store.json';
/** No server store under ./data yet (looked at before anything is created there). */
const newCluster = !Array.from({ length: size }, (_, i) => serverDir(i + 1)).some((dir) =>
  existsSync(join(dir, STORE_MANIFEST)),
);

if (!values['skip-build']) {
  console.log('Building (turbo caches what has not changed)...');
  const build = spawnSync('npx', ['turbo', 'run', 'build', '--output-logs=errors-only'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' },
  });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

// The data directories hold password and session hashes: owner only. A server refuses a data
// directory that others may enter; this script owns ./data, so it tightens what an older version
// created 0755 instead of leaving the servers to refuse it.
mkdirSync(dataDir, { recursive: true, mode: 0o700 });
for (const dir of [dataDir, ...Array.from({ length: size }, (_, i) => join(dataDir, `server-${i + 1}`))]) {
  if (!existsSync(dir)) continue;
  const mode = statSync(dir).mode & 0o777;
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    chmodSync(dir, 0o700);
    console.log(`Made ${dir} private (mode ${mode.toString(8)} -> 700): it holds password hashes.`);
  }
}
/**
 * A secret file survives restarts so the same servers can talk to each other again. The servers
 * and the balancer read it themselves (--cluster-secret-file): a secret on a command line is
 * visible to every local user in ps.
 */
function persistentSecret(name) {
  const file = join(dataDir, name);
  if (!existsSync(file)) writeFileSync(file, randomBytes(24).toString('base64url'), { mode: 0o600 });
  return { file, value: readFileSync(file, 'utf8').trim() };
}
const secret = persistentSecret('cluster-secret');
const adminToken = persistentSecret('admin-token');

if (newCluster) {
  const clusterId = randomUUID();
  console.log(`New cluster ${clusterId}: making the stores of its ${size} servers in ${dataDir}.`);
  for (let id = 1; id <= size; id++) {
    const init = spawnSync(
      process.execPath,
      [
        'apps/server/dist/main.js',
        'init',
        '--data-dir',
        serverDir(id),
        '--id',
        String(id),
        '--cluster-id',
        clusterId,
      ],
      { cwd: root, encoding: 'utf8' },
    );
    if (init.status !== 0) {
      console.error(`${init.stdout ?? ''}${init.stderr ?? ''}`.trim() || `init of server ${id} failed`);
      process.exit(1);
    }
  }
}

const children = [];
let stopping = false;

function launch(name, args) {
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = `[${name}] `;
  let output = '';
  const onData = (chunk) => {
    const text = chunk.toString();
    output += text;
    for (const line of text.split('\n'))
      if (line.trim() && !line.startsWith('QUORUM_')) process.stdout.write(prefix + line + '\n');
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  child.on('exit', (code, signal) => {
    if (!stopping)
      console.log(`${prefix}exited (${signal ?? code}); the others carry on while a majority is up.`);
  });
  children.push(child);
  return {
    child,
    listening: new Promise((resolve, reject) => {
      const timer = setInterval(() => {
        if (output.includes('QUORUM_')) {
          clearInterval(timer);
          resolve();
        } else if (child.exitCode !== null) {
          clearInterval(timer);
          reject(new Error(`${name} failed to start:\n${output}`));
        }
      }, 20);
    }),
  };
}

const balancerUrl = `http://127.0.0.1:${balancerPort}`;
const peers = Array.from({ length: size }, (_, i) => `${i + 1}=127.0.0.1:${firstPort + i}`).join(',');

async function main() {
  const balancer = launch('balancer', [
    'apps/balancer/dist/main.js',
    '--port',
    String(balancerPort),
    '--cluster-size',
    String(size),
    '--cluster-secret-file',
    secret.file,
    '--log-level',
    'warn',
  ]);
  await balancer.listening;
  const servers = Array.from({ length: size }, (_, i) =>
    launch(`server ${i + 1}`, [
      'apps/server/dist/main.js',
      '--id',
      String(i + 1),
      '--peers',
      peers,
      '--cluster-secret-file',
      secret.file,
      '--balancer',
      balancerUrl,
      '--data-dir',
      serverDir(i + 1),
      '--admin-token-file',
      adminToken.file,
      '--log-level',
      'warn',
    ]),
  );
  await Promise.all(servers.map((s) => s.listening));
  const deadline = Date.now() + 15_000;
  let status = null;
  while (Date.now() < deadline) {
    status = await fetch(`${balancerUrl}/cluster`).then(
      (r) => r.json(),
      () => null,
    );
    if (status?.ready && status.leaderId !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  console.log(
    [
      '',
      `Quorum Chat is running: ${size} servers, leader ${status?.leaderId ?? 'not yet elected'}, data in ${dataDir}`,
      `  web page:        ${balancerUrl}/`,
      `  terminal client: npm run tui -- --name alice --balancer ${balancerUrl}`,
      `  cluster status:  ${balancerUrl}/cluster`,
      `  servers:         ${Array.from({ length: size }, (_, i) => `ws://127.0.0.1:${firstPort + i}/ws`).join('  ')}`,
      `  admin token (fault injection): ${adminToken.value}`,
      'Press Ctrl-C to stop; `npm start` again resumes the same history.',
      '',
    ].join('\n'),
  );
}

async function stop() {
  if (stopping) return;
  stopping = true;
  console.log('\nStopping...');
  const exits = children
    .filter((c) => c.exitCode === null && c.signalCode === null)
    .map((c) => new Promise((resolve) => c.once('exit', resolve)));
  for (const child of children) child.kill('SIGTERM');
  const timeout = setTimeout(() => {
    for (const child of children) child.kill('SIGKILL');
  }, 5000);
  await Promise.all(exits);
  clearTimeout(timeout);
  process.exit(0);
}

process.on('SIGINT', stop);
process.on('SIGTERM', stop);
main().catch((error) => {
  console.error(error.message);
  void stop();
});
