/**
 * The glue between the client library and the screen: owns the `QuorumClient` (through the
 * `ChatClient` port), turns its events into reducer actions, runs slash commands, saves the
 * session, sends debounced typing notifications, and switches accounts (/login, /register) by
 * closing the client and starting a new one with the new credentials.
 */

import { isClientError } from '@quorum/client';
import { MIN_PASSWORD_LENGTH } from '@quorum/protocol';
import type { Action } from './actions.js';
import type { ChatClient, ClientFactory } from './client-port.js';
import { type Command, helpLines, parseCommand } from './commands.js';
import { plural, roomListLines, whoLines } from './format.js';
import { initialState, type Level } from './model.js';
import { hasReacted } from './reactions.js';
import { pendingCount, postedNewestFirst } from './selectors.js';
import type { SavedSession } from './state-file.js';
import { createStore, type Store } from './store.js';
import { TypingNotifier } from './typing.js';

export const CLIENT_NAME = 'quorum-tui/0.1.0';
/** Messages loaded above the saved position after a restart. */
export const BACKLOG = 30;

/** Where sessions are kept (a file per user in production, memory or nothing in tests). */
export interface SessionStore {
  load(user: string): SavedSession | null;
  save(session: SavedSession): void;
}

export interface ControllerTimers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export const systemTimers: ControllerTimers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (h) => clearInterval(h as NodeJS.Timeout),
};

export interface ControllerOptions {
  readonly user: string;
  readonly password: string | null;
  readonly register: boolean;
  readonly balancers: readonly string[];
  /** The room to open first. */
  readonly room: string;
  readonly createClient: ClientFactory;
  readonly sessions: SessionStore | null;
  readonly timers?: ControllerTimers;
  /** Called once when the user quits. */
  readonly onExit: () => void;
}

interface Account {
  readonly user: string;
  readonly password: string | null;
  readonly register: boolean;
}

function errorText(error: unknown): string {
  if (isClientError(error)) return `${error.message} (${error.code})`;
  return error instanceof Error ? error.message : String(error);
}

export class Controller {
  readonly store: Store;
  readonly #o: ControllerOptions;
  readonly #timers: ControllerTimers;
  readonly #typing: TypingNotifier;
  #client: ChatClient | null = null;
  #account: Account;
  #unsubscribe: (() => void)[] = [];
  #ticker: unknown = null;
  #dirty = false;
  #quitArmed = false;
  #exited = false;

