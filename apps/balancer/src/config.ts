import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { MAX_REPLICAS } from '@quorum/protocol';
import { resolveSecret } from './secret-file.js';

/** Command-line and environment configuration of the balancer process. */

export interface BalancerConfig {
  readonly port: number;
  readonly host: string;
  readonly servers: readonly number[];
  readonly clusterSecret: string;
  readonly heartbeatMs: number;
  readonly deadAfterMs: number;
  readonly balancerId: string;
  readonly logLevel: string;
  readonly webDir: string;
}

export type ConfigResult =
  | {
      readonly kind: 'ok';
      readonly config: BalancerConfig;
      /** Things the operator should hear about at start (a secret passed as a flag). */
      readonly warnings: readonly string[];
    }
  | { readonly kind: 'help'; readonly text: string }
  | { readonly kind: 'error'; readonly message: string };

export const DEFAULT_HEARTBEAT_MS = 200;
export const DEFAULT_DEAD_AFTER_MS = 1_000;

/** apps/web/dist, found from this file whether it runs from src/ (tests) or dist/ (built). */
export const DEFAULT_WEB_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export const USAGE = `Usage: quorum-balancer [options]

Options (each also read from the environment variable shown):
  --port <n>              TCP port, 0 = any free port        QUORUM_BALANCER_PORT (default 8080)
  --host <addr>           address to bind                    QUORUM_BALANCER_HOST (default 127.0.0.1)
  --servers <ids>         configured server ids, e.g. 1,2,3  QUORUM_SERVERS
  --cluster-size <n>      shorthand for --servers 1..n       QUORUM_CLUSTER_SIZE
  --cluster-secret-file <path>
                          file with the secret servers prove QUORUM_CLUSTER_SECRET_FILE
                          (mode 0600), or the secret itself  QUORUM_CLUSTER_SECRET (one is required)
  --cluster-secret <s>    the secret itself: works, with a warning, since every local user
                          can read a command line in ps
  --heartbeat-ms <n>      heartbeat interval told to servers QUORUM_HEARTBEAT_MS (default ${DEFAULT_HEARTBEAT_MS})
  --dead-after-ms <n>     silence before leaving rotation    QUORUM_DEAD_AFTER_MS (default ${DEFAULT_DEAD_AFTER_MS})
  --id <name>             this balancer's id                 QUORUM_BALANCER_ID (default random)
  --log-level <level>     ${LOG_LEVELS.join('|')}   QUORUM_LOG_LEVEL (default info)
  --web-dir <path>        built web page to serve            QUORUM_WEB_DIR (default apps/web/dist)
  -h, --help              show this text
`;

type Env = Readonly<Record<string, string | undefined>>;

export function parseConfig(argv: readonly string[], env: Env): ConfigResult {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        servers: { type: 'string' },
        'cluster-size': { type: 'string' },
        'cluster-secret': { type: 'string' },
        'cluster-secret-file': { type: 'string' },
        'heartbeat-ms': { type: 'string' },
        'dead-after-ms': { type: 'string' },
        id: { type: 'string' },
        'log-level': { type: 'string' },
        'web-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    return { kind: 'error', message: error instanceof Error ? error.message : String(error) };
  }
  if (values.help === true) return { kind: 'help', text: USAGE };

  const pick = (flag: string, variable: string): string | undefined => {
    const value = values[flag];
    return typeof value === 'string' ? value : nonEmpty(env[variable]);
  };

  try {
    const port = integer('--port', pick('port', 'QUORUM_BALANCER_PORT') ?? '8080', 0, 65535);
    const host = pick('host', 'QUORUM_BALANCER_HOST') ?? '127.0.0.1';
    const servers = serverIds(pick('servers', 'QUORUM_SERVERS'), pick('cluster-size', 'QUORUM_CLUSTER_SIZE'));
    const warnings: string[] = [];
    const flag = values['cluster-secret'];
    const clusterSecret = resolveSecret(
      'cluster-secret',
      'cluster secret',
      {
        flag: typeof flag === 'string' ? flag : undefined,
        file: pick('cluster-secret-file', 'QUORUM_CLUSTER_SECRET_FILE'),
        env: nonEmpty(env.QUORUM_CLUSTER_SECRET),
      },
      warnings,
    );
    if (clusterSecret === undefined) {
      throw new Error(
        'a cluster secret is required: pass --cluster-secret-file PATH or set QUORUM_CLUSTER_SECRET',
      );
    }
    const heartbeatMs = integer(
      '--heartbeat-ms',
      pick('heartbeat-ms', 'QUORUM_HEARTBEAT_MS') ?? String(DEFAULT_HEARTBEAT_MS),
      1,
      60_000,
    );
    const deadAfterMs = integer(
      '--dead-after-ms',
      pick('dead-after-ms', 'QUORUM_DEAD_AFTER_MS') ?? String(DEFAULT_DEAD_AFTER_MS),
      1,
      600_000,
    );
    if (deadAfterMs <= heartbeatMs) {
      throw new Error(
        `--dead-after-ms (${deadAfterMs}) must be greater than --heartbeat-ms (${heartbeatMs})`,
      );
    }
    const balancerId = pick('id', 'QUORUM_BALANCER_ID') ?? `balancer-${randomBytes(4).toString('hex')}`;
    if (balancerId.length > 64) throw new Error('--id must be at most 64 characters');
    const logLevel = pick('log-level', 'QUORUM_LOG_LEVEL') ?? 'info';
    if (!LOG_LEVELS.includes(logLevel))
      throw new Error(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
    const webDir = pick('web-dir', 'QUORUM_WEB_DIR') ?? DEFAULT_WEB_DIR;
    return {
      kind: 'ok',
      config: { port, host, servers, clusterSecret, heartbeatMs, deadAfterMs, balancerId, logLevel, webDir },
      warnings,
    };
  } catch (error) {
    return { kind: 'error', message: error instanceof Error ? error.message : String(error) };
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function integer(name: string, text: string, min: number, max: number): number {
  if (!/^[0-9]+$/.test(text.trim())) throw new Error(`${name} must be a whole number, got "${text}"`);
  const value = Number(text.trim());
  if (value < min || value > max) throw new Error(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

function serverIds(list: string | undefined, size: string | undefined): number[] {
  if (list !== undefined && size !== undefined) {
    throw new Error('pass either --servers or --cluster-size, not both');
  }
  let ids: number[];
  if (list !== undefined) {
    ids = list.split(',').map((part) => integer('--servers', part, 1, 65535));
    if (new Set(ids).size !== ids.length) throw new Error('--servers lists an id twice');
  } else if (size !== undefined) {
    const n = integer('--cluster-size', size, 1, MAX_REPLICAS);
    ids = Array.from({ length: n }, (_, i) => i + 1);
  } else {
    throw new Error('the cluster membership is required: pass --servers 1,2,3 or --cluster-size 3');
  }
  if (ids.length > MAX_REPLICAS) throw new Error(`at most ${MAX_REPLICAS} servers are supported`);
  return ids.sort((a, b) => a - b);
}
