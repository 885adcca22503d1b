import { fullTime, isoTime } from '../lib/format.js';
import type { LeaderChange } from '../state/cluster-model.js';

const timeOfDay = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/** Every leader change seen by this page, newest first. */
export function LeaderLog({ log }: { log: readonly LeaderChange[] }) {
  return (
    <section className="leader-log" aria-label="Leader changes">
      <h2 className="section-heading">Leader changes</h2>
      {log.length === 0 ? (
        <p className="muted">None seen yet.</p>
      ) : (
        <ol>
          {log.map((change) => (
            <li key={`${change.at}-${change.to}`}>
              <time dateTime={isoTime(change.at)} title={fullTime(change.at)}>
                {timeOfDay.format(change.at)}
              </time>{' '}
              {change.to === null
                ? `No leader${change.from === null ? '' : ` (server ${change.from} lost it)`} — election under way`
                : change.from === null
                  ? `Server ${change.to} leads (ballot ${change.ballot})`
                  : `Server ${change.to} took over from server ${change.from} (ballot ${change.ballot})`}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
