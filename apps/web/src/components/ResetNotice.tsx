import { shortTime } from '../lib/format.js';
import type { HistoryReset } from '../state/chat-state.js';

/** Shown where a `history_reset` happened: never a silent gap. */
export function ResetNotice({ reset }: { reset: HistoryReset }) {
  const { missed } = reset;
  const range =
    missed === null ? null : missed.from === missed.to ? `${missed.from}` : `${missed.from}–${missed.to}`;
  return (
    <li className="reset-notice" role="note">
      <strong>History reset at {shortTime(reset.at)}.</strong>{' '}
      {range === null
        ? 'The server could not replay this room from where you left off, so the newest messages were reloaded. Nothing was skipped.'
        : `Messages ${range} are no longer available (the servers compacted them while you were away). Showing the newest messages from here on.`}
    </li>
  );
}
