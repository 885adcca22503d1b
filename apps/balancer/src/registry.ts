import type {
  AssignResponse,
  Ballot,
  KnownServer,
  RecoveryStatus,
  Role,
  ServerStatus,
} from '@quorum/protocol';
import { type LeaderReport, pickLeader } from './leader.js';

/**
 * The balancer's soft state: which configured servers are connected, what they last reported,
 * and who gets the next client. Pure apart from the injected clock, so every rule here is
 * unit-tested without sockets or timers. Nothing is persisted: a restarted balancer rebuilds
 * all of this from registrations and heartbeats within one heartbeat interval.
 */

/** What a heartbeat carries, minus the envelope. */
export interface ServerReport {
  readonly load: number;
  readonly role: Role;
  readonly leaderId: number | null;
  readonly ballot: Ballot;
  readonly committed: number;
  readonly applied: number;
  readonly snapshot: number;
  readonly peersUp: readonly number[];
  /** While `role` is `recovering`. */
  readonly recovery?: RecoveryStatus;
}

export interface RegistryOptions {
  /** The configured server ids (the fixed membership). */
  readonly servers: readonly number[];
  /** A connected server that has not been heard from for longer than this leaves rotation. */
  readonly deadAfterMs: number;
  /** Monotonic milliseconds. */
  readonly now: () => number;
}

export type AssignResult =
  | { readonly ok: true; readonly value: AssignResponse }
  | { readonly ok: false; readonly code: 'no_quorum' | 'no_servers'; readonly message: string };

/** Everything `GET /cluster` shows except the balancer's own id. */
export interface RegistryStatus {
  readonly ready: boolean;
  readonly size: number;
  readonly leaderId: number | null;
  readonly servers: ServerStatus[];
}

export interface HealthChanges {
  readonly joined: number[];
  readonly left: number[];
}

interface Entry {
  readonly id: number;
  url: string | null;
  /** The current connection's session, or null while disconnected. */
  session: number | null;
  /** When the server was last heard from (registration or heartbeat), monotonic ms. */
  lastSeen: number | null;
  report: ServerReport | null;
  /** Clients assigned since the last heartbeat: counted as load until the server reports its own. */
  pending: number;
  everRegistered: boolean;
}

const ZERO_BALLOT: Ballot = { round: 0, node: 0 };

export class Registry {
  readonly ids: readonly number[];
  readonly majority: number;
  private readonly deadAfterMs: number;
  private readonly now: () => number;
  private readonly entries = new Map<number, Entry>();
  private nextSession = 1;
  /** Id of the last server handed out: ties rotate from here. */
  private lastAssigned = 0;
  private healthyAtLastSweep = new Set<number>();

  constructor(options: RegistryOptions) {
    const ids = [...options.servers].sort((a, b) => a - b);
    if (ids.length === 0) throw new Error('at least one server id must be configured');
    for (const [i, id] of ids.entries()) {
      if (!Number.isInteger(id) || id < 1 || id > 65535) throw new Error(`invalid server id ${id}`);
      if (i > 0 && ids[i - 1] === id) throw new Error(`server id ${id} is configured twice`);
    }
    if (!(options.deadAfterMs > 0)) throw new Error('deadAfterMs must be positive');
    this.ids = ids;
    this.majority = Math.floor(ids.length / 2) + 1;
    this.deadAfterMs = options.deadAfterMs;
    this.now = options.now;
    for (const id of ids) {
      this.entries.set(id, {
        id,
        url: null,
        session: null,
        lastSeen: null,
        report: null,
        pending: 0,
        everRegistered: false,
      });
    }
  }

  isConfigured(id: number): boolean {
    return this.entries.has(id);
  }

  /**
   * An authenticated registration: the server is in rotation from now on. Returns the session
   * that later heartbeats and the disconnect must present; a newer registration of the same id
   * supersedes every older session (the caller closes the old socket).
   */
  register(id: number, url: string): number {
    const entry = this.entry(id);
    const session = this.nextSession++;
    entry.url = url;
    entry.session = session;
    entry.lastSeen = this.now();
    entry.everRegistered = true;
    return session;
  }

  /** Returns false when `session` is not the server's current one (a superseded connection). */
  heartbeat(id: number, session: number, report: ServerReport): boolean {
    const entry = this.entries.get(id);
    if (entry === undefined || entry.session !== session) return false;
    entry.report = { ...report, peersUp: [...report.peersUp] };
    entry.pending = 0;
    entry.lastSeen = this.now();
    return true;
  }

  /** The connection closed: out of rotation at once. Ignored for superseded sessions. */
  disconnect(id: number, session: number): boolean {
    const entry = this.entries.get(id);
    if (entry === undefined || entry.session !== session) return false;
    entry.session = null;
    entry.pending = 0;
    return true;
  }

  /** True once a majority of the configured servers has registered at least once. */
  ready(): boolean {
    let registered = 0;
    for (const entry of this.entries.values()) if (entry.everRegistered) registered++;
    return registered >= this.majority;
  }

  isHealthy(id: number): boolean {
    const entry = this.entries.get(id);
    return entry !== undefined && this.healthy(entry, this.now());
  }

  healthyIds(): number[] {
    const now = this.now();
    return this.ids.filter((id) => this.healthy(this.entry(id), now));
  }

