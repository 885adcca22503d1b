#!/usr/bin/env node
// `npm start`: will build the workspaces and bring up a balancer and three servers on loopback
// with data under ./data. Until the server host exists it says so plainly instead of pretending.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const serverMain = join(root, 'apps', 'server', 'src', 'main.ts');
if (!existsSync(serverMain)) {
  console.error(
    [
      'Quorum Chat: the replicated chat server is not built yet.',
      'When it is, `npm start` will:',
      '  1. build every workspace,',
      '  2. start a balancer and three servers on 127.0.0.1 with their data under ./data,',
      '  3. print the web URL and the terminal-client command,',
      '  4. stop everything cleanly on Ctrl-C (starting again resumes the same history).',
      'What exists today: the protocol, the Paxos replica and its simulator (`npm run sim -- --seeds 50`),',
      'the chat state machine, the balancer, and durable storage. Run `npm test` to check them.',
    ].join('\n'),
  );
  process.exit(1);
}
