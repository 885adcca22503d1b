import type { ChatAction } from '../state/chat-actions.js';
import type { ClusterAction } from '../state/cluster-model.js';
import type { ChatClient } from './types.js';

export interface BindOptions {
  readonly chat: (action: ChatAction) => void;
  readonly cluster: (action: ClusterAction) => void;
  readonly now: () => number;
  /** The session token changed (persist it). */
  readonly onSession?: (user: string, token: string) => void;
  /** A seq was handed out: persist `client.nextSeq` with the clientId. */
  readonly onSeq?: (nextSeq: number) => void;
}

/**
 * Turns the client library's events into reducer actions (stamped with the page's clock), and
 * asks for what the events imply: the member list with presence after every (re)join, and the
 * room directory after every (re)connect. Returns the unsubscribe function.
 */
export function bindClient(client: ChatClient, options: BindOptions): () => void {
  const { chat, cluster, now } = options;
  const refreshMembers = (room: string) => {
    client.who(room).then(
      (members) => chat({ type: 'who', room, members }),
      () => {}, // best effort: the joined event already listed the members
    );
  };
  const refreshDirectory = () => {
    client.rooms().then(
      (rooms) => chat({ type: 'room_list', rooms }),
      () => {},
    );
  };
  const offs = [
    client.on('state', (event) => {
      chat({ type: 'state', event, now: now() });
      if (event.state === 'connected') refreshDirectory();
      else cluster({ type: 'watch_lost' });
    }),
    client.on('welcome', (event) =>
      chat({ type: 'welcome', serverId: event.serverId, leaderId: event.leaderId }),
    ),
    client.on('session', (event) => {
      options.onSession?.(event.user, event.token);
      chat({ type: 'session', user: event.user, displayName: event.displayName });
    }),
    client.on('joined', (event) => {
      chat({ type: 'joined', event });
      refreshMembers(event.room);
    }),
    client.on('message', (event) => chat({ type: 'message', event, now: now() })),
    client.on('outbox', (event) => {
      if (event.change === 'added') options.onSeq?.(client.nextSeq);
      chat({ type: 'outbox', event });
    }),
    client.on('history_reset', (event) => chat({ type: 'history_reset', event, now: now() })),
    client.on('presence', (event) => chat({ type: 'presence', event })),
    client.on('typing', (event) => chat({ type: 'typing', event, now: now() })),
    client.on('membership', (event) => chat({ type: 'membership', event })),
    client.on('reaction', (event) => chat({ type: 'reaction', event })),
    client.on('display_name', (event) => chat({ type: 'display_name', event })),
    client.on('cluster', (frame) => cluster({ type: 'watch', frame, now: now() })),
    client.on('error', (event) => chat({ type: 'error', event, now: now() })),
  ];
  return () => {
    for (const off of offs) off();
  };
}
