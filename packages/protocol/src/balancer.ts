import { type Static, Type } from '@sinclair/typebox';
import { Ballot, RecoveryStatus, ReplicaId, Role, Slot, Uint } from './common.js';
import { MAX_REPLICAS } from './limits.js';

/**
 * Server <-> balancer. Each server keeps one WebSocket open to each balancer
 * (`/cluster/ws`): the first frame is `register`, then a `heartbeat` every interval. The
 * balancer answers `registered` or an `error` and closes. A closed socket or missed heartbeats
 * take the server out of rotation. Clients use the HTTP endpoints `GET /assign` and
 * `GET /cluster`.
 */
const strict = { additionalProperties: false } as const;
const Url = Type.String({ minLength: 1, maxLength: 512, pattern: '^(ws|wss|http|https)://' });

/**
 * `mac` is HMAC-SHA256(clusterSecret, `quorum-register|${id}|${url}|${ts}|${nonce}`) in hex: the
 * balancer checks it, so the secret itself never crosses the wire.
 */
export const ServerRegister = Type.Object(
  {
    type: Type.Literal('register'),
    id: ReplicaId,
    /** The WebSocket URL clients should open, e.g. ws://127.0.0.1:7001/ws */
    url: Url,
    ts: Uint,
    nonce: Type.String({ minLength: 16, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }),
    mac: Type.String({ minLength: 64, maxLength: 64, pattern: '^[0-9a-f]+$' }),
  },
  strict,
);
export const ServerHeartbeat = Type.Object(
  {
    type: Type.Literal('heartbeat'),
    id: ReplicaId,
    /** Connected clients: what "least loaded" compares. */
    load: Uint,
    role: Role,
    leaderId: Type.Union([ReplicaId, Type.Null()]),
    ballot: Ballot,
    committed: Slot,
    applied: Slot,
    snapshot: Slot,
    peersUp: Type.Array(ReplicaId, { maxItems: MAX_REPLICAS }),
    /** Only while `role` is `recovering`: the balancer assigns no client to such a server. */
    recovery: Type.Optional(RecoveryStatus),
  },
  strict,
);
export const ServerToBalancer = Type.Union([ServerRegister, ServerHeartbeat], { $id: 'ServerToBalancer' });
export type ServerToBalancer = Static<typeof ServerToBalancer>;

export const Registered = Type.Object(
  { type: Type.Literal('registered'), heartbeatMs: Uint, balancerId: Type.String({ maxLength: 64 }) },
  strict,
);
export const BalancerError = Type.Object(
  {
    type: Type.Literal('error'),
    code: Type.Union([
      Type.Literal('unknown_server'),
      Type.Literal('bad_secret'),
      Type.Literal('stale_registration'),
      Type.Literal('replayed'),
      Type.Literal('invalid_message'),
      Type.Literal('not_registered'),
    ]),
    message: Type.String({ maxLength: 1024 }),
  },
  strict,
);
export const BalancerToServer = Type.Union([Registered, BalancerError], { $id: 'BalancerToServer' });
export type BalancerToServer = Static<typeof BalancerToServer>;

/** `GET /assign?exclude=1,3` */
export const AssignQuery = Type.Object(
  { exclude: Type.Optional(Type.String({ maxLength: 256, pattern: '^[0-9]+(,[0-9]+)*$' })) },
  strict,
);
export type AssignQuery = Static<typeof AssignQuery>;

export const KnownServer = Type.Object({ id: ReplicaId, url: Url }, strict);
export type KnownServer = Static<typeof KnownServer>;

/** The least-loaded healthy server, plus every healthy server so clients can fall back without us. */
export const AssignResponse = Type.Object(
  { serverId: ReplicaId, url: Url, servers: Type.Array(KnownServer, { maxItems: MAX_REPLICAS }) },
  strict,
);
export type AssignResponse = Static<typeof AssignResponse>;

/** 503 from `/assign` when no healthy server (or fewer than a majority registered). */
export const AssignUnavailable = Type.Object(
  {
    code: Type.Union([Type.Literal('no_servers'), Type.Literal('no_quorum')]),
    message: Type.String({ maxLength: 1024 }),
  },
  strict,
);

export const ServerStatus = Type.Object(
  {
    id: ReplicaId,
    url: Type.Union([Url, Type.Null()]),
    healthy: Type.Boolean(),
    load: Uint,
    role: Type.Union([Role, Type.Literal('unknown')]),
    leaderId: Type.Union([ReplicaId, Type.Null()]),
    ballot: Ballot,
    committed: Slot,
    applied: Slot,
    snapshot: Slot,
    peersUp: Type.Array(ReplicaId, { maxItems: MAX_REPLICAS }),
    /** A healthy server's recovery progress while its role is `recovering`. */
    recovery: Type.Optional(RecoveryStatus),
    /** Milliseconds since the last heartbeat, or null if never seen. */
    lastSeenMs: Type.Union([Uint, Type.Null()]),
  },
  strict,
);
export type ServerStatus = Static<typeof ServerStatus>;

/** `GET /cluster` */
export const ClusterStatus = Type.Object(
  {
    balancerId: Type.String({ maxLength: 64 }),
    /** True once a majority of the configured servers have registered. */
    ready: Type.Boolean(),
    size: Uint,
    leaderId: Type.Union([ReplicaId, Type.Null()]),
    servers: Type.Array(ServerStatus, { maxItems: MAX_REPLICAS }),
  },
  strict,
);
export type ClusterStatus = Static<typeof ClusterStatus>;
