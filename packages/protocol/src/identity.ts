import type { Command } from './commands.js';

/**
 * A command's identity: who it speaks for (`user`), which of their clients sent it (`clientId`)
 * and that client's number for it (`seq`). Defined once, here, and used by every layer that
 * dedups or waits: the leader's in-flight dedup, a server's pending commands, the chat state
 * machine's dedup table and the simulator.
 *
 * Why the user is part of it: a `clientId` is chosen by the client and travels to other people
 * (or can be guessed), so two users can send the same `(clientId, seq)`. Keyed by
 * `(clientId, seq)` alone, user B's command would be taken for a retry of user A's and A's
 * acknowledged message would never be posted. The user comes from the server's authenticated
 * session, never from the client, so nobody can speak in another user's name.
 *
 * - Commands issued for a signed-in user (post, react, join, leave, set_display_name,
 *   open_session, close_session) are scoped to that user.
 * - `register` is scoped to the anonymous principal `''`: the name it carries belongs to nobody
 *   yet (or to someone else, when it is taken), so an attempt to register "alice" must not
 *   count against alice's table.
 * - A `close_session` from a log written before commands carried its user is scoped to `''` too.
 */
export interface CommandIdentity {
  readonly user: string;
  readonly clientId: string;
  readonly seq: number;
}

/** The principal of commands that speak for nobody yet (`register`). */
export const ANONYMOUS_PRINCIPAL = '';

/** Whom a command speaks for; see `CommandIdentity`. */
export function commandPrincipal(command: Command): string {
  if (command.op === 'register') return ANONYMOUS_PRINCIPAL;
  const user: unknown = (command as { user?: unknown }).user;
  return typeof user === 'string' ? user : ANONYMOUS_PRINCIPAL;
}

export function commandIdentity(command: Command): CommandIdentity {
  return { user: commandPrincipal(command), clientId: command.clientId, seq: command.seq };
}

/**
 * A map key for one identity: distinct identities never share one (user names and client ids
 * cannot contain NUL, and a seq is digits).
 */
export function identityKey(identity: CommandIdentity): string {
  return `${identity.user}\u0000${identity.clientId}\u0000${identity.seq}`;
}

/** `identityKey(commandIdentity(command))` without the intermediate object. */
export function commandKey(command: Command): string {
  return `${commandPrincipal(command)}\u0000${command.clientId}\u0000${command.seq}`;
}

/** A map key for one client of one user: the dedup table's key. */
export function clientKey(user: string, clientId: string): string {
  return `${user}\u0000${clientId}`;
}
