import { parseArgs } from 'node:util';
import { CLUSTER_ID_PATTERN } from '@quorum/protocol';
import { type FaultPlan, parseFaults } from './faults.js';
import { allowedOrigins } from './origins.js';
import { resolveSecret } from './secret-file.js';

export interface ServerConfig {
  readonly id: number;
  readonly host: string;
  readonly port: number;
  /** Every member's peer endpoint, this server's included: id -> ws://host:port/peer */
  readonly members: ReadonlyMap<number, string>;
  readonly balancers: readonly string[];
  readonly dataDir: string;
  /** Start even if group or others may access the data directory (refused by default). */
  readonly allowSharedDataDir: boolean;
  readonly clusterSecret: string;
  readonly adminToken: string | null;
  readonly faults: FaultPlan;
  /** The client WebSocket URL to advertise (defaults to ws://host:port/ws). */
  readonly publicUrl: string | null;
  readonly tickMs: number;
  readonly sendsPerSecond: number;
  readonly maxConnectionsPerAddress: number;
  /** Browser origins admitted at the client endpoint: the balancers' own, plus configured ones. */
  readonly allowedOrigins: readonly string[];
  readonly logLevel: string;
  readonly snapshotEverySlots: number;
  /** Newest messages per room the chat state keeps in memory; must match on every server. */
  readonly retainPerRoom: number;
  /** Log entries kept below a snapshot for peers that are behind. */
  readonly retainEntries: number;
  /** A client socket that has not said hello this long after opening is closed (4005). */
  readonly helloTimeoutMs: number;
  /** Client sockets are pinged this often; one that missed the previous pong is cut off. */
  readonly clientPingMs: number;
  /** How long a session token stays valid after login. */
  readonly sessionTtlMs: number;
  /**
   * A server with no leader this long, or whose oldest client command has waited this long, is
   * cut off from the majority and sends its clients elsewhere (4003).
   */
  readonly cutOffLeaderlessMs: number;
  readonly cutOffStuckMs: number;
  /** Logged-in connections one user may have on this server. */
  readonly maxConnectionsPerUser: number;
  /** Things the operator should hear about at start (e.g. a secret passed as a flag). */
  readonly warnings: readonly string[];
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** `quorum-server init`: make the store a server of a new cluster starts with. */
export interface InitConfig {
  readonly id: number;
  readonly dataDir: string;
  readonly clusterId: string;
  readonly allowSharedDataDir: boolean;
}

const INIT_USAGE = `usage: quorum-server init --id N --cluster-id ID [--data-dir DIR] [--allow-shared-data-dir]
Makes the store of server N of a NEW cluster (a voter, incarnation 0, in cluster ID) and exits.
Run it once for every server of the cluster, with the same ID (letters, digits, '.', '_', '-';
e.g. a UUID), before the cluster's first start. It refuses a directory that already holds a
store. A server started on a directory without a store never becomes a voter by itself: it
recovers from its peers first.`;

const CLUSTER_ID = new RegExp(CLUSTER_ID_PATTERN);

export function parseInitConfig(argv: readonly string[]): InitConfig {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      id: { type: 'string' },
      'data-dir': { type: 'string' },
      'cluster-id': { type: 'string' },
      'allow-shared-data-dir': { type: 'boolean' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) throw new ConfigError(INIT_USAGE);
  const get = (name: 'id' | 'data-dir' | 'cluster-id') => values[name] ?? env(name);
  const id = integer('id', get('id'), Number.NaN, 1, 65535);
  if (Number.isNaN(id)) throw new ConfigError(`--id is required\n${INIT_USAGE}`);
  const clusterId = get('cluster-id');
  if (clusterId === undefined) throw new ConfigError(`--cluster-id is required\n${INIT_USAGE}`);
  if (!CLUSTER_ID.test(clusterId)) {
    throw new ConfigError(
      `--cluster-id must be 1 to 64 letters, digits, '.', '_' or '-' (not starting with a symbol), got "${clusterId}"`,
    );
  }
  return {
    id,
    clusterId,
    dataDir: get('data-dir') ?? `./data/server-${id}`,
    allowSharedDataDir: values['allow-shared-data-dir'] === true || flagEnv('allow-shared-data-dir'),
  };
}

const USAGE = `usage: quorum-server --id N --peers 1=HOST:PORT,2=HOST:PORT,3=HOST:PORT --cluster-secret-file PATH
  [--port P] [--host H] [--balancer URL[,URL]] [--data-dir DIR] [--faults SPEC] [--admin-token-file PATH]
  [--public-url ws://...] [--tick-ms 10] [--sends-per-second 30] [--max-connections-per-address 64]
  [--allowed-origins http://a,http://b]   browser origins admitted besides each balancer's own
  [--allow-shared-data-dir]  start even if group or others may access the data directory
  [--hello-timeout-ms 10000] [--client-ping-ms 30000]  drop sockets that never say hello or stop answering pings
  [--session-ttl-ms 2592000000]  how long a login lasts (30 days)
  [--max-connections-per-user 16]  logged-in connections one user may have on one server
  [--cut-off-leaderless-ms 2000] [--cut-off-stuck-ms 3000]  send clients elsewhere (4003) after
                             this long without a leader, or with a client command stuck
  [--log-level info] [--snapshot-every 5000]
  [--retain-per-room 1000]   newest messages per room kept in memory (older ones are archived on
                             disk); the same on every server of a cluster
  [--retain-entries 10000]   log entries kept below a snapshot, so a short outage replays entries
                             (a peer further behind gets the snapshot)
Secrets: the cluster secret (at least 8 characters) and the admin token come from a file readable
by its owner only (--cluster-secret-file, --admin-token-file) or from QUORUM_CLUSTER_SECRET and
QUORUM_ADMIN_TOKEN. --cluster-secret S and --admin-token T still work but every local user can read
them in ps: avoid them.
Every flag can also come from the environment: QUORUM_ID, QUORUM_PEERS, QUORUM_DATA_DIR, ...
A new cluster's stores are made first, once per server: quorum-server init --help. A server
started on a directory without a store makes a new one and recovers from its peers before it
votes (a server that lost its disk); it never starts a new cluster by itself.`;

function env(name: string): string | undefined {
  const value = process.env[`QUORUM_${name.toUpperCase().replaceAll('-', '_')}`];
  return value === '' ? undefined : value;
}

/** A boolean flag from the environment: QUORUM_NAME=1 or true. */
function flagEnv(name: string): boolean {
  const value = env(name)?.toLowerCase();
  return value === '1' || value === 'true';
}

function integer(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`--${name} must be an integer in [${min}, ${max}], got "${raw}"`);
  }
  return value;
}

