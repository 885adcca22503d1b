import type { PendingSend } from '../state/chat-state.js';

/** The delivery state of one of our own messages: pending, delivered or failed. */
export function StatusMark({
  state,
  position,
  error,
}: {
  state: PendingSend['state'];
  position?: number | undefined;
  error?: PendingSend['error'];
}) {
  if (state === 'pending') {
    return (
      <span className="mark mark-pending" title="Waiting for the cluster to commit it">
        <span aria-hidden="true">◷</span> Sending…
      </span>
    );
  }
  if (state === 'failed') {
    return (
      <span className="mark mark-failed" title={error?.message}>
        <span aria-hidden="true">!</span> Not delivered{error ? ` (${error.code})` : ''}
      </span>
    );
  }
  return (
    <span
      className="mark mark-delivered"
      title={`Committed by a majority of servers${position === undefined ? '' : ` at position ${position}`}`}
    >
      <span aria-hidden="true">✓</span>
      <span className="sr-only">Delivered</span>
    </span>
  );
}
