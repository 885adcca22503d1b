import type { ReplicaRow } from '../state/cluster-model.js';

/** A one-line cluster summary beside the chat: each server's role, health and lag. */
export function ClusterStrip({
  rows,
  connectedServerId,
  onOpen,
}: {
  rows: readonly ReplicaRow[];
  connectedServerId: number | null;
  onOpen: () => void;
}) {
  return (
    <div className="cluster-strip">
      <ul aria-label="Servers">
        {rows.map((row) => {
          const state = row.health === 'down' ? 'down' : row.isLeader ? 'leader' : row.role;
          const lag = row.lag !== null && row.lag > 0 ? ` · ${row.lag} behind` : '';
          return (
            <li
              key={row.id}
              className={`chip chip-${state}${row.id === connectedServerId ? ' chip-here' : ''}`}
            >
              <span className="chip-id">S{row.id}</span> {state}
              {lag}
              {row.id === connectedServerId && <span className="sr-only"> (your server)</span>}
            </li>
          );
        })}
      </ul>
      <button type="button" className="link-button" onClick={onOpen}>
        Open the live cluster view →
      </button>
    </div>
  );
}
