import type { ChatControls } from '../hooks/useChat.js';
import { useTypingSignal } from '../hooks/useTypingSignal.js';
import type { ReplicaRow } from '../state/cluster-model.js';
import { sortedMembers, typingUsers } from '../state/timeline.js';
import { ClusterStrip } from './ClusterStrip.js';
import { Collapsible } from './Collapsible.js';
import { Composer } from './Composer.js';
import { MemberList } from './MemberList.js';
import { MessageList } from './MessageList.js';
import { Notices } from './Notices.js';
import { RoomList } from './RoomList.js';
import { TypingIndicator } from './TypingIndicator.js';

interface Props {
  chat: ChatControls;
  rows: readonly ReplicaRow[];
  narrow: boolean;
  /** Whether the chat tab is the one shown. */
  visible: boolean;
  now: number;
  clock: () => number;
  onOpenCluster: () => void;
}

/** Rooms | messages + composer | members + cluster strip (stacked and foldable on phones). */
export function ChatView({ chat, rows, narrow, visible, now, clock, onOpenCluster }: Props) {
  const { state } = chat;
  const room = state.activeRoom;
  const view = room === null ? undefined : state.rooms.get(room);
  const typing = useTypingSignal(room, chat.typing, clock);
  const members = view === undefined ? [] : sortedMembers(view);
  const online = members.filter((m) => m.online).length;
  const leader = rows.find((r) => r.isLeader);

  return (
    <div className="chat-layout">
      <Collapsible
        title="Rooms"
        summary={room === null || !narrow ? undefined : `#${room}`}
        collapsible={narrow}
        className="pane rooms-pane"
      >
        <RoomList
          state={state}
          onSelect={chat.selectRoom}
          onJoin={chat.join}
          onLeave={chat.leave}
          onBrowse={chat.refreshDirectory}
        />
      </Collapsible>

      <section className="pane conversation" aria-label={room === null ? 'No room' : `#${room}`}>
        {view === undefined || room === null ? (
          <div className="empty-room">
            <p>You are not in any room. Join one to start chatting.</p>
          </div>
        ) : (
          <>
            <header className="room-header">
              <h2>#{room}</h2>
              <span className="muted">
                {members.length} {members.length === 1 ? 'member' : 'members'} · {online} online
              </span>
            </header>
            <Notices notices={state.notices} onDismiss={chat.dismissNotice} />
            <MessageList
              key={room}
              view={view}
              user={state.user}
              onRetry={chat.retry}
              onDiscard={chat.discard}
              onReact={(position, emoji, on) => chat.react(room, position, emoji, on)}
              onLoadOlder={() => chat.loadOlder(room)}
            />
            <TypingIndicator users={typingUsers(view, now)} />
            <Composer
              room={room}
              active={visible}
              onSend={chat.send}
              onTyping={typing.onText}
              onStopTyping={typing.stopTyping}
            />
          </>
        )}
      </section>

      <aside className="pane side-pane" aria-label="Room details">
        <Collapsible title="Members" summary={`${online} online`} collapsible={narrow}>
          <MemberList members={members} me={state.user} />
        </Collapsible>
        <Collapsible
          title="Cluster"
          summary={leader ? `leader S${leader.id}` : 'no leader'}
          collapsible={narrow}
        >
          <ClusterStrip rows={rows} connectedServerId={state.connection.serverId} onOpen={onOpenCluster} />
        </Collapsible>
      </aside>
    </div>
  );
}
