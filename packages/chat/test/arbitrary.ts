import { type Command, clientKey, commandPrincipal, MAX_COMMANDS_IN_FLIGHT } from '@quorum/protocol';
import fc from 'fast-check';
import { dedupKey } from '../src/index.js';
import { T0, tokenHash } from './helpers.js';

/** Random command streams for property tests: few users, rooms and tokens so commands interact. */

export const USERS = ['ann', 'bob', 'cy'] as const;
export const ROOMS = ['r1', 'r2'] as const;
export const TOKENS = ['t1', 't2', 't3'].map(tokenHash);
/** Four clients; clients 0 and 3 are the same user (two tabs), so keying by clientId matters. */
export const CLIENTS = 4;
export const clientUser = (client: number): string => USERS[client % USERS.length]!;
export const clientId = (client: number): string => `client-${client}`;

type Body = { op: Command['op'] } & Record<string, unknown>;

const room = fc.constantFrom(...ROOMS);
const token = fc.constantFrom(...TOKENS);

/** What one client asks for, without (clientId, seq, ts) or user. */
export const action: fc.Arbitrary<Body> = fc.oneof(
  { arbitrary: fc.constant({ op: 'register' as const, passwordHash: 'kdf' }), weight: 2 },
  { arbitrary: room.map((r) => ({ op: 'join' as const, room: r })), weight: 3 },
  { arbitrary: room.map((r) => ({ op: 'leave' as const, room: r })), weight: 1 },
  {
    arbitrary: fc.record({ room, text: fc.string({ minLength: 1, maxLength: 8 }) }).map((b) => ({
      op: 'post' as const,
      ...b,
    })),
    weight: 6,
  },
  {
    arbitrary: fc
      .record({
        room,
        position: fc.integer({ min: 1, max: 3 }),
        emoji: fc.constantFrom('👍', '🎉', 'ok'),
        on: fc.boolean(),
      })
      .map((b) => ({ op: 'react' as const, ...b })),
    weight: 3,
  },
  {
    arbitrary: fc
      .constantFrom('A', 'B', 'Ünïcode')
      .map((d) => ({ op: 'set_display_name' as const, displayName: d })),
    weight: 1,
  },
  {
    arbitrary: fc
      .record({ tokenHash: token, life: fc.integer({ min: 1, max: 50_000 }) })
      .map(({ tokenHash, life }) => ({ op: 'open_session' as const, tokenHash, life })),
    weight: 1,
  },
  { arbitrary: token.map((t) => ({ op: 'close_session' as const, tokenHash: t })), weight: 1 },
);

export interface Stream {
  /** The commands in log order (retries included), with ts already fixed. */
  readonly commands: Command[];
  /** How many commands go into each slot (sums to at least commands.length; the rest are no-ops). */
  readonly slotSizes: number[];
}

/** Builds a command for `client` with its next seq. */
function build(client: number, seq: number, ts: number, body: Body): Command {
  const { life, ...rest } = body as Body & { life?: number };
  const meta = { clientId: clientId(client), seq, ts, v: 2 };
  const user = clientUser(client);
  if (rest.op === 'open_session') return { ...rest, ...meta, user, expiresAt: ts + (life ?? 1) } as Command;
  return { ...rest, ...meta, user } as Command;
}

/** Usually (each item with probability 6/7) every client registers and joins both rooms first. */
const PRELUDE: { client: number; body: Body }[] = Array.from({ length: CLIENTS }, (_, client) => [
  { client, body: { op: 'register' as const, passwordHash: `kdf-${client}` } },
  ...ROOMS.map((room) => ({ client, body: { op: 'join' as const, room } })),
]).flat();

/**
 * A stream: a prelude of registrations and joins, then each client's commands in seq order, interleaved, then copies of random earlier
 * commands (retries through another server) inserted at random places. The ts of every entry is
 * its place in the log (a retry gets a new ts, as a different proposer would stamp it).
 */
export const stream: fc.Arbitrary<Stream> = fc
  .record({
    prelude: fc.array(
      fc.oneof({ arbitrary: fc.constant(true), weight: 6 }, { arbitrary: fc.constant(false), weight: 1 }),
      {
        minLength: PRELUDE.length,
        maxLength: PRELUDE.length,
      },
    ),
    steps: fc.array(fc.record({ client: fc.integer({ min: 0, max: CLIENTS - 1 }), body: action }), {
      maxLength: 80,
    }),
    retries: fc.array(fc.record({ pick: fc.nat(), at: fc.nat() }), { maxLength: 30 }),
    slotSizes: fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 60 }),
  })
  .map(({ prelude, steps, retries, slotSizes }) => {
    const seqs = new Array<number>(CLIENTS).fill(0);
    const chosen = PRELUDE.filter((_, i) => prelude[i] === true);
    const originals = [...chosen, ...steps].map(({ client, body }) => {
      seqs[client] = (seqs[client] ?? 0) + 1;
      return { client, seq: seqs[client]!, body };
    });
    const entries = [...originals];
    for (const { pick, at } of retries) {
      if (originals.length === 0) break;
      const copy = originals[pick % originals.length]!;
      entries.splice(at % (entries.length + 1), 0, copy);
    }
    const commands = entries.map((e, i) => build(e.client, e.seq, T0 + i * 1000, e.body));
    const sizes = [...slotSizes];
    let covered = sizes.reduce((a, b) => a + b, 0);
    while (covered < commands.length) {
      sizes.push(3);
      covered += 3;
    }
    return { commands, slotSizes: sizes };
  });

/** Splits commands into slots of the given sizes (trailing slots may be empty no-ops). */
export function slots(s: Stream): Command[][] {
  const out: Command[][] = [];
  let at = 0;
  for (const size of s.slotSizes) {
    out.push(s.commands.slice(at, at + size));
    at += size;
  }
  return out;
}

/** The same commands as the previous build wrote them: no `v`, no user on close_session. */
export function asLegacy(commands: readonly Command[]): Command[] {
  return commands.map((command) => {
    const { v: _v, ...rest } = command;
    if (rest.op !== 'close_session') return rest;
    const { user: _user, ...withoutUser } = rest;
    return withoutUser;
  });
}

/**
 * The commands the exactly-once rule lets through (commands with `v`): per user and client, each
 * seq once, and none at or below the client's newest applied seq minus the window.
 */
export function firstApplications(commands: readonly Command[]): Command[] {
  const applied = new Map<string, { newest: number; seqs: Set<number> }>();
  return commands.filter((c) => {
    const key = clientKey(commandPrincipal(c), c.clientId);
    const client = applied.get(key) ?? { newest: 0, seqs: new Set<number>() };
    applied.set(key, client);
    if (client.seqs.has(c.seq) || c.seq <= client.newest - MAX_COMMANDS_IN_FLIGHT) return false;
    client.seqs.add(c.seq);
    client.newest = Math.max(client.newest, c.seq);
    return true;
  });
}

/** The same for legacy commands: per client, only seqs above every earlier one. */
export function firstLegacyApplications(commands: readonly Command[]): Command[] {
  const last = new Map<string, number>();
  return commands.filter((c) => {
    const key = dedupKey(c);
    if (c.seq <= (last.get(key) ?? 0)) return false;
    last.set(key, c.seq);
    return true;
  });
}
