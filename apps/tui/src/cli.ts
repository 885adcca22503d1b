/** Command-line options (node's util.parseArgs). Pure: argv and env in, options or an error out. */

import { parseArgs } from 'node:util';
import { checkRoom, checkUser } from './commands.js';

export interface CliOptions {
  /** Null: take the last saved session (or the one in --state-file). */
  readonly name: string | null;
  readonly password: string | null;
  readonly register: boolean;
  readonly balancers: readonly string[];
  readonly room: string;
  /** Null: ~/.config/quorum-chat/<user>.json. */
  readonly stateFile: string | null;
}

export type CliResult =
  | { readonly kind: 'run'; readonly options: CliOptions }
  | { readonly kind: 'help' }
  | { readonly kind: 'error'; readonly message: string };

export const DEFAULT_BALANCER = 'http://127.0.0.1:7100';
export const DEFAULT_ROOM = 'general';

export const USAGE = `quorum-chat — the Quorum Chat terminal client

Usage: quorum-chat --name USER [options]

Options:
  --name USER         who to log in as (default: the last saved session)
  --password PASS     the password (default: $QUORUM_PASSWORD, else asked for without echo;
                      not needed when a saved session token is still valid)
  --register          create the account USER first
  --balancer URL      a balancer to ask for a server; repeat it or give a comma list
                      (default: ${DEFAULT_BALANCER})
  --room ROOM         the room to open (default: ${DEFAULT_ROOM}); rooms joined earlier are rejoined
  --state-file PATH   where the session is saved (default: ~/.config/quorum-chat/USER.json)
  -h, --help          this help

In the chat, /help lists the commands and keys.`;

function checkBalancer(url: string): string | null {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:'
      ? null
      : `${url}: use http:// or https://`;
  } catch {
    return `${url}: not a URL`;
  }
}

export function parseCli(argv: readonly string[], env: NodeJS.ProcessEnv = {}): CliResult {
  let values: {
    name?: string | undefined;
    password?: string | undefined;
    register?: boolean | undefined;
    balancer?: string[] | undefined;
    room?: string | undefined;
    'state-file'?: string | undefined;
    help?: boolean | undefined;
  };
  try {
    values = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        name: { type: 'string' },
        password: { type: 'string' },
        register: { type: 'boolean' },
        balancer: { type: 'string', multiple: true },
        room: { type: 'string' },
        'state-file': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    return { kind: 'error', message: error instanceof Error ? error.message : String(error) };
  }
  if (values.help) return { kind: 'help' };
  let name: string | null = null;
  if (values.name !== undefined) {
    const checked = checkUser(values.name);
    if ('error' in checked) return { kind: 'error', message: `--name: ${checked.error}` };
    name = checked.user;
  }
  const room = checkRoom(values.room ?? DEFAULT_ROOM);
  if ('error' in room) return { kind: 'error', message: `--room: ${room.error}` };
  const balancers = (values.balancer ?? [DEFAULT_BALANCER])
    .flatMap((b) => b.split(','))
    .map((b) => b.trim())
    .filter((b) => b !== '');
  if (balancers.length === 0) return { kind: 'error', message: '--balancer: give at least one URL' };
  for (const b of balancers) {
    const problem = checkBalancer(b);
    if (problem !== null) return { kind: 'error', message: `--balancer: ${problem}` };
  }
  if (values.register && name === null) return { kind: 'error', message: '--register needs --name' };
  const password =
    values.password ??
    (env.QUORUM_PASSWORD !== undefined && env.QUORUM_PASSWORD !== '' ? env.QUORUM_PASSWORD : null);
  return {
    kind: 'run',
    options: {
      name,
      password,
      register: values.register ?? false,
      balancers: [...new Set(balancers)],
      room: room.room,
      stateFile: values['state-file'] ?? null,
    },
  };
}
