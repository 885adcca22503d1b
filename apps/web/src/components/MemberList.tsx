import type { Member } from '../state/chat-state.js';

/** The room's members, online first. Presence is best effort (not replicated). */
export function MemberList({ members, me }: { members: readonly Member[]; me: string | null }) {
  if (members.length === 0) return <p className="muted">No members yet.</p>;
  return (
    <ul className="members" aria-label="Members">
      {members.map((m) => (
        <li key={m.user} className={m.online ? 'online' : 'offline'}>
          <span className="presence-dot" aria-hidden="true" />
          <span className="member-name">
            {/* <bdi>: a right-to-left display name cannot reorder the text around it. */}
            {m.displayName && m.displayName !== m.user ? (
              <>
                <bdi>{m.displayName}</bdi> ({m.user})
              </>
            ) : (
              m.user
            )}
            {m.user === me && <span className="muted"> (you)</span>}
          </span>
          <span className="sr-only">{m.online ? ', online' : ', offline'}</span>
        </li>
      ))}
    </ul>
  );
}
