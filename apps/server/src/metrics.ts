import type { ReplicaStatus } from '@quorum/protocol';
import { Counter, Gauge, Registry } from 'prom-client';

/** Prometheus metrics for one server (`GET /metrics`). */
export function createMetrics() {
  const registry = new Registry();
  const gauge = (name: string, help: string) => new Gauge({ name, help, registers: [registry] });
  const committed = gauge('quorum_commit_watermark', 'Highest slot known chosen, with every slot below it.');
  const applied = gauge('quorum_applied_slot', 'Highest slot applied to the chat state machine.');
  const snapshot = gauge('quorum_snapshot_slot', 'Last slot covered by the snapshot.');
  const isLeader = gauge('quorum_is_leader', '1 when this server leads.');
  const ballotRound = gauge('quorum_ballot_round', 'Round of the ballot this server follows or leads with.');
  const clients = gauge('quorum_clients', 'Authenticated client connections.');
  const peersUp = gauge('quorum_peers_up', 'Peers with an open outbound link.');
  const pendingCommands = gauge(
    'quorum_pending_commands',
    'Client commands proposed here and not yet applied.',
  );
  const peerSent = gauge('quorum_peer_messages_sent', 'Peer messages written to links.');
  const peerFrames = gauge(
    'quorum_peer_frames_sent',
    'Peer frames written (a frame batches one turn of messages to a peer).',
  );
  const peerReceived = gauge('quorum_peer_messages_received', 'Valid peer messages received.');
  const peerDropped = gauge(
    'quorum_peer_messages_dropped',
    'Peer messages dropped (fault injection, full or down link).',
  );
  const persists = gauge('quorum_durable_writes', 'Durable (fsynced) group-commit writes.');
  const walAppends = gauge('quorum_wal_appends', 'Durable writes that were one write-ahead log append.');
  const checkpoints = gauge(
    'quorum_checkpoints',
    'Write-ahead log checkpoints (the log folded into LMDB: snapshots, a full log, open).',
  );
  const appliedCommands = gauge('quorum_applied_commands', 'Commands applied.');
  const commandsApplied = new Counter({
    name: 'quorum_commands_applied_total',
    help: 'Commands applied, by op and dedup status.',
    labelNames: ['op', 'dedup'],
    registers: [registry],
  });
  const clientFrames = new Counter({
    name: 'quorum_client_frames_total',
    help: 'Client frames by type (frame_rejected for invalid ones).',
    labelNames: ['event'],
    registers: [registry],
  });
  const peerRefused = new Counter({
    name: 'quorum_peer_links_refused_total',
    help: 'Peer link upgrades refused, by reason.',
    labelNames: ['reason'],
    registers: [registry],
  });

  return {
    registry,
    commandsApplied,
    clientFrames,
    peerRefused,
    observe(
      status: ReplicaStatus,
      links: { sent: number; frames: number; received: number; dropped: number },
      driver: { persists: number; appliedCommands: number },
      store: { walAppends: number; checkpoints: number },
      pending: number,
    ): void {
      committed.set(status.committed);
      applied.set(status.applied);
      snapshot.set(status.snapshot);
      isLeader.set(status.role === 'leader' ? 1 : 0);
      ballotRound.set(status.ballot.round);
      clients.set(status.clients);
      peersUp.set(status.peersUp.length);
      pendingCommands.set(pending);
      peerSent.set(links.sent);
      peerFrames.set(links.frames);
      peerReceived.set(links.received);
      peerDropped.set(links.dropped);
      persists.set(driver.persists);
      walAppends.set(store.walAppends);
      checkpoints.set(store.checkpoints);
      appliedCommands.set(driver.appliedCommands);
    },
  };
}
