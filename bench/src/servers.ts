import type { ServerProcess, TestCluster } from '@quorum/testkit';
import { metricsOf } from './cluster.js';
import { cpuSeconds, memory, runQueueSeconds } from './machine.js';

export interface ServerSample {
  readonly id: number;
  readonly pid: number | undefined;
  readonly role: string;
  readonly at: number;
  readonly cpuSeconds: number | null;
  readonly runQueueSeconds: number | null;
  readonly rssBytes: number | null;
  readonly peakRssBytes: number | null;
  readonly metrics: ReadonlyMap<string, number>;
}

export async function sampleServer(server: ServerProcess): Promise<ServerSample> {
  const [health, metrics] = await Promise.all([
    server.health().catch(() => null),
    metricsOf(server).catch(() => new Map<string, number>()),
  ]);
  const mem = memory(server.pid);
  return {
    id: server.id,
    pid: server.pid,
    role: health?.role ?? 'down',
    at: performance.now(),
    cpuSeconds: cpuSeconds(server.pid),
    runQueueSeconds: runQueueSeconds(server.pid),
    rssBytes: mem?.rssBytes ?? null,
    peakRssBytes: mem?.peakRssBytes ?? null,
    metrics,
  };
}

/** One sample of every running server (CPU from /proc, memory, /metrics, role). */
export function sampleServers(cluster: TestCluster): Promise<ServerSample[]> {
  return Promise.all(cluster.running().map((s) => sampleServer(s)));
}

export function metricDelta(before: ServerSample, after: ServerSample, name: string): number {
  return (after.metrics.get(name) ?? 0) - (before.metrics.get(name) ?? 0);
}

export interface ServerDelta {
  readonly id: number;
  readonly role: string;
  readonly cpuSeconds: number;
  readonly cores: number;
  /** Share of the window the event loop waited for a CPU (0..1). */
  readonly runQueueShare: number;
  readonly peerSent: number;
  readonly durableWrites: number;
  readonly appliedCommands: number;
  readonly rssBytes: number | null;
  readonly peakRssBytes: number | null;
}

/** Per-server differences between two samplings (same servers, same processes). */
export function deltas(before: readonly ServerSample[], after: readonly ServerSample[]): ServerDelta[] {
  return after.flatMap((a) => {
    const b = before.find((x) => x.id === a.id && x.pid === a.pid);
    if (!b) return [];
    const cpu = (a.cpuSeconds ?? 0) - (b.cpuSeconds ?? 0);
    const seconds = (a.at - b.at) / 1000;
    return [
      {
        id: a.id,
        role: a.role,
        cpuSeconds: cpu,
        cores: seconds > 0 ? cpu / seconds : 0,
        runQueueShare: seconds > 0 ? ((a.runQueueSeconds ?? 0) - (b.runQueueSeconds ?? 0)) / seconds : 0,
        peerSent: metricDelta(b, a, 'quorum_peer_messages_sent'),
        durableWrites: metricDelta(b, a, 'quorum_durable_writes'),
        appliedCommands: metricDelta(b, a, 'quorum_applied_commands'),
        rssBytes: a.rssBytes,
        peakRssBytes: a.peakRssBytes,
      },
    ];
  });
}
