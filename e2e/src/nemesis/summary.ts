import { ANOMALY_KINDS, type AnomalyKind } from './checker.js';
import type { NemesisResult } from './run.js';

const LABELS: Record<AnomalyKind, string> = {
  lost: 'lost',
  duplicated: 'duplicated',
  reordered: 'reordered',
  divergent: 'divergent',
  phantom: 'phantom',
  staleRead: 'stale reads',
  replicaDivergence: 'replica divergence',
  missedDelivery: 'missed deliveries',
  failedButCommitted: 'failed-but-committed',
};

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** The one-screen summary printed at the end of a run. */
export function formatSummary(result: NemesisResult, outPath: string | null): string {
  const o = result.options;
  const lines: string[] = [];
  lines.push(
    `Quorum Chat nemesis: seed ${o.seed}, ${o.servers} servers, ${o.clients} clients x ${o.rate}/s, ` +
      `${o.rooms} rooms, ${o.minutes} min of load (wall ${duration(result.wallMs)})`,
  );
  const actions = new Map<string, number>();
  for (const e of result.faults) {
    const name = e.action === 'plan' ? (e.spec === 'none' ? null : 'fault plan') : e.action;
    if (name !== null && e.action !== 'start' && e.action !== 'resume' && e.action !== 'heal')
      actions.set(name, (actions.get(name) ?? 0) + 1);
  }
  lines.push(
    `faults:   ${result.schedule.episodes.length} episodes planned; executed ${
      [...actions.entries()].map(([k, n]) => `${k} x${n}`).join(', ') || 'none'
    }; healed at ${seconds(result.timeline.healed)}`,
  );
  const c = result.check;
  if (c !== null) {
    const t = c.totals;
    lines.push(
      `load:     attempted ${t.attempted}, acked ${t.acked}, failed ${t.failed}, pending at end ${t.pendingAtEnd}, ` +
        `in final history ${t.inHistory}`,
    );
    lines.push(
      `          received ${t.received} deliveries; reads ${t.reads} (${t.readsOk} answered, ${t.readsFailed} refused or timed out); ` +
        `history resets ${t.historyResets}`,
    );
    const a = c.availability;
    lines.push(
      `availability: longest window without an ack ${seconds(a.longestGapMs)} ` +
        `(${seconds(a.longestGapFromMs)} .. ${seconds(a.longestGapToMs)} into the load)`,
    );
    lines.push(
      `          acks/s before faults ${a.acksPerSecond.before} | during ${a.acksPerSecond.during} | after heal ${a.acksPerSecond.after}; ` +
        `ack latency p50 ${a.ackLatencyMs.p50} ms, p99 ${a.ackLatencyMs.p99} ms, max ${a.ackLatencyMs.max} ms`,
    );
    if (result.clients.length > 0) {
      lines.push(
        `clients:  longest own wait ${result.clients.map((x) => (x.longestGapMs / 1000).toFixed(1)).join(' / ')} s; ` +
          `connections ${result.clients.map((x) => x.connections).join(' / ')}`,
      );
    }
    lines.push(
      `replicas: ${t.replicas} read after the heal` +
        (result.finalDigest === null
          ? ''
          : `; converged at slot ${result.finalDigest.slot}, digest ${result.finalDigest.hash.slice(0, 16)}`),
    );
    if (result.archives.length > 0) {
      const each = result.archives.map((r) => `s${r.serverId} ${r.written} + ${r.backfilled}`);
      lines.push(
        `archive:  messages archived + fetched from peers after a snapshot install: ${each.join(', ')}`,
      );
    }
    const counts = ANOMALY_KINDS.map((k) => `${LABELS[k]} ${c.counts[k]}`);
    lines.push(`anomalies: ${counts.slice(0, 5).join(', ')}`);
    lines.push(`           ${counts.slice(5).join(', ')}`);
    for (const kind of ANOMALY_KINDS) {
      if (c.counts[kind] === 0) continue;
      for (const example of c.examples[kind].slice(0, 3)) lines.push(`  ${LABELS[kind]}: ${example}`);
    }
  } else {
    lines.push('check:    not run (the run did not complete)');
  }
  for (const error of result.errors.slice(0, 5)) lines.push(`error: ${error.split('\n')[0]?.slice(0, 300)}`);
  if (result.errors.length > 5) lines.push(`... and ${result.errors.length - 5} more errors (see the JSON)`);
  const verdict =
    c === null
      ? 'RUN FAILED'
      : !c.ok
        ? 'FAIL: anomalies found'
        : result.errors.length > 0
          ? 'FAIL: the run had errors'
          : 'PASS: every anomaly count is zero';
  lines.push(`result:   ${verdict}${outPath === null ? '' : `; details in ${outPath}`}`);
  lines.push(`replay:   ${result.replay}`);
  return lines.join('\n');
}
