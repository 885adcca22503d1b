import { type PaxosPhase, type PeerMessage, phaseOf } from '@quorum/protocol';

/**
 * Fault injection on outgoing peer messages, for tests and teaching. Off unless asked for.
 *
 * Spec syntax (the seed's `-mode`, extended), parts joined by `::`:
 *   p:S  a:S  c:S   delay prepare/promise, accept/accepted/forward, commit messages by S seconds
 *   d:S             drop every outgoing peer message from S seconds after start (d:0 = from now)
 *   drop:R          drop each outgoing peer message with probability R (0..1)
 *   jitter:MS       add a uniformly random delay of 0..MS milliseconds (the seed's 0-1 s = jitter:1000)
 *   to:1,3          apply the rules above only to messages toward these peers
 */
export interface FaultPlan {
  readonly delayMs: Partial<Record<PaxosPhase, number>>;
  readonly dropAfterMs: number | null;
  readonly dropRate: number;
  readonly jitterMs: number;
  readonly toPeers: readonly number[] | null;
}

export const NO_FAULTS: FaultPlan = {
  delayMs: {},
  dropAfterMs: null,
  dropRate: 0,
  jitterMs: 0,
  toPeers: null,
};

export type FaultParse = { ok: true; plan: FaultPlan } | { ok: false; error: string };

export function parseFaults(spec: string): FaultParse {
  const trimmed = spec.trim();
  if (trimmed === '' || trimmed === 'none') return { ok: true, plan: NO_FAULTS };
  const delayMs: Partial<Record<PaxosPhase, number>> = {};
  let dropAfterMs: number | null = null;
  let dropRate = 0;
  let jitterMs = 0;
  let toPeers: number[] | null = null;
  const phases: Record<string, PaxosPhase> = { p: 'prepare', a: 'accept', c: 'commit' };
  for (const part of trimmed.split('::')) {
    const [key, value = ''] = part.split(':', 2).map((s) => s.trim()) as [string, string?];
    const number = Number(value);
    const phase = phases[key];
    if (phase !== undefined) {
      if (!Number.isFinite(number) || number < 0) return { ok: false, error: `bad delay in "${part}"` };
      delayMs[phase] = number * 1000;
    } else if (key === 'd') {
      if (!Number.isFinite(number) || number < 0) return { ok: false, error: `bad drop time in "${part}"` };
      dropAfterMs = number * 1000;
    } else if (key === 'drop') {
      if (!Number.isFinite(number) || number < 0 || number > 1)
        return { ok: false, error: `bad drop rate in "${part}"` };
      dropRate = number;
    } else if (key === 'jitter') {
      if (!Number.isFinite(number) || number < 0 || number > 60_000)
        return { ok: false, error: `bad jitter in "${part}"` };
      jitterMs = number;
    } else if (key === 'to') {
      const ids = value.split(',').map(Number);
      if (ids.some((id) => !Number.isInteger(id) || id < 1))
        return { ok: false, error: `bad peer list in "${part}"` };
      toPeers = ids;
    } else {
      return {
        ok: false,
        error: `unknown fault "${part}" (expected p:S, a:S, c:S, d:S, drop:R, jitter:MS, to:IDS)`,
      };
    }
  }
  return { ok: true, plan: { delayMs, dropAfterMs, dropRate, jitterMs, toPeers } };
}

/**
 * The phase a message belongs to for fault injection. A follower's `forward` carries its own
 * clients' proposals into Phase 2, so delaying a server's accept phase delays its proposals too,
 * as in the seed's test ("server 1 shouldn't get committed until ...").
 */
export function faultPhase(type: PeerMessage['type']): PaxosPhase {
  return type === 'forward' ? 'accept' : phaseOf(type);
}

export type FaultDecision = { readonly drop: true } | { readonly drop: false; readonly delayMs: number };

/** What to do with one outgoing message. `elapsedMs` is time since the plan was installed. */
export function decideFault(
  plan: FaultPlan,
  to: number,
  message: PeerMessage,
  elapsedMs: number,
  random: () => number,
): FaultDecision {
  if (plan.toPeers !== null && !plan.toPeers.includes(to)) return { drop: false, delayMs: 0 };
  if (plan.dropAfterMs !== null && elapsedMs >= plan.dropAfterMs) return { drop: true };
  if (plan.dropRate > 0 && random() < plan.dropRate) return { drop: true };
  const phaseDelay = plan.delayMs[faultPhase(message.type)] ?? 0;
  const jitter = plan.jitterMs > 0 ? Math.floor(random() * plan.jitterMs) : 0;
  return { drop: false, delayMs: phaseDelay + jitter };
}

export function isActive(plan: FaultPlan): boolean {
  return (
    plan.dropAfterMs !== null ||
    plan.dropRate > 0 ||
    plan.jitterMs > 0 ||
    Object.values(plan.delayMs).some((d) => (d ?? 0) > 0)
  );
}
