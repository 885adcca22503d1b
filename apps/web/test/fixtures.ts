import type { ClusterStatus, ReplicaStatus, ServerStatus } from '@quorum/protocol';
import type { ClusterFrame } from '../src/state/cluster-model.js';

export function replica(id: number, partial: Partial<ReplicaStatus> = {}): ReplicaStatus {
  return {
    id,
    role: 'follower',
    leaderId: 2,
    ballot: { round: 3, node: 2 },
    committed: 100,
    applied: 100,
    snapshot: 0,
    clients: 1,
    peersUp: [1, 2, 3].filter((p) => p !== id),
    ...partial,
  };
}

export function frame(replicas: ReplicaStatus[], serverId = 1, leaderId: number | null = 2): ClusterFrame {
  return { type: 'cluster', serverId, leaderId, replicas };
}

export function server(id: number, partial: Partial<ServerStatus> = {}): ServerStatus {
  return {
    id,
    url: `ws://127.0.0.1:710${id}/ws`,
    healthy: true,
    load: 0,
    role: 'follower',
    leaderId: 2,
    ballot: { round: 3, node: 2 },
    committed: 100,
    applied: 100,
    snapshot: 0,
    peersUp: [],
    lastSeenMs: 100,
    ...partial,
  };
}

export function status(servers: ServerStatus[], leaderId: number | null = 2): ClusterStatus {
  return { balancerId: 'b', ready: true, size: servers.length, leaderId, servers };
}
