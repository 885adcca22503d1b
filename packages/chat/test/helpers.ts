import type { ChatMessage, Command, PaxosValue } from '@quorum/protocol';
import { type AppliedEffect, ChatState, type ChatStateOptions } from '../src/index.js';

/** A plausible "now" for commands: 2023-11-14. */
export const T0 = 1_700_000_000_000;
export const HOUR = 60 * 60 * 1000;

/** A 64-hex-digit token hash made from a short tag. */
export function tokenHash(tag: string): string {
  return Array.from(
    { length: 64 },
    (_, i) => '0123456789abcdef'[(tag.charCodeAt(i % tag.length) + i) % 16],
  ).join('');
}

/**
 * Builds commands for one client: each call takes the next seq; `ts` comes from the shared
 * `clock` object, so tests can move time.
 */
export class TestClient {
  seq = 0;
  constructor(
    readonly user: string,
    readonly clientId: string = `client-${user}`,
    readonly clock: { now: number } = { now: T0 },
  ) {}

  /** Commands of this version (`v: 2`); `legacy` builds them as the previous build did (no `v`). */
  legacy = false;

  meta(): { clientId: string; seq: number; ts: number; v?: 2 } {
    this.seq += 1;
    const meta = { clientId: this.clientId, seq: this.seq, ts: this.clock.now };
    return this.legacy ? meta : { ...meta, v: 2 };
  }

  register(passwordHash = `kdf$${this.user}`): Command {
    return { op: 'register', ...this.meta(), user: this.user, passwordHash };
  }
  openSession(tag: string, expiresAt: number): Command {
    return { op: 'open_session', ...this.meta(), user: this.user, tokenHash: tokenHash(tag), expiresAt };
  }
  closeSession(tag: string): Command {
    return this.legacy
      ? { op: 'close_session', ...this.meta(), tokenHash: tokenHash(tag) }
      : { op: 'close_session', ...this.meta(), user: this.user, tokenHash: tokenHash(tag) };
  }
  join(room: string): Command {
    return { op: 'join', ...this.meta(), user: this.user, room };
  }
  leave(room: string): Command {
    return { op: 'leave', ...this.meta(), user: this.user, room };
  }
  post(room: string, text: string): Command {
    return { op: 'post', ...this.meta(), user: this.user, room, text };
  }
  react(room: string, position: number, emoji: string, on = true): Command {
    return { op: 'react', ...this.meta(), user: this.user, room, position, emoji, on };
  }
  setDisplayName(displayName: string): Command {
    return { op: 'set_display_name', ...this.meta(), user: this.user, displayName };
  }
}

/** A state plus the next slot number: `run(...)` commits the given commands as one slot. */
export class Replica {
  readonly state: ChatState;
  constructor(options?: ChatStateOptions | ChatState) {
    this.state = options instanceof ChatState ? options : new ChatState(options);
  }
  run(...commands: Command[]): AppliedEffect[] {
    const value: PaxosValue = { commands };
    return this.state.apply(this.state.lastAppliedSlot + 1, value);
  }
  /** Runs one command in its own slot and returns its single effect. */
  one(command: Command): AppliedEffect {
    const [effect] = this.run(command);
    if (effect === undefined) throw new Error('no effect');
    return effect;
  }
}

/** A replica where the given users are registered and have joined `room`. */
export function withRoom(room: string, ...users: string[]): { replica: Replica; clients: TestClient[] } {
  const replica = new Replica();
  const clock = { now: T0 };
  const clients = users.map((user) => new TestClient(user, `client-${user}`, clock));
  for (const client of clients) replica.run(client.register(), client.join(room));
  return { replica, clients };
}

/** Every message of a room, oldest first, paging through `messagesAfter`. */
export function allMessages(state: ChatState, room: string): ChatMessage[] {
  const out: ChatMessage[] = [];
  for (;;) {
    const page = state.messagesAfter(room, out.length);
    if (page === null) return out;
    out.push(...page.messages);
    if (page.complete) return out;
  }
}

/** Everything a client can observe through the queries, as plain data (no dedup table, no digest). */
export function publicView(
  state: ChatState,
  users: readonly string[],
  tokens: readonly string[] = [],
): unknown {
  return {
    rooms: state.rooms(),
    detail: state.rooms().map(({ room }) => ({
      room,
      members: state.members(room),
      history: allMessages(state, room),
    })),
    users: users.map((user) => ({
      user,
      exists: state.userExists(user),
      hash: state.passwordHashOf(user),
      displayName: state.displayName(user),
    })),
    sessions: tokens.map((token) => state.session(token, 0)),
  };
}
