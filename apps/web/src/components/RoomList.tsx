import { type FormEvent, useId, useState } from 'react';
import type { ChatState } from '../state/chat-state.js';

const ROOM_NAME = /^[A-Za-z0-9_-]{1,64}$/;

interface Props {
  state: ChatState;
  onSelect: (room: string) => void;
  onJoin: (room: string) => void;
  onLeave: (room: string) => void;
  onBrowse: () => void;
}

/** Joined rooms (select, leave), a field to join or create one, and the other rooms to join. */
export function RoomList({ state, onSelect, onJoin, onLeave, onBrowse }: Props) {
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const inputId = useId();
  const errorId = useId();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const room = name.trim().replace(/^#/, '');
    if (!ROOM_NAME.test(room)) {
      setError('Use letters, digits, - and _ (at most 64).');
      return;
    }
    setError(null);
    setName('');
    onJoin(room);
  };

  const others = state.directory.filter((r) => !state.rooms.has(r.room));

  return (
    <nav className="rooms" aria-label="Rooms">
      <ul className="room-list">
        {state.roomOrder.map((room) => {
          const view = state.rooms.get(room);
          const active = room === state.activeRoom;
          return (
            <li key={room} className={active ? 'active' : ''}>
              <button
                type="button"
                className="room-button"
                aria-current={active ? 'page' : undefined}
                onClick={() => onSelect(room)}
              >
                <span className="hash" aria-hidden="true">
                  #
                </span>
                {room}
                {view !== undefined && view.unread > 0 && (
                  <span className="unread">
                    {view.unread}
                    <span className="sr-only"> unread</span>
                  </span>
                )}
              </button>
              <button
                type="button"
                className="icon-button leave"
                aria-label={`Leave #${room}`}
                title={`Leave #${room}`}
                onClick={() => onLeave(room)}
              >
                ×
              </button>
            </li>
          );
        })}
      </ul>
      <form className="join-form" onSubmit={submit}>
        <label htmlFor={inputId}>Join or create a room</label>
        <div className="row">
          <input
            id={inputId}
            value={name}
            placeholder="room-name"
            autoComplete="off"
            spellCheck={false}
            aria-invalid={error !== null}
            aria-describedby={error ? errorId : undefined}
            onChange={(event) => setName(event.target.value)}
          />
          <button type="submit" className="small">
            Join
          </button>
        </div>
        {error && (
          <p id={errorId} className="field-error">
            {error}
          </p>
        )}
      </form>
      <div className="directory">
        <div className="directory-head">
          <span>Other rooms</span>
          <button type="button" className="link-button" onClick={onBrowse}>
            Refresh
          </button>
        </div>
        {others.length === 0 ? (
          <p className="muted">None yet.</p>
        ) : (
          <ul>
            {others.map((r) => (
              <li key={r.room}>
                <button type="button" className="link-button" onClick={() => onJoin(r.room)}>
                  #{r.room}
                </button>
                <span className="muted">
                  {' '}
                  {r.members} {r.members === 1 ? 'member' : 'members'}
                </span>
              </li>
            ))}
          </ul>
        )}
      </div>
    </nav>
  );
}
