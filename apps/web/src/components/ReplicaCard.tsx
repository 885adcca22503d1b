import { ballotText } from '../lib/format.js';
import { lagLevel, type ReplicaRow } from '../state/cluster-model.js';
import { FaultButtons, type FaultStatus } from './FaultButtons.js';

interface Props {
  row: ReplicaRow;
  /** The server the chat connection of this page uses. */
  connectedHere: boolean;
  justElected: boolean;
  leaderCommitted: number | null;
  adminToken: string | null;
  faultStatus: FaultStatus | undefined;
  onFault: (row: ReplicaRow, spec: string, label: string) => void;
}

const ROLE_TEXT: Record<ReplicaRow['role'], string> = {
  leader: 'Leader',
  follower: 'Follower',
  candidate: 'Candidate',
  recovering: 'Recovering',
  unknown: 'Unknown',
};

/** What a recovering server is waiting for, in words. */
function recoveryText(recovery: NonNullable<ReplicaRow['recovery']>): string {
  if (recovery.target !== null) return `catching up to slot ${recovery.target} before it votes again`;
  const answered = recovery.answered.length === 0 ? 'none yet' : `from ${recovery.answered.join(', ')}`;
  return `lost its disk: waiting for ${recovery.needed} other servers to answer (${answered})`;
}

/** One replica: role, ballot, watermarks, lag, clients, links — and fault buttons for admins. */
export function ReplicaCard({
  row,
  connectedHere,
  justElected,
  leaderCommitted,
  adminToken,
  faultStatus,
  onFault,
}: Props) {
  const level = lagLevel(row.lag);
  const down = row.health === 'down';
  const classes = [
    'replica',
    row.isLeader ? 'is-leader' : '',
    down ? 'is-down' : '',
    justElected ? 'just-elected' : '',
    `lag-${level}`,
  ]
    .filter(Boolean)
    .join(' ');
  const progress =
    leaderCommitted !== null && leaderCommitted > 0
      ? Math.min(100, (row.committed / leaderCommitted) * 100)
      : 0;

  return (
    <article className={classes} aria-label={`Server ${row.id}`} data-testid={`replica-${row.id}`}>
      <header className="replica-head">
        <h3>Server {row.id}</h3>
        {connectedHere && <span className="badge you">you are here</span>}
        <span className={`badge role-${row.role}`}>{down ? 'Down' : ROLE_TEXT[row.role]}</span>
      </header>
      <dl className="replica-stats">
        <div>
          <dt>Health</dt>
          <dd className={`health-${row.health}`}>
            {row.health === 'up' ? 'healthy' : row.health === 'down' ? 'down' : 'unknown'}
            {row.lastSeenMs !== null && row.health !== 'up' && (
              <span className="muted"> · seen {(row.lastSeenMs / 1000).toFixed(1)} s ago</span>
            )}
          </dd>
        </div>
        <div>
          <dt>Ballot</dt>
          <dd>
            <code>{ballotText(row.ballot)}</code>
          </dd>
        </div>
        <div>
          <dt>Committed</dt>
          <dd>
            <code>{row.committed}</code>
          </dd>
        </div>
        <div>
          <dt>Applied</dt>
          <dd>
            <code>{row.applied}</code>
          </dd>
        </div>
        <div>
          <dt>Snapshot</dt>
          <dd>
            <code>{row.snapshot}</code>
          </dd>
        </div>
        <div>
          <dt>Lag</dt>
          <dd className={`lag lag-${level}`}>
            {row.lag === null ? '—' : row.lag === 0 ? 'in sync' : `${row.lag} behind`}
          </dd>
        </div>
        <div>
          <dt>Clients</dt>
          <dd>{row.clients ?? '—'}</dd>
        </div>
        <div>
          <dt>Peers up</dt>
          <dd>{row.peersUp.length === 0 ? 'none' : row.peersUp.join(', ')}</dd>
        </div>
      </dl>
      <div className="commit-bar" aria-hidden="true">
        <span style={{ width: `${progress}%` }} />
      </div>
      {row.role === 'recovering' && !down && (
        <p className="muted small-text" data-testid={`recovering-${row.id}`}>
          recovering:{' '}
          {row.recovery === null ? 'learning from its peers before it votes' : recoveryText(row.recovery)}
        </p>
      )}
      {row.knownLeader !== null && !row.isLeader && !down && (
        <p className="muted small-text">follows server {row.knownLeader}</p>
      )}
      {adminToken !== null && <FaultButtons row={row} status={faultStatus} onFault={onFault} />}
    </article>
  );
}
