#!/usr/bin/env node
// The browser tests drive Debian's Chromium by path (Playwright's own browser downloads are not
// reachable). Install it when it is missing and we may (root, apt-get present); otherwise stop
// with the instruction instead of a row of confusing test failures.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const chromium = process.env.QUORUM_CHROMIUM ?? '/usr/bin/chromium';
if (existsSync(chromium)) process.exit(0);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
if (!isRoot || !hasApt) {
  console.error(
    `The browser tests need Chromium at ${chromium}.\n` +
      'Install it (Debian/Ubuntu: `sudo apt-get install -y chromium`) or point QUORUM_CHROMIUM at one, then run the tests again.',
  );
  process.exit(1);
}
console.log('Installing Debian chromium for the browser tests (apt-get)...');
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
for (const args of [
  ['update', '-qq'],
  ['install', '-y', '-qq', 'chromium'],
]) {
  const result = spawnSync('apt-get', args, { stdio: 'inherit', env });
  if (result.status !== 0) {
    console.error(`apt-get ${args.join(' ')} failed; install chromium by hand and run the tests again.`);
    process.exit(1);
  }
}
if (!existsSync(chromium)) {
  console.error(`chromium was installed but ${chromium} does not exist; set QUORUM_CHROMIUM.`);
  process.exit(1);
}