  /**
   * The least-loaded healthy server not in `exclude` (or, if that excludes every healthy server,
   * the least-loaded healthy one regardless), counted as one more client until its next
   * heartbeat. Ties go round-robin in id order, so a burst of clients spreads out even before
   * any heartbeat reports the new load. `servers` lists every healthy server, least loaded first.
   *
   * A server that reports role `recovering` (it lost its disk and is rebuilding from its peers)
   * is never assigned nor listed: it refuses clients until it has recovered.
   *
   * Among those, a server whose last heartbeat shows links to a majority (itself included) and a
   * known leader is preferred: one cut off from its peers, or in an election, cannot commit, so
   * its clients would only wait. If no candidate qualifies (say, during start-up or an election),
   * that preference is dropped.
   */
  assign(exclude: Iterable<number> = []): AssignResult {
    if (!this.ready()) {
      return {
        ok: false,
        code: 'no_quorum',
        message: `Waiting for a majority (${this.majority} of ${this.ids.length}) of the servers to register.`,
      };
    }
    const now = this.now();
    const live = [...this.entries.values()].filter((entry) => this.healthy(entry, now));
    const healthy = live.filter((entry) => entry.report?.role !== 'recovering');
    if (healthy.length === 0) {
      const message =
        live.length > 0
          ? 'Every reachable server is recovering (rebuilding its store from its peers); retry shortly.'
          : 'No server is healthy right now; retry shortly.';
      return { ok: false, code: 'no_servers', message };
    }
    const excluded = new Set(exclude);
    const allowed = healthy.filter((entry) => !excluded.has(entry.id));
    const eligible = allowed.length > 0 ? allowed : healthy;
    const quorate = eligible.filter((entry) => this.reachesMajority(entry));
    const candidates = quorate.length > 0 ? quorate : eligible;

    const lowest = Math.min(...candidates.map(effectiveLoad));
    const tied = candidates.filter((entry) => effectiveLoad(entry) === lowest);
    const chosen = tied.find((entry) => entry.id > this.lastAssigned) ?? tied[0];
    if (chosen === undefined || chosen.url === null) throw new Error('unreachable: no candidate');
    chosen.pending++;
    this.lastAssigned = chosen.id;

    const servers: KnownServer[] = healthy
      .sort((a, b) => effectiveLoad(a) - effectiveLoad(b) || a.id - b.id)
      .map((entry) => ({ id: entry.id, url: entry.url as string }));
    return { ok: true, value: { serverId: chosen.id, url: chosen.url, servers } };
  }

  leaderId(): number | null {
    const now = this.now();
    const reports: LeaderReport[] = [];
    for (const entry of this.entries.values()) {
      if (entry.report !== null && this.healthy(entry, now)) reports.push({ id: entry.id, ...entry.report });
    }
    return pickLeader(reports);
  }

  /**
   * Every configured server. A server out of rotation keeps its last log positions (useful to
   * see how far behind it was) but shows role `unknown` and load 0.
   */
  status(): RegistryStatus {
    const now = this.now();
    const servers = this.ids.map((id): ServerStatus => {
      const entry = this.entry(id);
      const healthy = this.healthy(entry, now);
      const report = entry.report;
      return {
        id,
        url: entry.url,
        healthy,
        load: healthy ? (report?.load ?? 0) : 0,
        role: healthy && report !== null ? report.role : 'unknown',
        leaderId: healthy ? (report?.leaderId ?? null) : null,
        ballot: report?.ballot ?? ZERO_BALLOT,
        committed: report?.committed ?? 0,
        applied: report?.applied ?? 0,
        snapshot: report?.snapshot ?? 0,
        peersUp: healthy && report !== null ? [...report.peersUp] : [],
        ...(healthy &&
          report?.role === 'recovering' &&
          report.recovery !== undefined && {
            recovery: { ...report.recovery, answered: [...report.recovery.answered] },
          }),
        lastSeenMs: entry.lastSeen === null ? null : Math.max(0, Math.round(now - entry.lastSeen)),
      };
    });
    return { ready: this.ready(), size: this.ids.length, leaderId: this.leaderId(), servers };
  }

  /** Which servers entered or left rotation since the previous call (for logging). */
  sweep(): HealthChanges {
    const now = new Set(this.healthyIds());
    const joined = [...now].filter((id) => !this.healthyAtLastSweep.has(id));
    const left = [...this.healthyAtLastSweep].filter((id) => !now.has(id));
    this.healthyAtLastSweep = now;
    return { joined, left };
  }

  /** Whether the server's last heartbeat shows a leader and open links to a majority, counting itself. */
  private reachesMajority(entry: Entry): boolean {
    if (entry.report === null || entry.report.leaderId === null) return false;
    const peers = new Set(entry.report.peersUp.filter((id) => id !== entry.id && this.entries.has(id)));
    return peers.size + 1 >= this.majority;
  }

  private healthy(entry: Entry, now: number): boolean {
    return (
      entry.session !== null &&
      entry.url !== null &&
      entry.lastSeen !== null &&
      now - entry.lastSeen <= this.deadAfterMs
    );
  }

  private entry(id: number): Entry {
    const entry = this.entries.get(id);
    if (entry === undefined) throw new Error(`server ${id} is not configured`);
    return entry;
  }
}

function effectiveLoad(entry: Entry): number {
  return (entry.report?.load ?? 0) + entry.pending;
}
