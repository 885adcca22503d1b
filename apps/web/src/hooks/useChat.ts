import { useCallback, useEffect, useMemo, useReducer, useRef } from 'react';
import { bindClient } from '../client/bind.js';
import type { ChatClient, CreateClient } from '../client/types.js';
import { claimIdentity, type LockManagerLike } from '../lib/identity.js';
import {
  clearSession,
  DEFAULT_ROOM,
  loadRooms,
  loadSession,
  saveRooms,
  saveSession,
} from '../lib/session-store.js';
import { chatReducer } from '../state/chat-reducer.js';
import type { ChatState, PendingSend } from '../state/chat-state.js';
import { initialChatState } from '../state/chat-state.js';
import type { ClusterAction } from '../state/cluster-model.js';

export interface ChatDeps {
  readonly createClient: CreateClient;
  readonly balancerUrl: string;
  readonly storage: Storage;
  readonly locks: LockManagerLike | null;
  readonly now: () => number;
  readonly cluster: (action: ClusterAction) => void;
}

export interface ChatControls {
  readonly state: ChatState;
  login(user: string, password: string, register: boolean): void;
  cancel(): void;
  logout(): void;
  send(text: string): boolean;
  retry(pending: PendingSend): void;
  discard(pending: PendingSend): void;
  join(room: string): void;
  leave(room: string): void;
  selectRoom(room: string): void;
  loadOlder(room: string): void;
  /** Adds (`on`) or removes the user's `emoji` on a message; a refusal becomes a notice. */
  react(room: string, position: number, emoji: string, on: boolean): void;
  /** Tells `room` that the user is (or stopped) typing. */
  typing(room: string, active: boolean): void;
  refreshDirectory(): void;
  dismissNotice(id: number): void;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Owns the QuorumClient of the page: creates it on login (or from a saved session token), binds
 * its events to the chat reducer, and offers the user's actions. The state logic lives in the
 * reducer; this hook only does the I/O around it.
 */
export function useChat(deps: ChatDeps): ChatControls {
  const [state, dispatch] = useReducer(chatReducer, initialChatState);
  const stateRef = useRef(state);
  stateRef.current = state;
  const depsRef = useRef(deps);
  depsRef.current = deps;
  const clientRef = useRef<ChatClient | null>(null);
  const stopRef = useRef<((closeClient: boolean) => void) | null>(null);
  const generation = useRef(0);

  /** Forget the current client; `closeClient: false` leaves closing to the caller (logout). */
  const stop = useCallback((closeClient = true) => {
    generation.current++;
    stopRef.current?.(closeClient);
    stopRef.current = null;
    clientRef.current = null;
  }, []);

  const start = useCallback(
    async (options: { user: string | null; password?: string; register?: boolean; token?: string }) => {
      stop();
      const mine = generation.current;
      const { createClient, balancerUrl, storage, locks, now, cluster } = depsRef.current;
      const identity = await claimIdentity(storage, locks);
      if (generation.current !== mine) {
        identity.release();
        return;
      }
      const rooms = options.user === null ? [DEFAULT_ROOM] : loadRooms(storage, options.user);
      const client = createClient({
        balancers: [balancerUrl],
        rooms,
        clientId: identity.clientId,
        nextSeq: identity.nextSeq,
        clientName: 'quorum-web/0.1.0',
        ...(options.token === undefined ? {} : { token: options.token }),
        ...(options.password === undefined || options.user === null
          ? {}
          : { credentials: { user: options.user, password: options.password } }),
        ...(options.register ? { register: true } : {}),
      });
      clientRef.current = client;
      dispatch({ type: 'started', clientId: client.clientId, user: options.user, rooms });
      const unbind = bindClient(client, {
        chat: dispatch,
        cluster,
        now,
        onSession: (user, token) => saveSession(storage, { user, token }),
        onSeq: (nextSeq) => identity.save(nextSeq),
      });
      const offFatal = client.on('error', (event) => {
        if (!event.fatal) return;
        if (event.code === 'session_invalid' || event.code === 'auth_failed') clearSession(storage);
        // The reducer shows the reason on the login form; the client has stopped.
        queueMicrotask(() => {
          if (generation.current === mine) stop();
        });
      });
      stopRef.current = (closeClient) => {
        offFatal();
        unbind();
        if (closeClient) client.close();
        identity.release();
        cluster({ type: 'watch_lost' });
      };
      client
        .connect()
        .then(() => client.clusterInfo(true))
        .catch(() => {
          // connect() rejects only when the client closed (fatal error, logout, cancel): handled above.
        });
    },
    [stop],
  );

  // A saved session token logs straight back in.
  useEffect(() => {
    const saved = loadSession(depsRef.current.storage);
    if (saved !== null) void start({ user: saved.user, token: saved.token });
    return () => stop();
  }, [start, stop]);

  // Remember the rooms the user keeps open.
  useEffect(() => {
    if (state.phase === 'in' && state.user !== null) saveRooms(deps.storage, state.user, state.roomOrder);
  }, [state.phase, state.user, state.roomOrder, deps.storage]);

  // Typing indicators expire and the "reconnected" banner fades.
  useEffect(() => {
    if (state.phase === 'signed_out') return;
    const timer = setInterval(() => dispatch({ type: 'tick', now: depsRef.current.now() }), 1000);
    return () => clearInterval(timer);
  }, [state.phase]);

  const notice = useCallback((text: string, room: string | null) => {
    dispatch({ type: 'notice', text, room, now: depsRef.current.now() });
  }, []);

  return useMemo<ChatControls>(
    () => ({
      state,
      login(user, password, register) {
        void start({ user, password, register });
      },
      cancel() {
        stop();
        dispatch({ type: 'signed_out', reason: null });
      },
      logout() {
        const client = clientRef.current;
        clearSession(depsRef.current.storage);
        stop(false);
        // Revoke the token on the cluster; logout() closes the client whatever happens.
        if (client !== null) client.logout().catch(() => client.close());
        dispatch({ type: 'signed_out', reason: null });
      },
      send(text) {
        const client = clientRef.current;
        const room = stateRef.current.activeRoom;
        if (client === null || room === null) return false;
        try {
          client.send(room, text);
          return true;
        } catch (error) {
          notice(`Not sent: ${messageOf(error)}`, room);
          return false;
        }
      },
      retry(pending) {
        dispatch({ type: 'discard', room: pending.room, seq: pending.seq });
        const client = clientRef.current;
        if (client === null) return;
        try {
          client.send(pending.room, pending.text);
        } catch (error) {
          notice(`Not sent: ${messageOf(error)}`, pending.room);
        }
      },
      discard(pending) {
        dispatch({ type: 'discard', room: pending.room, seq: pending.seq });
      },
      react(room, position, emoji, on) {
        // The change shows when the cluster applies it (the reaction event), not before.
        clientRef.current
          ?.react(room, position, emoji, on)
          .catch((error: unknown) => notice(`Reaction not applied: ${messageOf(error)}`, room));
      },
      join(room) {
        const client = clientRef.current;
        if (client === null) return;
        if (stateRef.current.rooms.has(room)) {
          dispatch({ type: 'select_room', room });
          return;
        }
        dispatch({ type: 'join_requested', room });
        client.join(room).catch((error: unknown) => {
          dispatch({ type: 'left', room });
          notice(`Could not join #${room}: ${messageOf(error)}`, null);
        });
      },
      leave(room) {
        const client = clientRef.current;
        dispatch({ type: 'left', room });
        client?.leave(room).catch((error: unknown) => notice(`Leaving #${room}: ${messageOf(error)}`, null));
      },
      selectRoom(room) {
        dispatch({ type: 'select_room', room });
      },
      loadOlder(room) {
        const client = clientRef.current;
        const first = stateRef.current.rooms.get(room)?.messages[0];
        if (client === null) return;
        client
          .history(room, first === undefined ? { limit: 50 } : { before: first.position, limit: 50 })
          .then(
            (page) =>
              dispatch({ type: 'history_page', room, messages: page.messages, hasMore: page.hasMore }),
            (error: unknown) => notice(`Could not load older messages: ${messageOf(error)}`, room),
          );
      },
      typing(room, active) {
        clientRef.current?.typing(room, active);
      },
      dismissNotice(id) {
        dispatch({ type: 'dismiss_notice', id });
      },
      refreshDirectory() {
        clientRef.current?.rooms().then(
          (rooms) => dispatch({ type: 'room_list', rooms }),
          () => {},
        );
      },
    }),
    [state, start, stop, notice],
  );
}
