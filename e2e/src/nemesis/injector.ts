import { readFileSync } from 'node:fs';
import type { ServerProcess, TestCluster } from '@quorum/testkit';
import type { Prng } from './prng.js';
import type { FaultEvent } from './records.js';
import { describeFault, type Episode, type Fault, type Role } from './schedule.js';

const ADMIN_TIMEOUT_MS = 2_000;
const ADMIN_ATTEMPTS = 3;
const START_ATTEMPTS = 3;
/** How long the end of an episode waits for a wiped server to finish recovering (it stays faulty after). */
const RECOVERY_WAIT_MS = 20_000;

interface Applied {
  readonly episode: Episode;
  /** Servers whose process was killed/stopped (restart at the end). */
  readonly down: number[];
  /** Servers paused (resume at the end). */
  readonly paused: number[];
  /** Servers whose disk was lost (restarted at once; faulty until recovered). */
  readonly wiped: number[];
  /** Servers given a fault plan (clear at the end). */
  readonly planned: number[];
  /** The episode's targets, counted as faulty until it is reverted. */
  readonly targets: number[];
  readonly description: string[];
}

/**
 * Executes the nemesis schedule on a real TestCluster: signals for process faults, the admin
 * fault endpoint (`POST /admin/faults`) for network faults. It never has more than f servers
 * faulty at once (a server that failed to come back counts) and logs every action.
 */
export class FaultInjector {
  readonly events: FaultEvent[] = [];
  /** Problems of the nemesis itself (a restart that failed...), not anomalies of the system. */
  readonly errors: string[] = [];
  readonly #faulty = new Set<number>();
  readonly #planned = new Set<number>();
  readonly #paused = new Set<number>();
  /** Wiped servers still recovering after their episode ended: faulty until they are voters again. */
  readonly #recovering = new Set<number>();

  constructor(
    private readonly cluster: TestCluster,
    private readonly adminToken: string,
    private readonly f: number,
    private readonly prng: Prng,
    private readonly log: (line: string) => void = () => {},
  ) {}

  get faulty(): number {
    return this.#faulty.size;
  }