  constructor(options: ControllerOptions) {
    this.#o = options;
    this.#timers = options.timers ?? systemTimers;
    this.#account = { user: options.user, password: options.password, register: options.register };
    this.store = createStore(initialState({ user: options.user, clientId: '' }));
    this.#typing = new TypingNotifier((room, active) => {
      try {
        this.#client?.typing(room, active);
      } catch {
        // best effort
      }
    }, this.#timers);
  }

  get client(): ChatClient | null {
    return this.#client;
  }

  // ---- lifecycle -----------------------------------------------------------------------------

  /** Connects, or first asks for the password when there is neither a password nor a saved token. */
  start(): void {
    const { user, password, register } = this.#account;
    const saved = register ? null : (this.#o.sessions?.load(user) ?? null);
    this.#dispatch({ type: 'add_room', room: this.#o.room, focus: true });
    if (password === null && saved?.token == null) {
      this.#askPassword(user, register, `password for ${user}`);
      return;
    }
    this.#connect(this.#account, saved, this.#o.room);
  }

  /** Saves the session and stops; with sends still pending, asks for confirmation first. */
  quit(options: { force?: boolean } = {}): void {
    if (this.#exited) return;
    const pending = pendingCount(this.store.getState());
    if (pending > 0 && !this.#quitArmed && options.force !== true) {
      this.#quitArmed = true;
      this.#notice(
        'warn',
        `${plural(pending, 'message')} not yet acknowledged by the cluster would be lost — /quit (or Ctrl+C) again to quit anyway`,
      );
      return;
    }
    this.#exited = true;
    this.#stopClient();
    if (this.#ticker !== null) this.#timers.clearInterval(this.#ticker);
    this.#ticker = null;
    this.#o.onExit();
  }

  // ---- input ---------------------------------------------------------------------------------

  /** Enter on the input line. */
  submit(text: string): void {
    const command = parseCommand(text);
    if (command.kind !== 'quit') this.#quitArmed = false;
    this.#run(command);
  }

  /** The text of the input line changed. */
  edited(text: string): void {
    this.#typing.edited(this.store.getState().current, text);
  }

  submitSecret(secret: string): void {
    const prompt = this.store.getState().prompt;
    if (prompt === null) return;
    this.#dispatch({ type: 'prompt', prompt: null });
    if (secret === '') {
      this.#notice('warn', 'no password given — /login USER to try again, /quit to leave');
      return;
    }
    if (prompt.register && secret.length < MIN_PASSWORD_LENGTH) {
      this.#notice('warn', `passwords have at least ${MIN_PASSWORD_LENGTH} characters`);
      this.#askPassword(prompt.user, true, prompt.label);
      return;
    }
    this.#switchAccount({ user: prompt.user, password: secret, register: prompt.register });
  }

  cancelPrompt(): void {
    if (this.store.getState().prompt === null) return;
    this.#dispatch({ type: 'prompt', prompt: null });
    this.#notice(
      'info',
      this.#client === null ? 'not logged in — /login USER or /register USER, /quit to leave' : 'cancelled',
    );
  }

  switchRoom(target: number | string | 'next' | 'prev'): void {
    this.#typing.stop();
    this.#dispatch({ type: 'switch', target, now: this.#timers.now() });
    this.#dirty = true;
  }

  scroll(direction: 'up' | 'down' | 'bottom', page: number): void {
    this.#dispatch({ type: 'scroll', direction, page });
  }

  // ---- commands ------------------------------------------------------------------------------

  #run(command: Command): void {
    const state = this.store.getState();
    const client = this.#client;
    switch (command.kind) {
      case 'none':
        return;
      case 'error':
        this.#notice('warn', command.message);
        return;
      case 'help':
        for (const line of helpLines(command.topic)) this.#notice('info', line);
        return;
      case 'quit':
        this.quit();
        return;
      case 'clear':
        this.#dispatch({ type: 'clear' });
        return;
      case 'switch':
        this.switchRoom(command.target);
        return;
      case 'login':
      case 'register':
        this.#askPassword(
          command.user,
          command.kind === 'register',
          command.kind === 'register' ? `new password for ${command.user}` : `password for ${command.user}`,
        );
        return;
      default:
        break;
    }
    if (client === null) {
      this.#notice('warn', 'not logged in — /login USER or /register USER');
      return;
    }
    switch (command.kind) {
      case 'say':
        this.#say(client, command.text);
        return;
      case 'react':
        this.#react(client, command.nth, command.emoji);
        return;
      case 'join': {
        const known = state.rooms.get(command.room);
        this.#dispatch({ type: 'add_room', room: command.room, focus: true });
        if (known?.joined) return;
        client.join(command.room).then(
          () => this.#who(client, command.room, false),
          (error: unknown) => {
            if (client !== this.#client) return;
            this.#dispatch({ type: 'remove_room', room: command.room });
            this.#notice('warn', `could not join #${command.room}: ${errorText(error)}`);
          },
        );
        this.#dirty = true;
        return;
      }
      case 'leave': {
        const room = command.room ?? state.current;
        if (room === null || !state.rooms.has(room)) {
          this.#notice('warn', room === null ? 'no room to leave' : `not in #${room}`);
          return;
        }
        this.#typing.stop();
        this.#dispatch({ type: 'remove_room', room });
        this.#notice('info', `left #${room}`);
        client.leave(room).catch((error: unknown) => {
          if (client === this.#client)
            this.#notice('warn', `leaving #${room} on the server failed: ${errorText(error)}`);
        });
        this.#dirty = true;
        return;
      }
      case 'rooms':
        client.rooms().then(
          (rooms) => {
            this.#dispatch({ type: 'room_list', rooms: rooms.map((r) => r.room) });
            const joined = new Set(this.store.getState().rooms.keys());
            for (const line of roomListLines(rooms, joined)) this.#notice('info', line);
          },
          (error: unknown) => this.#notice('warn', `/rooms failed: ${errorText(error)}`),
        );
        return;
      case 'who': {
        const room = command.room ?? state.current;
        if (room === null) {
          this.#notice('warn', 'which room? /who ROOM');
          return;
        }
        this.#who(client, room, true);
        return;
      }
      case 'nick':
        client.setDisplayName(command.name).then(
          () => this.#notice('info', `your display name is now "${command.name}"`),
          (error: unknown) => this.#notice('warn', `/nick failed: ${errorText(error)}`),
        );
        return;
      default:
        return;
    }
  }

  #say(client: ChatClient, text: string): void {
    const room = this.store.getState().current;
    if (room === null) {
      this.#notice('warn', 'no room open — /join ROOM first');
      return;
    }
    this.#typing.stop();
    // Persist the seq this send will use BEFORE it can reach the wire: a crash after sending
    // must not let the next run reuse it (the cluster would answer with the old message).
    this.#save(client.nextSeq + 1);
    try {
      client.send(room, text);
    } catch (error) {
      const reason =
        isClientError(error) && error.code === 'invalid_request' ? 'the server would refuse it' : '';
      this.#notice('warn', `not sent: ${errorText(error)}${reason ? ` — ${reason}` : ''}`);
    }
  }

  /**
   * `/react N EMOJI`: adds our EMOJI to the N-th newest posted message, or takes it back when it
   * is already ours. Nothing changes on screen until the cluster applies it (the reaction event).
   */
  #react(client: ChatClient, nth: number, emoji: string): void {
    const state = this.store.getState();
    const room = state.current === null ? undefined : state.rooms.get(state.current);
    if (room === undefined) {
      this.#notice('warn', 'no room open — /join ROOM first');
      return;
    }
    const posted = postedNewestFirst(room);
    const target = posted[nth - 1];
    if (target === undefined || target.position === null) {
      this.#notice(
        'warn',
        posted.length === 0
          ? `no message to react to in #${room.name} yet`
          : `no message ${nth} back in #${room.name}: ${plural(posted.length, 'message')} shown (1 is the newest)`,
      );
      return;
    }
    const on = !hasReacted(target.reactions, emoji, state.user);
    // Like a send, a reaction takes a seq from the outbox: persist the next one first, so a crash
    // right after it reaches the wire cannot make the next run reuse it.
    this.#save(client.nextSeq + 1);
    client.react(room.name, target.position, emoji, on).catch((error: unknown) => {
      if (client !== this.#client) return;
      const what = on ? `put ${emoji} on` : `take your ${emoji} off`;
      // In the room it was meant for, even if another one is on screen by now.
      this.#dispatch({
        type: 'notice',
        target: this.store.getState().rooms.has(room.name) ? { room: room.name } : 'current',
        level: 'warn',
        text: `/react failed: could not ${what} ${target.author}'s message: ${errorText(error)}`,
        now: this.#timers.now(),
      });
    });
  }

  #who(client: ChatClient, room: string, show: boolean): void {
    client.who(room).then(
      (members) => {
        if (client !== this.#client) return;
        this.#dispatch({ type: 'who', room, members });
        if (!show) return;
        for (const line of whoLines(room, members)) this.#notice('info', line);
      },
      (error: unknown) => {
        if (show && client === this.#client) this.#notice('warn', `/who failed: ${errorText(error)}`);
      },
    );
  }

  // ---- accounts and the client ---------------------------------------------------------------

  #askPassword(user: string, register: boolean, label: string): void {
    this.#dispatch({ type: 'prompt', prompt: { kind: 'password', user, register, label } });
  }

  #switchAccount(account: Account): void {
    const current = this.store.getState().current ?? this.#o.room;
    this.#stopClient();
    const saved = account.register ? null : (this.#o.sessions?.load(account.user) ?? null);
    this.#connect(account, saved, saved?.current ?? current);
  }

  #connect(account: Account, saved: SavedSession | null, room: string): void {
    this.#account = account;
    const rooms = [...new Set([room, ...(saved?.rooms ?? [])])];
    const client = this.#o.createClient({
      balancers: this.#o.balancers,
      rooms,
      clientName: CLIENT_NAME,
      register: account.register,
      ...(account.password === null
        ? {}
        : { credentials: { user: account.user, password: account.password } }),
      ...(saved?.token ? { token: saved.token } : {}),
      ...(saved?.clientId ? { clientId: saved.clientId, nextSeq: saved.nextSeq } : {}),
      ...(saved ? { positions: saved.positions } : {}),
    });
    this.#client = client;
    const previous = this.store.getState();
    this.#dispatch({ type: 'reset', user: account.user, clientId: client.clientId });
    for (const r of rooms) this.#dispatch({ type: 'add_room', room: r, focus: r === room });
    if (previous.everConnected || previous.user !== account.user) {
      this.#notice('info', `${account.register ? 'registering' : 'logging in as'} ${account.user}…`);
    }
    this.#subscribe(client, saved);
    this.#save();
    client.connect().catch(() => {
      // A fatal error (wrong password...) arrives as an `error` event too; nothing to add here.
    });
    if (this.#ticker === null) {
      this.#ticker = this.#timers.setInterval(() => this.#tick(), 1000);
    }
  }

  #stopClient(): void {
    const client = this.#client;
    if (client === null) return;
    this.#typing.stop();
    this.#save();
    for (const off of this.#unsubscribe) off();
    this.#unsubscribe = [];
    this.#client = null;
    client.close();
  }

  #subscribe(client: ChatClient, saved: SavedSession | null): void {
    let first = true;
    const now = () => this.#timers.now();
    const mine = () => client === this.#client;
    const on = this.#unsubscribe;
    on.push(
      client.on('state', (event) => {
        if (!mine()) return;
        this.#dispatch({ type: 'state', event, now: now() });
        if (event.state === 'connected') {
          this.#save();
          if (first) {
            first = false;
            client.clusterInfo(true).catch(() => {});
            this.#loadBacklog(client, saved);
          }
        }
      }),
      client.on(
        'welcome',
        (w) => mine() && this.#dispatch({ type: 'welcome', serverId: w.serverId, leaderId: w.leaderId }),
      ),
      client.on('session', (s) => {
        if (!mine()) return;
        this.#dispatch({ type: 'session', user: s.user, displayName: s.displayName });
        this.#account = { ...this.#account, register: false };
        this.#save();
      }),
      client.on('joined', (j) => {
        if (!mine()) return;
        this.#dispatch({ type: 'joined', room: j.room, members: j.members });
        this.#who(client, j.room, false);
      }),
      client.on('message', (m) => {
        if (!mine()) return;
        this.#dispatch({ type: 'message', room: m.room, message: m.message, source: m.source, now: now() });
        this.#dirty = true;
      }),
      client.on(
        'outbox',
        (o) => mine() && this.#dispatch({ type: 'outbox', change: o.change, entry: o.entry }),
      ),
      client.on(
        'reaction',
        (r) =>
          mine() &&
          this.#dispatch({
            type: 'reaction',
            room: r.room,
            position: r.position,
            user: r.user,
            emoji: r.emoji,
            on: r.on,
          }),
      ),
      client.on(
        'presence',
        (p) => mine() && this.#dispatch({ type: 'presence', room: p.room, user: p.user, online: p.online }),
      ),
      client.on(
        'typing',
        (t) =>
          mine() &&
          this.#dispatch({ type: 'typing', room: t.room, user: t.user, active: t.active, now: now() }),
      ),
      client.on(
        'membership',
        (m) =>
          mine() &&
          this.#dispatch({ type: 'membership', room: m.room, user: m.user, joined: m.joined, now: now() }),
      ),
      client.on(
        'display_name',
        (d) => mine() && this.#dispatch({ type: 'display_name', user: d.user, displayName: d.displayName }),
      ),
      client.on('cluster', (c) => mine() && this.#dispatch({ type: 'leader', leaderId: c.leaderId })),
      client.on(
        'history_reset',
        (event) => mine() && this.#dispatch({ type: 'history_reset', event, now: now() }),
      ),
      client.on('error', (e) => {
        if (!mine()) return;
        this.#dispatch({
          type: 'client_error',
          code: e.code,
          message: e.message,
          fatal: e.fatal,
          ...(e.room === undefined ? {} : { room: e.room }),
          now: now(),
        });
        if (e.fatal) this.#onFatal(e.code);
      }),
    );
  }

  #onFatal(code: string): void {
    const { user, register } = this.#account;
    this.#stopClient();
    if (code === 'auth_failed' || code === 'session_invalid') {
      this.#notice(
        'warn',
        code === 'auth_failed' ? `wrong password for ${user}` : 'the saved session expired',
      );
      this.#askPassword(user, false, `password for ${user}`);
    } else if (code === 'user_exists' && register) {
      this.#notice('warn', `the user name ${user} is taken — /login ${user} or /register ANOTHER-NAME`);
    } else {
      this.#notice('warn', '/login USER to connect again, /quit to leave');
    }
  }

  /**
   * After a restart the client resumes each room after its saved position, so only newer
   * messages arrive; load the last few before it too, for context.
   */
  #loadBacklog(client: ChatClient, saved: SavedSession | null): void {
    for (const [room, position] of Object.entries(saved?.positions ?? {})) {
      if (position < 1 || !client.joinedRooms().includes(room)) continue;
      client.history(room, { before: position + 1, limit: BACKLOG }).then(
        (page) => {
          if (client === this.#client) this.#dispatch({ type: 'backlog', room, messages: page.messages });
        },
        () => {},
      );
    }
  }

  // ---- housekeeping --------------------------------------------------------------------------

  #tick(): void {
    this.#dispatch({ type: 'tick', now: this.#timers.now() });
    if (this.#dirty) this.#save();
  }

  /** Saves the session; `nextSeq` overrides the client's (a send about to use it). */
  #save(nextSeq?: number): void {
    const client = this.#client;
    const sessions = this.#o.sessions;
    if (client === null || sessions === null) return;
    this.#dirty = false;
    try {
      sessions.save({
        user: this.#account.user,
        token: client.token,
        clientId: client.clientId,
        nextSeq: nextSeq ?? client.nextSeq,
        positions: client.positions(),
        rooms: client.joinedRooms(),
        current: this.store.getState().current,
      });
    } catch (error) {
      this.#notice('warn', `could not save the session: ${errorText(error)}`);
    }
  }

  #notice(level: Level, text: string): void {
    this.#dispatch({ type: 'notice', target: 'current', level, text, now: this.#timers.now() });
  }

  #dispatch(action: Action): void {
    this.store.dispatch(action);
  }
}
