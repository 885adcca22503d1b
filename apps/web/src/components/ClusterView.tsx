import { useState } from 'react';
import { type FaultResult, injectFault } from '../lib/faults.js';
import { ballotText } from '../lib/format.js';
import { serverHttpBase } from '../lib/urls.js';
import { balancerFresh, type ClusterModel, type ReplicaRow, replicaRows } from '../state/cluster-model.js';
import { AdminPanel } from './AdminPanel.js';
import type { FaultStatus } from './FaultButtons.js';
import { LeaderLog } from './LeaderLog.js';
import { ReplicaCard } from './ReplicaCard.js';

const JUST_ELECTED_MS = 4000;

export type InjectFault = (baseUrl: string, token: string, spec: string) => Promise<FaultResult>;

interface Props {
  model: ClusterModel;
  now: number;
  connectedServerId: number | null;
  adminToken: string | null;
  onAdminToken: (token: string | null) => void;
  inject?: InjectFault;
}

/**
 * The teaching view: every replica with its role, ballot, watermarks and lag, who leads, and
 * every leader change, live. With an admin token, buttons inject faults into each server.
 */
export function ClusterView({
  model,
  now,
  connectedServerId,
  adminToken,
  onAdminToken,
  inject = injectFault,
}: Props) {
  const rows = replicaRows(model, now);
  const leader = rows.find((r) => r.isLeader) ?? null;
  const up = rows.filter((r) => r.health === 'up').length;
  const size = model.balancer?.size ?? rows.length;
  const majority = Math.floor(size / 2) + 1;
  const fresh = balancerFresh(model, now);
  const [faults, setFaults] = useState<Record<number, FaultStatus>>({});

  const onFault = (row: ReplicaRow, spec: string, label: string) => {
    const base = serverHttpBase(row.url);
    if (base === null || adminToken === null) return;
    setFaults((f) => ({ ...f, [row.id]: { busy: true, ok: true, text: `${label}…` } }));
    void inject(base, adminToken, spec).then((result) =>
      setFaults((f) => ({
        ...f,
        [row.id]: result.ok
          ? {
              busy: false,
              ok: true,
              text: spec === 'none' ? 'Healed: no faults.' : `Active: ${label} (${spec})`,
            }
          : { busy: false, ok: false, text: result.error },
      })),
    );
  };

  return (
    <div className="cluster-view">
      <section className="cluster-summary card" aria-label="Cluster summary">
        <div className="summary-main">
          <p className="leader-line" aria-live="polite">
            {leader === null ? (
              <>
                <span className="badge role-candidate">No leader</span> election under way or no majority
              </>
            ) : (
              <>
                Leader: <strong>server {leader.id}</strong> <span className="muted">ballot</span>{' '}
                <code>{ballotText(leader.ballot)}</code> <span className="muted">committed</span>{' '}
                <code>{leader.committed}</code>
              </>
            )}
          </p>
          <p className="muted">
            {up} of {size} servers up · a majority is {majority}
            {size > 0 && up < majority && <strong className="error-text"> — no quorum: writes wait</strong>}
          </p>
        </div>
        <ul className="sources" aria-label="Data sources">
          <li className={fresh ? 'ok' : 'stale'}>
            Balancer /cluster:{' '}
            {fresh
              ? 'live (every 0.5 s)'
              : model.balancerError
                ? `unreachable (${model.balancerError})`
                : 'waiting…'}
          </li>
          <li className={model.watch ? 'ok' : 'stale'}>
            Chat connection:{' '}
            {model.watch
              ? `watching through server ${model.watch.serverId}`
              : 'not watching (log in to stream events)'}
          </li>
        </ul>
      </section>

      <div className="replica-grid">
        {rows.length === 0 && <p className="muted">No servers known yet.</p>}
        {rows.map((row) => (
          <ReplicaCard
            key={row.id}
            row={row}
            connectedHere={row.id === connectedServerId}
            justElected={
              row.isLeader && model.leaderSince !== null && now - model.leaderSince < JUST_ELECTED_MS
            }
            leaderCommitted={leader?.committed ?? null}
            adminToken={adminToken}
            faultStatus={faults[row.id]}
            onFault={onFault}
          />
        ))}
      </div>

      <div className="cluster-lower">
        <LeaderLog log={model.log} />
        <AdminPanel token={adminToken} onToken={onAdminToken} rows={rows} onFault={onFault} />
      </div>

      <details className="explain card">
        <summary>What am I looking at?</summary>
        <dl>
          <dt>Role</dt>
          <dd>
            The leader finished Phase 1 (prepare/promise) for its ballot and proposes every command; followers
            accept; a candidate is trying to become leader.
          </dd>
          <dt>Ballot</dt>
          <dd>
            <code>round.node</code> — totally ordered; a new leader always uses a higher ballot than the one
            it replaces.
          </dd>
          <dt>Committed</dt>
          <dd>Every log slot up to here is chosen (accepted by a majority) and known to this server.</dd>
          <dt>Applied</dt>
          <dd>Slots executed into this server&apos;s chat state.</dd>
          <dt>Snapshot</dt>
          <dd>
            Slots below this were compacted into a snapshot; a server further behind installs the snapshot.
          </dd>
          <dt>Lag</dt>
          <dd>The leader&apos;s committed slot minus this server&apos;s: how far it has to catch up.</dd>
        </dl>
        <p>
          Try it: inject <em>Drop all (partition)</em> into the leader and watch a follower take over with a
          higher ballot while the chat keeps going; <em>Heal</em> it and watch it catch up.
        </p>
      </details>
    </div>
  );
}