/** Parses `1=127.0.0.1:7001,2=127.0.0.1:7002` (or full ws:// URLs) into id -> peer endpoint URL. */
export function parsePeers(spec: string): Map<number, string> {
  const members = new Map<number, string>();
  for (const part of spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const match = /^(\d+)=(.+)$/.exec(part);
    if (!match) throw new ConfigError(`--peers entry "${part}" is not ID=HOST:PORT`);
    const id = Number(match[1]);
    const address = match[2]!;
    if (id < 1 || id > 65535) throw new ConfigError(`peer id ${id} out of range`);
    if (members.has(id)) throw new ConfigError(`peer id ${id} listed twice`);
    members.set(id, /^wss?:\/\//.test(address) ? address : `ws://${address}/peer`);
  }
  return members;
}

export function parseConfig(argv: readonly string[]): ServerConfig {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      id: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      peers: { type: 'string' },
      balancer: { type: 'string' },
      'data-dir': { type: 'string' },
      'cluster-secret': { type: 'string' },
      'cluster-secret-file': { type: 'string' },
      'admin-token': { type: 'string' },
      'admin-token-file': { type: 'string' },
      'allow-shared-data-dir': { type: 'boolean' },
      faults: { type: 'string' },
      'public-url': { type: 'string' },
      'tick-ms': { type: 'string' },
      'sends-per-second': { type: 'string' },
      'max-connections-per-address': { type: 'string' },
      'allowed-origins': { type: 'string' },
      'log-level': { type: 'string' },
      'snapshot-every': { type: 'string' },
      'retain-per-room': { type: 'string' },
      'retain-entries': { type: 'string' },
      'hello-timeout-ms': { type: 'string' },
      'client-ping-ms': { type: 'string' },
      'session-ttl-ms': { type: 'string' },
      'cut-off-leaderless-ms': { type: 'string' },
      'cut-off-stuck-ms': { type: 'string' },
      'max-connections-per-user': { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) throw new ConfigError(USAGE);
  const get = (name: keyof typeof values) => (values[name] as string | undefined) ?? env(name);
  const id = integer('id', get('id'), Number.NaN, 1, 65535);
  if (Number.isNaN(id)) throw new ConfigError(`--id is required\n${USAGE}`);
  const peersSpec = get('peers');
  if (!peersSpec) throw new ConfigError(`--peers is required\n${USAGE}`);
  const members = parsePeers(peersSpec);
  if (!members.has(id)) throw new ConfigError(`--peers must list this server's own id ${id}`);
  if (members.size % 2 === 0)
    throw new ConfigError(`a cluster needs an odd number of servers (2f+1), got ${members.size}`);
  const warnings: string[] = [];
  const secret = (name: 'cluster-secret' | 'admin-token', what: string) => {
    try {
      return resolveSecret(
        name,
        what,
        { flag: values[name], file: get(`${name}-file`), env: env(name) },
        warnings,
      );
    } catch (error) {
      throw new ConfigError((error as Error).message);
    }
  };
  const clusterSecret = secret('cluster-secret', 'cluster secret');
  if (!clusterSecret || clusterSecret.length < 8) {
    throw new ConfigError(
      'a cluster secret of at least 8 characters is required: --cluster-secret-file PATH or QUORUM_CLUSTER_SECRET',
    );
  }
  const adminToken = secret('admin-token', 'admin token') ?? null;
  const faults = parseFaults(get('faults') ?? '');
  if (!faults.ok) throw new ConfigError(`--faults: ${faults.error}`);
  const ownPeerUrl = new URL(members.get(id)!.replace(/^ws/, 'http'));
  const balancers = (get('balancer') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const configuredOrigins = (get('allowed-origins') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  let origins: string[];
  try {
    origins = allowedOrigins(balancers, configuredOrigins);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  return {
    id,
    host: get('host') ?? ownPeerUrl.hostname,
    port: integer('port', get('port'), Number(ownPeerUrl.port || 0), 0, 65535),
    members,
    balancers,
    dataDir: get('data-dir') ?? `./data/server-${id}`,
    allowSharedDataDir: values['allow-shared-data-dir'] === true || flagEnv('allow-shared-data-dir'),
    clusterSecret,
    adminToken,
    faults: faults.plan,
    publicUrl: get('public-url') ?? null,
    tickMs: integer('tick-ms', get('tick-ms'), 10, 1, 1000),
    sendsPerSecond: integer('sends-per-second', get('sends-per-second'), 30, 1, 1_000_000),
    maxConnectionsPerAddress: integer(
      'max-connections-per-address',
      get('max-connections-per-address'),
      256,
      1,
      100_000,
    ),
    allowedOrigins: origins,
    logLevel: get('log-level') ?? 'info',
    snapshotEverySlots: integer('snapshot-every', get('snapshot-every'), 5000, 10, 10_000_000),
    retainPerRoom: integer('retain-per-room', get('retain-per-room'), 1000, 1, 1_000_000),
    retainEntries: integer('retain-entries', get('retain-entries'), 10_000, 1, 10_000_000),
    helloTimeoutMs: integer('hello-timeout-ms', get('hello-timeout-ms'), 10_000, 100, 600_000),
    clientPingMs: integer('client-ping-ms', get('client-ping-ms'), 30_000, 100, 600_000),
    sessionTtlMs: integer(
      'session-ttl-ms',
      get('session-ttl-ms'),
      30 * 24 * 3600 * 1000,
      1000,
      365 * 24 * 3600 * 1000,
    ),
    cutOffLeaderlessMs: integer('cut-off-leaderless-ms', get('cut-off-leaderless-ms'), 2000, 100, 600_000),
    cutOffStuckMs: integer('cut-off-stuck-ms', get('cut-off-stuck-ms'), 3000, 100, 600_000),
    maxConnectionsPerUser: integer(
      'max-connections-per-user',
      get('max-connections-per-user'),
      16,
      1,
      100_000,
    ),
    warnings,
  };
}
