import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import cors from '@fastify/cors';
import type { AppliedEffect, ArchivedRange } from '@quorum/chat';
import {
  type Command,
  type GossipMessage,
  MAX_CLIENT_FRAME_BYTES,
  MAX_PEER_FRAME_BYTES,
  PEER_AUTH_HEADERS,
  PeerAuth,
  type ReplicaStatus,
  type ServerToClientOf,
} from '@quorum/protocol';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import Fastify, { type FastifyInstance } from 'fastify';
import { WebSocketServer } from 'ws';
import { adminAuthorized } from './admin-auth.js';
import { Archive } from './archive.js';
import { BalancerLink } from './balancer-link.js';
import { ChatHost } from './chat-host.js';
import { ClientLiveness } from './client-liveness.js';
import { CLOSE, ClientSession, SERVER_CLIENT_ID_PREFIX } from './client-session.js';
import { ClusterIdentity, legacyClusterId } from './cluster-identity.js';
import { Coalescer } from './coalescer.js';
import type { ServerConfig } from './config.js';
import { ReplicaDriver, type ReplicaStore } from './driver.js';
import { parseFaults } from './faults.js';
import { Hub } from './hub.js';
import { createMetrics } from './metrics.js';
import { CLUSTER_ID_HEADER, NonceCache, verifyPeerAuth } from './peer-auth.js';
import { PeerLinks } from './peer-links.js';
import { PendingCommands } from './pending.js';
import { KeyedLimiter } from './rate-limit.js';
import { DurableStore, isClusterId, type PersistDelta } from './storage/index.js';
import { defaultBudgets, sendsPerServer, UserBudgets } from './user-budgets.js';

const peerAuthCheck = TypeCompiler.Compile(PeerAuth);
const STATUS_GOSSIP_MS = 250;
const PRESENCE_GOSSIP_MS = 1000;
const STATUS_STALE_MS = 2000;
const BARRIER_TIMEOUT_MS = 5000;
/** Typing events per (room, user) leave at most this often. */
const TYPING_INTERVAL_MS = 1000;
/** Recent digests kept so two replicas can be compared at the same slot. */
const DIGEST_HISTORY = 4096;
/** How long a client socket closed for a protocol error has to finish closing before it is cut. */
const CLOSE_GRACE_MS = 1000;
/** While recovering, the log says how far it got this often. */
const RECOVERY_LOG_MS = 10_000;
/** A refused peer handshake is logged at most this often per peer and reason. */
const REFUSAL_LOG_MS = 30_000;

/** The server will not start, for a reason the operator must fix (main prints it, exit 2). */
export class StartRefused extends Error {
  override name = 'StartRefused';
}

export interface QuorumServer {
  readonly app: FastifyInstance;
  readonly url: string;
  close(): Promise<void>;
}

