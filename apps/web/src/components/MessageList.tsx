import { QUICK_REACTIONS } from '@quorum/client';
import { useLayoutEffect, useRef } from 'react';
import { fullTime, isoTime, shortTime } from '../lib/format.js';
import type { PendingSend, RoomView } from '../state/chat-state.js';
import { type TimelineItem, timeline } from '../state/timeline.js';
import { MessageText } from './MessageText.js';
import { ResetNotice } from './ResetNotice.js';
import { StatusMark } from './StatusMark.js';

const GROUP_MS = 5 * 60_000;

interface Props {
  view: RoomView;
  user: string | null;
  onRetry: (pending: PendingSend) => void;
  onDiscard: (pending: PendingSend) => void;
  onReact: (position: number, emoji: string, on: boolean) => void;
  onLoadOlder: () => void;
}

/** The room's messages, oldest first; new ones are announced politely (role="log"). */
export function MessageList({ view, user, onRetry, onDiscard, onReact, onLoadOlder }: Props) {
  const items = timeline(view, user);
  const scroller = useRef<HTMLDivElement>(null);
  const stick = useRef(true);

  const onScroll = () => {
    const el = scroller.current;
    if (el) stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
  };
  // Follow new messages while the reader is at the bottom; leave them alone when scrolled up.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the item count changes
  useLayoutEffect(() => {
    const el = scroller.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [items.length]);
  const canLoadOlder =
    view.hasMore === true || (view.hasMore === null && (view.messages[0]?.position ?? 1) > 1);

  return (
    <div className="message-scroller" ref={scroller} onScroll={onScroll}>
      {canLoadOlder && (
        <button type="button" className="link-button load-older" onClick={onLoadOlder}>
          Load older messages
        </button>
      )}
      {items.length === 0 && <p className="empty">No messages in #{view.name} yet. Say hello!</p>}
      <div role="log" aria-live="polite" aria-relevant="additions" aria-label={`Messages in #${view.name}`}>
        <ol className="messages">
          {items.map((item, i) => (
            <Item
              key={item.key}
              item={item}
              previous={items[i - 1]}
              onRetry={onRetry}
              onDiscard={onDiscard}
              onReact={onReact}
              user={user}
            />
          ))}
        </ol>
      </div>
    </div>
  );
}

/** Who "speaks" an item, for grouping consecutive lines of one person. */
function speakerOf(item: TimelineItem | undefined): string | null {
  if (item?.kind === 'message') return item.own ? 'me' : `user:${item.message.author}`;
  if (item?.kind === 'pending') return 'me';
  return null;
}

function timeOf(item: TimelineItem | undefined): number | null {
  if (item?.kind === 'message') return item.message.ts;
  if (item?.kind === 'pending') return item.pending.ts ?? item.pending.createdAt;
  return null;
}

function Item({
  item,
  previous,
  onRetry,
  onDiscard,
  onReact,
  user,
}: {
  item: TimelineItem;
  previous: TimelineItem | undefined;
  onRetry: (pending: PendingSend) => void;
  onDiscard: (pending: PendingSend) => void;
  onReact: (position: number, emoji: string, on: boolean) => void;
  user: string | null;
}) {
  if (item.kind === 'reset') return <ResetNotice reset={item.reset} />;
  const ts = timeOf(item) ?? 0;
  const grouped = speakerOf(previous) === speakerOf(item) && ts - (timeOf(previous) ?? 0) < GROUP_MS;
  const own = item.kind === 'pending' || item.own;
  const time = (
    <time dateTime={isoTime(ts)} title={fullTime(ts)}>
      {shortTime(ts)}
    </time>
  );

  if (item.kind === 'message') {
    const { message } = item;
    return (
      <li className={`msg${own ? ' own' : ''}${grouped ? ' grouped' : ''}`} data-position={message.position}>
        <div className="msg-meta">
          {!grouped && (
            <span className="author">
              <bdi>{message.author}</bdi>
            </span>
          )}
          {time}
          {own && <StatusMark state="delivered" position={message.position} />}
        </div>
        <div className="msg-text">
          <MessageText text={message.text} />
        </div>
        <Reactions message={message} user={user} onReact={onReact} />
      </li>
    );
  }

  const { pending } = item;
  return (
    <li className={`msg own pending-${pending.state}${grouped ? ' grouped' : ''}`}>
      <div className="msg-meta">
        {!grouped && <span className="author">You</span>}
        {time}
        <StatusMark state={pending.state} position={pending.position} error={pending.error} />
      </div>
      <div className="msg-text">
        <MessageText text={pending.text} />
      </div>
      {pending.state === 'failed' && (
        <div className="msg-actions">
          <span className="failed-reason">
            {pending.error?.message ?? 'The cluster refused this message.'}
          </span>
          <button type="button" className="small" onClick={() => onRetry(pending)}>
            Retry
          </button>
          <button type="button" className="small ghost" onClick={() => onDiscard(pending)}>
            Discard
          </button>
        </div>
      )}
    </li>
  );
}

/**
 * A message's reactions as chips (pressed when the user is among them; a click toggles) and a
 * row of quick emoji, shown on hover or focus, for the ones not used yet.
 */
function Reactions({
  message,
  user,
  onReact,
}: {
  message: { position: number; reactions: readonly { emoji: string; users: readonly string[] }[] };
  user: string | null;
  onReact: (position: number, emoji: string, on: boolean) => void;
}) {
  const mine = (users: readonly string[]) => user !== null && users.includes(user);
  const unused = QUICK_REACTIONS.filter((emoji) => !message.reactions.some((r) => r.emoji === emoji));
  return (
    <div className="reaction-bar">
      {message.reactions.length > 0 && (
        <ul className="reactions" aria-label="Reactions">
          {message.reactions.map((r) => (
            <li key={r.emoji}>
              <button
                type="button"
                className="reaction-chip"
                aria-pressed={mine(r.users)}
                title={r.users.join(', ')}
                aria-label={`${r.emoji} ${r.users.length}: ${r.users.join(', ')}`}
                onClick={() => onReact(message.position, r.emoji, !mine(r.users))}
              >
                {r.emoji} {r.users.length}
              </button>
            </li>
          ))}
        </ul>
      )}
      {user !== null && unused.length > 0 && (
        <span className="quick-reactions">
          {unused.map((emoji) => (
            <button
              type="button"
              key={emoji}
              className="reaction-add"
              aria-label={`React with ${emoji}`}
              onClick={() => onReact(message.position, emoji, true)}
            >
              {emoji}
            </button>
          ))}
        </span>
      )}
    </div>
  );
}
