import type { KeyboardEvent } from 'react';
import type { ChatState } from '../state/chat-state.js';

export type Tab = 'chat' | 'cluster';

interface Props {
  tab: Tab;
  onTab: (tab: Tab) => void;
  state: ChatState;
  leaderId: number | null;
  onLogout: () => void;
}

function connectionText(state: ChatState, leaderId: number | null): { text: string; tone: string } {
  const c = state.connection;
  if (state.phase === 'signed_out') return { text: 'Not logged in', tone: 'idle' };
  switch (c.state) {
    case 'connected':
      return {
        text: `Server ${c.serverId ?? '?'}${leaderId !== null ? ` · leader ${leaderId}` : ''}`,
        tone: 'ok',
      };
    case 'reconnecting':
      return { text: 'Reconnecting…', tone: 'warn' };
    case 'offline':
      return { text: 'Offline — retrying', tone: 'bad' };
    case 'closed':
      return { text: 'Closed', tone: 'idle' };
    default:
      return { text: 'Connecting…', tone: 'warn' };
  }
}

const TABS: readonly Tab[] = ['chat', 'cluster'];

/** Brand, the Chat / Cluster tabs, the connection state and the user. */
export function Header({ tab, onTab, state, leaderId, onLogout }: Props) {
  const status = connectionText(state, leaderId);
  // The ARIA tabs pattern: arrow keys move between the tabs.
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') return;
    event.preventDefault();
    const next =
      TABS[(TABS.indexOf(tab) + (event.key === 'ArrowRight' ? 1 : TABS.length - 1)) % TABS.length] ?? 'chat';
    onTab(next);
    document.getElementById(`tab-${next}`)?.focus();
  };
  return (
    <header className="topbar">
      <div className="brand">
        <span className="logo" aria-hidden="true">
          ◎
        </span>
        <span>Quorum Chat</span>
      </div>
      <div className="tabs" role="tablist" aria-label="View" onKeyDown={onKeyDown}>
        <button
          type="button"
          role="tab"
          id="tab-chat"
          aria-selected={tab === 'chat'}
          tabIndex={tab === 'chat' ? 0 : -1}
          aria-controls="panel-chat"
          onClick={() => onTab('chat')}
        >
          Chat
        </button>
        <button
          type="button"
          role="tab"
          id="tab-cluster"
          aria-selected={tab === 'cluster'}
          tabIndex={tab === 'cluster' ? 0 : -1}
          aria-controls="panel-cluster"
          onClick={() => onTab('cluster')}
        >
          Cluster <span className="live-dot" aria-hidden="true" />
          <span className="sr-only"> (live)</span>
        </button>
      </div>
      <div className="topbar-right">
        <span className={`pill pill-${status.tone}`} title="Your connection">
          <span className="dot" aria-hidden="true" />
          {status.text}
        </span>
        {state.phase === 'in' && state.user !== null && (
          <span className="user">
            <bdi className="user-name">{state.displayName ?? state.user}</bdi>
            <button type="button" className="small ghost" onClick={onLogout}>
              Log out
            </button>
          </span>
        )}
      </div>
    </header>
  );
}