/** Builds and starts one replicated chat server: storage, replica, peer links, client endpoint, balancer links. */
export async function startServer(config: ServerConfig): Promise<QuorumServer> {
  const app = Fastify({ logger: { level: config.logLevel }, bodyLimit: 64 * 1024 });
  const log = app.log;
  // A directory without a store gets a new one that is NOT a voter: this server lost its disk
  // (or never had one) and its cluster exists, so it recovers from its peers before it votes.
  // Only `quorum-server init` makes the voters a new cluster starts with. An existing store is
  // verified and refused if damaged, never replaced.
  const store = await DurableStore.open(config.dataDir, {
    allowSharedDir: config.allowSharedDataDir,
    newStore: { clusterId: null, replicaId: config.id, incarnation: Date.now(), recovering: true },
  });
  try {
    await checkStore(store, config, log);
  } catch (error) {
    await store.close();
    throw error;
  }
  const identity = new ClusterIdentity(store.identity.clusterId);
  // The chat state is made below; the hub asks it only when a display name changes.
  const hub = new Hub({ isMember: (room, user) => chatHost.state.isMember(room, user) });
  const metrics = createMetrics();
  const members = [...config.members.keys()];
  const peerUrls = new Map([...config.members].filter(([id]) => id !== config.id));
  const bootId = randomBytes(6)
    .toString('base64url')
    .replaceAll(/[^A-Za-z0-9]/g, 'x');
  let internalClients = 0;
  const digests = new Map<number, { appliedCount: number; hash: string }>();
  const peerStatus = new Map<number, { status: ReplicaStatus; at: number }>();
  let shuttingDown = false;

  // Created before the driver so that effects applied while recovering find it; it only calls
  // the driver later, when a client submits.
  const pending = new PendingCommands({
    propose: (commands: readonly Command[]) => driver.propose(commands),
  });
  const chatHost = new ChatHost(
    { retainPerRoom: config.retainPerRoom },
    (effects: readonly AppliedEffect[]) => onEffects(effects),
    () => archive.fillHoles(),
  );
  const archive = new Archive({
    store,
    state: () => chatHost.state,
    peers: () => links.connectedPeers(),
    send: (to, message) => links.gossipTo(to, message),
    self: config.id,
    onFatal: (error) => {
      // The archive on disk is now behind memory: stop rather than serve a history with holes.
      log.fatal({ err: error }, 'archive write failed; stopping');
      process.exit(1);
    },
  });
  function onEffects(effects: readonly AppliedEffect[]): void {
    pending.settle(effects);
    for (const effect of effects) {
      metrics.commandsApplied.inc({ op: effect.op, dedup: effect.dedup });
      if (effect.archived.length > 0) archive.write(effect.archived);
      if (effect.events.length > 0) hub.publish(effect.events);
      if (effect.endedSessions.length > 0) hub.endSessions(effect.endedSessions);
    }
    const digest = chatHost.state.digest();
    digests.set(digest.lastAppliedSlot, { appliedCount: digest.appliedCount, hash: digest.hash });
    if (digests.size > DIGEST_HISTORY) digests.delete(digests.keys().next().value!);
  }

  const links = new PeerLinks({
    self: config.id,
    peers: peerUrls,
    secret: config.clusterSecret,
    clusterId: () => identity.presented(),
    onMessage: (message) => driver.step(message),
    onGossip: (message) => onGossip(message),
    onLinkChange: () => {
      for (const link of balancerLinks) link.beat();
    },
    log,
  });
  links.setFaults(config.faults);

  // The store as the replica sees it, plus the cluster id: the write that ends recovery records
  // the id the peers presented (pinned in `identity`), so a recovered store knows its cluster.
  const replicaStore: ReplicaStore = {
    load: () => store.load(),
    get loggedBytes() {
      return store.loggedBytes;
    },
    snapshotEncoder: () => store.snapshotEncoder(),
    persist: (delta: PersistDelta) => {
      if (delta.recovered === undefined) return store.persist(delta);
      const clusterId = identity.id;
      if (clusterId === null) log.error('recovery ended before any peer presented a cluster id');
      return store.persist(delta, clusterId === null ? undefined : { clusterId }).then(() => {
        identity.markPersisted();
        log.warn(
          { clusterId, promised: delta.promised, committed: delta.committed },
          'recovery complete: this server votes again',
        );
      });
    },
  };

  const driver = new ReplicaDriver({
    id: config.id,
    members,
    store: replicaStore,
    machine: chatHost,
    send: (to, messages) => links.sendAll(to, messages),
    onRejected: (rejected) => pending.refuse(rejected.commands),
    onLeaderChange: (leader) => {
      if (leader !== null) pending.reproposeAll();
    },
    tickMs: config.tickMs,
    snapshotEverySlots: config.snapshotEverySlots,
    retainEntries: config.retainEntries,
    beforePersist: () => archive.flush(),
  });

  function status(): ReplicaStatus {
    const s = driver.replica.status();
    const recovery = s.recovery ?? null;
    return {
      id: config.id,
      role: s.role,
      leaderId: s.leaderId,
      ballot: s.ballot,
      committed: s.committed,
      applied: driver.appliedSlot,
      snapshot: s.snapshotIndex,
      clients: hub.connections,
      peersUp: links.connectedPeers(),
      ...(recovery !== null && { recovery: { ...recovery, answered: [...recovery.answered] } }),
    };
  }

  function clusterFrame(rid?: number): ServerToClientOf<'cluster'> {
    const now = Date.now();
    const replicas = [status()];
    for (const [id, entry] of peerStatus)
      if (now - entry.at <= STATUS_STALE_MS && id !== config.id) replicas.push(entry.status);
    replicas.sort((a, b) => a.id - b.id);
    return {
      type: 'cluster',
      ...(rid !== undefined && { rid }),
      serverId: config.id,
      leaderId: driver.replica.status().leaderId,
      replicas,
    };
  }

  function onGossip(message: GossipMessage): void {
    if (message.type === 'status') peerStatus.set(message.from, { status: message.status, at: Date.now() });
    else if (message.type === 'presence') hub.setRemotePresence(message.from, message.rooms);
    else if (message.type === 'archive_req') archive.onRequest(message);
    else if (message.type === 'archive_page') archive.onPage(message);
    else
      hub.broadcast(message.room, {
        type: 'typing',
        room: message.room,
        user: message.user,
        active: message.active,
      });
  }

  /**
   * A linearizable read point. During an election there is briefly no leader to confirm one;
   * rather than fail the read at once, ask again until the deadline (a failover takes well
   * under a second), then answer `unavailable`.
   */
  async function barrier(): Promise<boolean> {
    const deadline = Date.now() + BARRIER_TIMEOUT_MS;
    while (!shuttingDown) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) return false;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), remaining);
      });
      const ok = await Promise.race([driver.linearizableBarrier(), timedOut]);
      clearTimeout(timer);
      if (ok) return true;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return false;
  }

  // Typing is a hint: at most one event per (room, user) per second reaches the room, here and
  // on every peer, however many frames the user's connections send.
  const typing = new Coalescer<boolean>({
    intervalMs: TYPING_INTERVAL_MS,
    maxKeys: 100_000,
    emit: (key, active) => {
      const [room, user] = key.split('\u0000') as [string, string];
      hub.broadcast(room, { type: 'typing', room, user, active }, user);
      links.gossip({ type: 'typing', from: config.id, room, user, active });
    },
  });
  const liveness = new ClientLiveness({
    helloTimeoutMs: config.helloTimeoutMs,
    pingIntervalMs: config.clientPingMs,
  });

  const services = {
    serverId: config.id,
    // What one connection can get here: the user's share of the cluster-wide send rate.
    sendsPerSecond: sendsPerServer(config.sendsPerSecond, members.length),
    sessionTtlMs: config.sessionTtlMs,
    maxConnectionsPerUser: config.maxConnectionsPerUser,
    chat: () => chatHost.state,
    archived: (room: string, range: ArchivedRange) => archive.read(room, range),
    submit: (command: Command) => pending.submit(command),
    barrier,
    leaderId: () => driver.replica.status().leaderId,
    clusterFrame,
    // One client id per connection for the commands the server issues on its behalf (join,
    // leave, sessions...), numbered by that connection: nobody else's commands share its seqs.
    internalClientId: () => `${SERVER_CLIENT_ID_PREFIX}${config.id}.${bootId}.${++internalClients}`,
    typing: (room: string, user: string, active: boolean) => typing.offer(`${room}\u0000${user}`, active),
    hub,
    budgets: new UserBudgets(defaultBudgets(config.sendsPerSecond, members.length)),
    // Password guessing: 5 tries per account and 20 per address at once, then one every 10 s
    // and every 2 s. Per server: with n servers a guesser gets at most n times that.
    loginByUser: new KeyedLimiter(0.1, 5),
    loginByAddress: new KeyedLimiter(0.5, 20),
    // Valid session resumes: a whole office failing over at once through one NAT or proxy.
    resumeByAddress: new KeyedLimiter(20, 500),
    count: (event: string) => metrics.clientFrames.inc({ event }),
  };

  // ---- HTTP routes ----------------------------------------------------------------------------
  // The web page (served by a balancer, another origin) reads status and, with the admin token,
  // injects faults. No cookies are involved, so any origin may call; the token is the guard.
  await app.register(cors, {
    origin: true,
    methods: ['GET', 'POST'],
    allowedHeaders: ['authorization', 'content-type'],
  });
  // `ok` is "this server may serve clients": not while it recovers (the balancer sends nobody
  // there, and its client endpoint refuses). 503 then, for load balancers that read the code.
  app.get('/health', async (_request, reply) => {
    const s = status();
    const recovering = s.role === 'recovering';
    if (recovering) reply.code(503);
    return {
      ok: !recovering,
      status: recovering ? 'recovering' : 'serving',
      id: s.id,
      clusterId: identity.id,
      role: s.role,
      recovery: s.recovery ?? null,
      leaderId: s.leaderId,
      committed: s.committed,
      applied: s.applied,
      snapshot: s.snapshot,
      // Messages in memory stay bounded (retainPerRoom per room); the archive on disk grows.
      messagesInMemory: chatHost.state.stats().messages,
      archive: { ...archive.stats },
    };
  });
  app.get('/status', async () => clusterFrame());
  app.get('/digest', async (request, reply) => {
    const slotParam = (request.query as { slot?: string }).slot;
    const current = chatHost.state.digest();
    if (slotParam === undefined) return current;
    const slot = Number(slotParam);
    const entry = digests.get(slot);
    if (!Number.isInteger(slot) || !entry) {
      return reply.code(404).send({
        code: 'unknown_slot',
        message: `No digest kept for slot ${slotParam}.`,
        lastAppliedSlot: current.lastAppliedSlot,
      });
    }
    return { lastAppliedSlot: slot, ...entry };
  });
  app.get('/metrics', async (_request, reply) => {
    metrics.observe(status(), links.stats, driver.stats, store.stats, pending.size);
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
  const adminGuard = (authorization: string | undefined) => adminAuthorized(config.adminToken, authorization);
  app.get('/admin/faults', async (request, reply) => {
    if (!adminGuard(request.headers.authorization))
      return reply.code(config.adminToken ? 401 : 404).send({ code: 'forbidden' });
    return links.currentFaults();
  });
  app.post('/admin/faults', async (request, reply) => {
    if (!adminGuard(request.headers.authorization))
      return reply.code(config.adminToken ? 401 : 404).send({ code: 'forbidden' });
    const spec = (request.body as { spec?: unknown } | null)?.spec;
    if (typeof spec !== 'string' || spec.length > 256)
      return reply.code(400).send({ code: 'invalid_message', message: 'Body must be {"spec": "..."}' });
    const parsed = parseFaults(spec);
    if (!parsed.ok) return reply.code(400).send({ code: 'invalid_message', message: parsed.error });
    links.setFaults(parsed.plan);
    log.warn({ spec }, 'fault plan changed');
    return parsed.plan;
  });

  // ---- WebSocket endpoints: our own upgrade dispatch, so each endpoint has its own frame
  // limit and an unauthenticated peer is refused at the upgrade with a reason. ----------------
  const clientWss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_CLIENT_FRAME_BYTES,
    perMessageDeflate: false,
  });
  const peerWss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_PEER_FRAME_BYTES,
    perMessageDeflate: false,
  });
  const nonces = new NonceCache();
  const perAddress = new Map<string, number>();
  /** When a cluster-id refusal was last logged, per peer and presented id (bounded by REFUSAL_LOG_MS use). */
  const refusalsLogged = new Map<string, number>();

  const STATUS_TEXT: Record<number, string> = {
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    429: 'Too Many Requests',
    503: 'Service Unavailable',
  };
  /** Answers an upgrade we will not accept with a plain HTTP error and the reason, then closes. */
  function refuse(socket: Duplex, status: number, reason: string): void {
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
        `X-Quorum-Reason: ${reason}\r\nContent-Length: ${Buffer.byteLength(reason)}\r\n\r\n${reason}`,
    );
  }

  function onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const path = (request.url ?? '/').split('?')[0];
    if (shuttingDown) return refuse(socket, 503, 'shutting down');
    if (path === '/peer') {
      const header = (name: string) => request.headers[name];
      const auth = {
        from: Number(header(PEER_AUTH_HEADERS.from)),
        to: Number(header(PEER_AUTH_HEADERS.to)),
        ts: Number(header(PEER_AUTH_HEADERS.ts)),
        nonce: header(PEER_AUTH_HEADERS.nonce),
        mac: header(PEER_AUTH_HEADERS.mac),
      };
      if (!peerAuthCheck.Check(auth)) return refuse(socket, 401, 'missing or malformed peer handshake');
      const theirCluster = header(CLUSTER_ID_HEADER) ?? '';
      if (typeof theirCluster !== 'string' || (theirCluster !== '' && !isClusterId(theirCluster)))
        return refuse(socket, 401, 'malformed cluster id');
      const verdict = verifyPeerAuth(
        { ...auth, clusterId: theirCluster },
        {
          secret: config.clusterSecret,
          self: config.id,
          members,
          now: Date.now(),
          nonces,
        },
      );
      if (!verdict.ok) {
        metrics.peerRefused.inc({ reason: verdict.reason });
        log.warn({ from: auth.from, reason: verdict.reason }, 'refused peer link');
        return refuse(socket, 401, verdict.reason);
      }
      const wasKnown = identity.id !== null;
      const admission = identity.admit(theirCluster);
      if (!admission.ok) {
        metrics.peerRefused.inc({ reason: 'cluster id mismatch' });
        const key = `${auth.from}|${theirCluster}`;
        const now = Date.now();
        if (now - (refusalsLogged.get(key) ?? Number.NEGATIVE_INFINITY) >= REFUSAL_LOG_MS) {
          refusalsLogged.set(key, now);
          log.error(
            { from: auth.from, ourCluster: identity.id, theirCluster },
            `refused peer link from server ${auth.from}: it belongs to cluster ${theirCluster}, ` +
              `this server to cluster ${identity.id} (a server of another cluster, or a misconfigured --peers)`,
          );
        }
        return refuse(socket, 403, admission.reason);
      }
      if (admission.learned && !wasKnown) {
        log.warn(
          { from: auth.from, clusterId: theirCluster },
          `cluster id ${theirCluster} learned from server ${auth.from}; recorded in the store when recovery completes`,
        );
      }
      peerWss.handleUpgrade(request, socket, head, (ws) => links.acceptInbound(auth.from, ws));
      return;
    }
    if (path === '/ws') {
      // A recovering server has nothing to serve yet (its state is behind, it cannot vote).
      if (driver.replica.status().role === 'recovering') return refuse(socket, 503, 'recovering');
      // A browser always sends Origin: only pages from an allowed origin may connect (see
      // origins.ts). No Origin means no browser page, so no cross-site request to refuse.
      const origin = request.headers.origin;
      if (origin !== undefined && !config.allowedOrigins.includes(origin)) {
        return refuse(socket, 403, 'origin not allowed');
      }
      const address = request.socket.remoteAddress ?? 'unknown';
      const open = perAddress.get(address) ?? 0;
      if (open >= config.maxConnectionsPerAddress)
        return refuse(socket, 429, 'too many connections from this address');
      clientWss.handleUpgrade(request, socket, head, (ws) => {
        perAddress.set(address, open + 1);
        const session = new ClientSession(ws, socket, address, services);
        liveness.track(ws, () => session.greeted);
        ws.on('message', (data, isBinary) => session.onFrame(data as Buffer, isBinary));
        // ws has already answered a bad frame (an oversized one: 1009) with a close frame and
        // will end the socket once it is written. terminate() here would destroy the socket with
        // the frame's unread bytes pending, so TCP resets it and the client sees 1006 instead of
        // the close code. Only a peer that does not let the close finish is cut off, later.
        ws.on('error', () => {
          setTimeout(() => ws.terminate(), CLOSE_GRACE_MS).unref();
        });
        ws.on('close', () => {
          session.onClose();
          const left = (perAddress.get(address) ?? 1) - 1;
          if (left <= 0) perAddress.delete(address);
          else perAddress.set(address, left);
        });
      });
      return;
    }
    refuse(socket, 404, 'no such endpoint');
  }
  app.server.on('upgrade', onUpgrade);

  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = config.publicUrl ?? `ws://${config.host}:${port}/ws`;

  const balancerLinks = config.balancers.map(
    (balancerUrl) =>
      new BalancerLink({
        balancerUrl,
        id: config.id,
        publicUrl: url,
        secret: config.clusterSecret,
        log,
        heartbeat: () => {
          const s = status();
          return {
            type: 'heartbeat',
            id: s.id,
            load: s.clients,
            role: s.role,
            leaderId: s.leaderId,
            ballot: s.ballot,
            committed: s.committed,
            applied: s.applied,
            snapshot: s.snapshot,
            peersUp: s.peersUp,
            ...(s.recovery !== undefined && { recovery: s.recovery }),
          };
        },
      }),
  );

  const startStatus = driver.replica.status();
  if (startStatus.role === 'recovering') {
    log.warn(
      {
        incarnation: startStatus.recovery?.incarnation,
        needed: startStatus.recovery?.needed,
        newStore: store.created,
        dataDir: store.dir,
      },
      `this server's store is new and its cluster exists: recovering from its peers before it votes ` +
        `(it needs answers from ${startStatus.recovery?.needed ?? 'a majority of the'} other servers)`,
    );
  }
  let lastRecoveryLog = Date.now();
  driver.start();
  links.start();
  for (const link of balancerLinks) link.start();
  let lastRole = driver.replica.status().role;
  let leaderlessSince: number | null = null;
  let evacuatedAt = 0;
  function evacuateIfCutOff(): void {
    const now = Date.now();
    const leader = driver.replica.status().leaderId;
    leaderlessSince = leader === null ? (leaderlessSince ?? now) : null;
    const cutOff =
      (leaderlessSince !== null && now - leaderlessSince > config.cutOffLeaderlessMs) ||
      pending.oldestAge(now) > config.cutOffStuckMs;
    if (!cutOff || now - evacuatedAt < config.cutOffStuckMs || clientWss.clients.size === 0) return;
    evacuatedAt = now;
    log.warn(
      { leader, pending: pending.size },
      'cut off from the majority: sending clients to other servers',
    );
    for (const client of clientWss.clients) client.close(CLOSE.cutOff, 'no_quorum');
  }
  const statusTimer = setInterval(() => {
    evacuateIfCutOff();
    links.gossip({ type: 'status', from: config.id, status: status() });
    const replicaStatus = driver.replica.status();
    const role = replicaStatus.role;
    if (role !== lastRole) {
      lastRole = role;
      for (const link of balancerLinks) link.beat();
    }
    const recovery = replicaStatus.recovery;
    if (recovery && Date.now() - lastRecoveryLog >= RECOVERY_LOG_MS) {
      lastRecoveryLog = Date.now();
      log.warn(
        { ...recovery, clusterId: identity.id, peersUp: links.connectedPeers() },
        recovery.target === null
          ? `still recovering: ${recovery.answered.length} of the ${recovery.needed} answers needed ` +
              '(a majority of the other servers must be reachable)'
          : `still recovering: catching up to slot ${recovery.target} (at ${replicaStatus.committed})`,
      );
    }
    hub.pushCluster(() => clusterFrame());
  }, STATUS_GOSSIP_MS);
  const presenceTimer = setInterval(
    () => links.gossip({ type: 'presence', from: config.id, rooms: hub.localPresence() }),
    PRESENCE_GOSSIP_MS,
  );

  async function close(): Promise<void> {
    if (shuttingDown) return;
    shuttingDown = true;
    clearInterval(statusTimer);
    clearInterval(presenceTimer);
    liveness.close();
    for (const link of balancerLinks) link.close();
    for (const client of clientWss.clients) client.close(CLOSE.shuttingDown, 'shutting_down');
    pending.close();
    archive.stop();
    driver.stop();
    links.close();
    for (const peer of peerWss.clients) peer.terminate();
    await app.close();
    await driver.idle();
    await store.close();
  }

  return { app, url, close };
}

/**
 * Checks the opened store against the configuration, and gives a store from before cluster ids
 * its (derived) id. Throws StartRefused when the server must not start on it.
 */
async function checkStore(
  store: DurableStore,
  config: ServerConfig,
  log: FastifyInstance['log'],
): Promise<void> {
  const { replicaId, clusterId, recovering } = store.identity;
  if (replicaId !== null && replicaId !== config.id) {
    throw new StartRefused(
      `the store in ${store.dir} was made for server ${replicaId}, and this is server ${config.id}: ` +
        'check --id and --data-dir',
    );
  }
  if (!recovering && clusterId === null) {
    const derived = legacyClusterId(config.clusterSecret);
    await store.persist({ entries: [] }, { clusterId: derived });
    log.warn(
      { clusterId: derived },
      'the store is from before cluster ids: cluster id derived from the cluster secret and recorded',
    );
  }
}
