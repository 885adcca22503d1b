import type { ReactNode } from 'react';
import type { Banner } from '../state/chat-state.js';

/**
 * Failover, made visible: an always-present live region whose text changes when the connection is
 * lost and when the client has moved to another server.
 */
export function ConnectionBanner({ banner }: { banner: Banner | null }) {
  let content: ReactNode = null;
  let tone = '';
  if (banner?.kind === 'lost') {
    tone = 'warn';
    const retry = banner.retryInMs === null ? '' : ` Next try in ${(banner.retryInMs / 1000).toFixed(1)} s.`;
    content = (
      <>
        <strong>
          {banner.offline
            ? 'Still no server reachable — retrying…'
            : 'Connection lost — reconnecting to another server…'}
        </strong>
        <span className="banner-detail">
          {' '}
          Messages you send now are kept and delivered once connected.
          {banner.attempt > 0 ? ` Attempt ${banner.attempt}.` : ''}
          {retry}
          {banner.reason ? ` (${banner.reason})` : ''}
        </span>
      </>
    );
  } else if (banner?.kind === 'reconnected') {
    tone = 'ok';
    content = (
      <strong>
        {banner.serverId === null ? 'Reconnected' : `Reconnected to server ${banner.serverId}`} — nothing was
        lost.
      </strong>
    );
  }
  return (
    <div className={`banner ${tone}`} role="status" aria-live="polite" data-empty={content === null}>
      {content}
    </div>
  );
}