  #event(action: FaultEvent['action'], server: number, extra: { spec?: string; note?: string } = {}): void {
    this.events.push({ t: Date.now(), action, server, ...extra });
  }

  /** The leader as the running servers report it (null if unknown within a second). */
  async leader(): Promise<number | null> {
    const healths = await Promise.all(this.cluster.running().map((s) => s.health().catch(() => null)));
    const votes = new Map<number, number>();
    for (const h of healths) {
      if (h?.role === 'leader') votes.set(h.id, (votes.get(h.id) ?? 0) + 2);
      else if (h?.leaderId != null) votes.set(h.leaderId, (votes.get(h.leaderId) ?? 0) + 1);
    }
    const best = [...votes.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0];
    return best === undefined ? null : best[0];
  }

  async #resolve(roles: readonly Role[]): Promise<number[] | null> {
    const leader = roles.includes('leader') || roles.includes('follower') ? await this.leader() : null;
    const healthy = this.cluster.servers.map((s) => s.id).filter((id) => !this.#faulty.has(id));
    const chosen: number[] = [];
    for (const role of roles) {
      const free = healthy.filter((id) => !chosen.includes(id));
      if (free.length === 0) return null;
      let pick: number;
      if (role === 'leader' && leader !== null && free.includes(leader)) pick = leader;
      else if (role === 'follower') {
        const followers = free.filter((id) => id !== leader);
        pick = this.prng.pick(followers.length > 0 ? followers : free);
      } else pick = this.prng.pick(free);
      chosen.push(pick);
    }
    return chosen;
  }

  async #admin(server: ServerProcess, spec: string): Promise<boolean> {
    for (let attempt = 1; attempt <= ADMIN_ATTEMPTS; attempt++) {
      if (!server.running) return false;
      try {
        const response = await fetch(`${server.httpUrl}/admin/faults`, {
          method: 'POST',
          headers: { authorization: `Bearer ${this.adminToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({ spec }),
          signal: AbortSignal.timeout(ADMIN_TIMEOUT_MS),
        });
        if (response.ok) return true;
        this.errors.push(
          `admin ${spec} on server ${server.id}: HTTP ${response.status} ${await response.text()}`,
        );
        return false;
      } catch (error) {
        if (attempt === ADMIN_ATTEMPTS) {
          this.errors.push(
            `admin ${spec} on server ${server.id}: ${String(error)}; ${await diagnose(server)}`,
          );
          return false;
        }
        await sleep(200 * attempt);
      }
    }
    return false;
  }

  async #plan(id: number, spec: string): Promise<void> {
    const ok = await this.#admin(this.cluster.server(id), spec);
    if (ok) this.#planned.add(id);
    this.#event('plan', id, { spec, ...(ok ? {} : { note: 'failed' }) });
  }

  async #start(id: number): Promise<boolean> {
    const server = this.cluster.server(id);
    for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
      if (server.running) return true;
      try {
        await server.start();
        this.#event('start', id);
        return true;
      } catch (error) {
        this.#event('start', id, { note: `failed: ${String(error).slice(0, 300)}` });
        if (attempt === START_ATTEMPTS) {
          this.errors.push(`server ${id} did not restart: ${String(error).slice(0, 2000)}`);
          return false;
        }
        await sleep(500 * attempt);
      }
    }
    return false;
  }

  /** True once `id` answers health as anything but `recovering` (false if it does not answer). */
  async #recovered(id: number): Promise<boolean> {
    const health = await this.cluster
      .server(id)
      .health()
      .catch(() => null);
    return health !== null && health.role !== 'recovering';
  }

  /** Waits (bounded) for a wiped server to vote again; logs it either way. */
  async #awaitRecovery(id: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (await this.#recovered(id)) {
        this.#recovering.delete(id);
        this.#event('recovered', id);
        return true;
      }
      if (Date.now() >= deadline) {
        this.#recovering.add(id);
        this.log(`server ${id} still recovering after ${Math.round(timeoutMs / 1000)} s; it stays faulty`);
        return false;
      }
      await sleep(100);
    }
  }

  /** Wiped servers that finished recovering since stop counting as faulty. */
  async #refreshRecovering(): Promise<void> {
    for (const id of [...this.#recovering]) {
      if (await this.#awaitRecovery(id, 0)) this.#faulty.delete(id);
    }
  }

  /** Applies an episode's faults; null when it was skipped (it would exceed f). */
  async apply(episode: Episode): Promise<Applied | null> {
    await this.#refreshRecovering();
    const faults = episode.faults;
    if (this.#faulty.size + faults.length > this.f) {
      this.log(`skipping an episode: ${this.#faulty.size} server(s) still faulty`);
      return null;
    }
    const targets = await this.#resolve(faults.map((x) => x.target));
    if (targets === null) return null;
    const applied: Applied = {
      episode,
      down: [],
      paused: [],
      wiped: [],
      planned: [],
      targets,
      description: [],
    };
    for (const id of targets) this.#faulty.add(id);
    const all = this.cluster.servers.map((s) => s.id);
    // Network faults first (a server about to be paused must get its plan before it stops).
    for (const [i, fault] of faults.entries()) {
      const target = targets[i] as number;
      const others = all.filter((id) => id !== target);
      const plans = networkPlans(fault, target, others, targets, this.prng);
      if (plans === null) continue;
      applied.description.push(`${describeFault(fault)}=s${target}`);
      for (const [id, spec] of plans) {
        await this.#plan(id, spec);
        applied.planned.push(id);
      }
    }
    for (const [i, fault] of faults.entries()) {
      const target = targets[i] as number;
      const server = this.cluster.server(target);
      if (fault.kind === 'kill' || fault.kind === 'stop') {
        applied.description.push(`${describeFault(fault)}=s${target}`);
        if (fault.kind === 'kill') await server.kill();
        else await server.stop();
        this.#event(fault.kind, target);
        applied.down.push(target);
      } else if (fault.kind === 'wipe') {
        applied.description.push(`${describeFault(fault)}=s${target}`);
        await server.wipe();
        this.#event('wipe', target);
        applied.wiped.push(target);
        if (await this.#start(target)) this.#recovering.add(target);
        else applied.down.push(target);
      } else if (fault.kind === 'pause' || fault.kind === 'stall') {
        // A stall's links were cut above (network plans go first); now the process stops.
        if (fault.kind === 'pause') applied.description.push(`${describeFault(fault)}=s${target}`);
        server.pause();
        this.#paused.add(target);
        this.#event('pause', target);
        applied.paused.push(target);
      }
    }
    this.log(`faults: ${applied.description.join(', ')} for ${Math.round(episode.durationMs / 100) / 10} s`);
    return applied;
  }

  /** Undoes an episode: resume, clear plans, restart. A server that will not restart stays faulty. */
  async revert(applied: Applied): Promise<void> {
    for (const id of applied.paused) {
      this.cluster.server(id).resume();
      this.#paused.delete(id);
      this.#event('resume', id);
    }
    for (const id of new Set(applied.planned)) {
      await this.#plan(id, 'none');
      this.#planned.delete(id);
    }
    const stillDown = new Set<number>();
    for (const id of applied.down) {
      if (!(await this.#start(id))) stillDown.add(id);
    }
    // A wiped server is healthy once it votes again; until then it still counts toward f.
    for (const id of applied.wiped) {
      if (!stillDown.has(id) && !(await this.#awaitRecovery(id, RECOVERY_WAIT_MS))) stillDown.add(id);
    }
    for (const id of applied.targets) if (!stillDown.has(id)) this.#faulty.delete(id);
  }

  /** Heals everything: resume every process, start every stopped server, clear every plan. */
  async healAll(): Promise<void> {
    for (const server of this.cluster.servers) {
      if (server.running) server.resume();
    }
    this.#paused.clear();
    for (const server of this.cluster.servers) {
      if (!server.running) await this.#start(server.id);
    }
    for (const server of this.cluster.servers) {
      await this.#admin(server, 'none');
    }
    this.#planned.clear();
    for (const id of [...this.#recovering]) {
      if (!(await this.#awaitRecovery(id, RECOVERY_WAIT_MS * 3))) {
        this.errors.push(`server ${id} was still recovering ${RECOVERY_WAIT_MS * 3} ms after the heal`);
      }
    }
    this.#faulty.clear();
    this.#event('heal', 0);
  }
}

/** The fault plans a network fault installs, by server id; null for a process fault. */
export function networkPlans(
  fault: Fault,
  target: number,
  others: readonly number[],
  busy: readonly number[],
  prng: Prng,
): [number, string][] | null {
  switch (fault.kind) {
    case 'isolate':
    case 'stall':
      return [[target, 'd:0'], ...others.map((id): [number, string] => [id, `to:${target}::d:0`])];
    case 'mute':
      return [[target, 'd:0']];
    case 'deafen':
      return others.map((id): [number, string] => [id, `to:${target}::d:0`]);
    case 'cut': {
      const candidates = others.filter((id) => !busy.includes(id));
      const peer = prng.pick(candidates.length > 0 ? candidates : others);
      return [
        [target, `to:${peer}::d:0`],
        [peer, `to:${target}::d:0`],
      ];
    }
    case 'degrade':
      return [[target, fault.spec]];
    default:
      return null;
  }
}

/** What a server that does not answer looks like: its process state, health, last output. */
async function diagnose(server: ServerProcess): Promise<string> {
  const parts = [`running ${server.running}, pid ${server.pid ?? '-'}`];
  try {
    const stat = readFileSync(`/proc/${server.pid}/stat`, 'utf8').split(' ');
    parts.push(`state ${stat[2]}, utime ${stat[13]}, stime ${stat[14]}`);
  } catch {
    // Not Linux, or gone.
  }
  const t = Date.now();
  try {
    const h = await server.health();
    parts.push(`health in ${Date.now() - t} ms: ${JSON.stringify(h)}`);
  } catch (error) {
    parts.push(`health failed after ${Date.now() - t} ms: ${String(error)}`);
  }
  parts.push(`log: ${server.log.slice(-1500)}`);
  return parts.join('; ');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
