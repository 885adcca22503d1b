import {
  type ChatMessage,
  COMMAND_VERSION,
  type Command,
  commandIdentity,
  DEDUP_ANONYMOUS_CLIENTS,
  DEDUP_CLIENTS_PER_USER,
  DEDUP_WINDOW_MS,
  ERROR_CODES,
  type ErrorCode,
  MAX_COMMANDS_IN_FLIGHT,
  MAX_DISPLAY_NAME_LENGTH,
  MAX_HISTORY_PAGE,
  MAX_ROOMS_CREATED_PER_USER,
  MAX_TEXT_LENGTH,
  type PaxosValue,
} from '@quorum/protocol';
import { expire, lookup, remember } from './client-table.js';
import { ApplyOrderError } from './errors.js';
import { chainDigest, GENESIS_DIGEST } from './hash.js';
import {
  type Config,
  copyMessage,
  type DedupRecord,
  headOf,
  type Model,
  type Reactions,
  type RoomRecord,
} from './model.js';
import { parseSnapshot, serializeSnapshot } from './snapshot.js';
import { SnapshotWriter } from './snapshot-writer.js';
import type {
  AppliedEffect,
  ArchivedRange,
  ChatEvent,
  ChatStateOptions,
  ChatStats,
  CommandResult,
  DedupEntry,
  EffectMeta,
  Failure,
  HistoryPage,
  Outcome,
  ResumePage,
  RoomSummary,
  SessionInfo,
  StateDigest,
} from './types.js';

/** Default dedup window: 24 hours of replicated clock, far longer than any client retry. */
export const DEFAULT_DEDUP_WINDOW_MS = DEDUP_WINDOW_MS;
/** Default cap on legacy dedup entries (clients remembered, for commands without `v`). */
export const DEFAULT_MAX_DEDUP_CLIENTS = 100_000;
/** Default number of newest messages per room kept in memory (older ones are archived). */
export const DEFAULT_RETAIN_PER_ROOM = 1000;
/**
 * The replicated clock advances by at most this much per command, so one command stamped far in
 * the future (a proposer with a wrong clock) cannot evict the whole dedup table at once.
 */
export const MAX_CLOCK_STEP_MS = 60 * 60 * 1000;
/** Expired sessions are swept whenever the replicated clock enters a new period of this length. */
export const SESSION_SWEEP_MS = 60 * 60 * 1000;
/** Most distinct emoji on one message; reacting with one more is `forbidden`. */
export const MAX_EMOJI_PER_MESSAGE = 32;

const NOTHING_ARCHIVED: readonly ChatMessage[] = Object.freeze([]);
const NO_SESSIONS: readonly string[] = Object.freeze([]);

const USER_OPS: ReadonlySet<string> = new Set([
  'post',
  'react',
  'join',
  'leave',
  'set_display_name',
  'set_password_hash',
]);

/**
 * A command field for an error message. Never throws: a malformed command (impossible after the
 * protocol codecs) may carry an object whose toString/valueOf are not functions, or a symbol.
 */
function show(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? '[array]' : '[object]';
  return String(value);
}

function fail(code: ErrorCode, message: string = ERROR_CODES[code].text): Failure {
  return Object.freeze({ ok: false, code, message });
}

function succeed(result: CommandResult): Outcome {
  return Object.freeze({ ok: true, result: Object.freeze(result) });
}

function isUint(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function clampLimit(limit: number): number {
  if (!Number.isFinite(limit)) return MAX_HISTORY_PAGE;
  return Math.max(0, Math.min(Math.floor(limit), MAX_HISTORY_PAGE));
}

function checkOptions(options: ChatStateOptions): Config {
  const dedupWindowMs = options.dedupWindowMs ?? DEFAULT_DEDUP_WINDOW_MS;
  const maxDedupClients = options.maxDedupClients ?? DEFAULT_MAX_DEDUP_CLIENTS;
  if (!Number.isSafeInteger(dedupWindowMs) || dedupWindowMs < 1) {
    throw new RangeError('dedupWindowMs must be a positive integer');
  }
  if (!Number.isSafeInteger(maxDedupClients) || maxDedupClients < 1) {
    throw new RangeError('maxDedupClients must be a positive integer');
  }
  const retainPerRoom = options.retainPerRoom ?? DEFAULT_RETAIN_PER_ROOM;
  if (!Number.isSafeInteger(retainPerRoom) || retainPerRoom < 1) {
    throw new RangeError('retainPerRoom must be a positive integer');
  }
  const clientsPerUser = positive(options.clientsPerUser ?? DEDUP_CLIENTS_PER_USER, 'clientsPerUser');
  const anonymousClients = positive(options.anonymousClients ?? DEDUP_ANONYMOUS_CLIENTS, 'anonymousClients');
  const seqWindow = positive(options.seqWindow ?? MAX_COMMANDS_IN_FLIGHT, 'seqWindow');
  const roomsPerUser = positive(options.roomsPerUser ?? MAX_ROOMS_CREATED_PER_USER, 'roomsPerUser');
  return {
    dedupWindowMs,
    maxDedupClients,
    retainPerRoom,
    clientsPerUser,
    anonymousClients,
    seqWindow,
    roomsPerUser,
  };
}

function positive(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer`);
  return value;
}

/**
 * The replicated chat state machine: a pure, deterministic reducer over committed Paxos slots.
 *
 * Feed it every committed slot in order with `apply`; it returns one `AppliedEffect` per command.
 * Everything else is a read-only query. It never reads a clock, draws a random number or does I/O:
 * time comes only from the `ts` inside commands. Two replicas that applied the same slots hold
 * the same state, produce the same `snapshot()` text and the same `digest()`.
 *
 * Query results are copies; mutating them does not change the state.
 */
export class ChatState {
  #m: Model;
  /**
   * Messages pushed out of memory by the command being applied (its effect's `archived`): the
   * shared empty list until a post overflows its room, so most commands allocate nothing here.
   */
  #archived: readonly ChatMessage[] = NOTHING_ARCHIVED;
  /** Token hashes of the sessions the command being applied ended (closed, or swept as expired). */
  #ended: string[] | null = null;

  constructor(options: ChatStateOptions = {}) {
    this.#m = {
      config: checkOptions(options),
      lastAppliedSlot: 0,
      appliedCount: 0,
      hash: GENESIS_DIGEST,
      clock: 0,
      users: new Map(),
      sessions: new Map(),
      rooms: new Map(),
      dedup: new Map(),
      clients: new Map(),
      clientsByUser: new Map(),
      roomsCreated: new Map(),
    };
  }

  /**
   * Rebuilds a state from `snapshot()` text. Throws `SnapshotError` on anything that is not a
   * snapshot this version wrote (checksum, structure, invariants, canonical form).
   */
  static restore(text: string): ChatState {
    const state = new ChatState();
    state.#m = parseSnapshot(text);
    return state;
  }

  // ---- applying ----------------------------------------------------------------------------

  /**
   * Applies one committed slot: its commands in order. Returns one effect per command (an empty
   * array for a no-op slot).
   *
   * Slots must come in order, each exactly `lastAppliedSlot + 1`. A slot at or below
   * `lastAppliedSlot` was already applied (e.g. replayed after restoring a snapshot) and is ignored
   * (returns `[]`); a gap throws `ApplyOrderError` and a value that is not `{ commands: [...] }`
   * throws `TypeError`, both without changing anything. Commands that are objects but malformed
   * (impossible after the protocol codecs) become `invalid_message` failures: apply never throws
   * halfway through a slot.
   */
  apply(slot: number, value: PaxosValue): AppliedEffect[] {
    if (!Number.isSafeInteger(slot) || slot < 1) {
      throw new ApplyOrderError(`slot must be an integer >= 1, got ${String(slot)}`);
    }
    const m = this.#m;
    if (slot <= m.lastAppliedSlot) return [];
    if (slot !== m.lastAppliedSlot + 1) {
      throw new ApplyOrderError(`slot ${slot} applied after ${m.lastAppliedSlot}: slots must not skip`);
    }
    const commands: unknown = value?.commands;
    if (!Array.isArray(commands) || commands.some((c) => typeof c !== 'object' || c === null)) {
      throw new TypeError(`slot ${slot}: a Paxos value is { commands: Command[] }`);
    }
    const effects: AppliedEffect[] = [];
    value.commands.forEach((command, index) => {
      effects.push(this.#applyCommand(slot, index, command));
    });
    m.lastAppliedSlot = slot;
    return effects;
  }

  #applyCommand(slot: number, index: number, command: Command): AppliedEffect {
    const effect = this.#applyOne(slot, index, command);
    return this.#ended === null ? effect : { ...effect, endedSessions: this.#ended };
  }

  #applyOne(slot: number, index: number, command: Command): AppliedEffect {
    const m = this.#m;
    m.appliedCount += 1;
    m.hash = chainDigest(m.hash, slot, command);
    this.#archived = NOTHING_ARCHIVED;
    this.#ended = null;
    const identity = commandIdentity(command);
    const meta = {
      slot,
      index,
      op: command.op,
      user: identity.user,
      clientId: command.clientId,
      seq: command.seq,
      ts: command.ts,
      archived: NOTHING_ARCHIVED,
      endedSessions: NO_SESSIONS,
    };
    const clientIdOk = typeof command.clientId === 'string' && command.clientId.length > 0;
    if (!clientIdOk || !isUint(command.seq) || command.seq < 1 || !isUint(command.ts)) {
      // Unreachable through the validating codecs; handled so that apply never throws on data.
      return { ...meta, dedup: 'new', events: [], ...fail('invalid_message', 'Malformed command metadata.') };
    }
    this.#advanceClock(command.ts);
    if (command.v !== COMMAND_VERSION) return this.#applyLegacy(command, meta);

    const seen = lookup(m, identity);
    expire(m);
    this.#evict(); // the legacy table drains by time once nothing feeds it
    if (seen.kind === 'duplicate') return { ...meta, dedup: 'duplicate', events: [], ...seen.outcome };
    if (seen.kind === 'expired') {
      return {
        ...meta,
        dedup: 'stale',
        events: [],
        ...fail(
          'seq_expired',
          `seq ${show(command.seq)} is more than ${m.config.seqWindow} below this client's newest applied seq ` +
            `${seen.newest}: whether it was applied can no longer be told.`,
        ),
      };
    }
    const events: ChatEvent[] = [];
    const outcome = this.#execute(command, events);
    remember(m, identity, outcome);
    expire(m);
    return { ...meta, dedup: 'new', events, ...outcome, archived: this.#archived };
  }

  /**
   * A command from a log written before commands carried `v`: deduped by the rules of that
   * version, byte for byte, so that a replica replaying an old log from its start and one that
   * restored an old snapshot hold the same state.
   */
  #applyLegacy(command: Command, meta: Omit<EffectMeta, 'dedup' | 'events'>): AppliedEffect {
    const m = this.#m;
    const key = dedupKey(command);
    const known = m.dedup.get(key);
    if (known !== undefined && command.seq <= known.seq) {
      this.#touch(key, known);
      this.#evict();
      if (command.seq === known.seq) return { ...meta, dedup: 'duplicate', events: [], ...known.outcome };
      return {
        ...meta,
        dedup: 'stale',
        events: [],
        ...fail(
          'forbidden',
          `Not applied: seq ${show(command.seq)} is below this client's last applied seq ${known.seq} ` +
            '(a late retry of a command already applied, or overtaken by a later one).',
        ),
      };
    }

    const events: ChatEvent[] = [];
    const outcome = this.#execute(command, events);
    this.#touch(key, { seq: command.seq, lastSeen: m.clock, outcome });
    this.#evict();
    return { ...meta, dedup: 'new', events, ...outcome, archived: this.#archived };
  }

  /** Moves the client's entry to the recent end of the table and stamps it with the clock. */
  #touch(clientId: string, entry: DedupRecord): void {
    const m = this.#m;
    entry.lastSeen = m.clock;
    m.dedup.delete(clientId);
    m.dedup.set(clientId, entry);
  }

  /**
   * The dedup eviction rule: drop the least recently touched entries while they are older than
   * the window (`clock - lastSeen > dedupWindowMs`) or the table is over its cap. The table is in
   * recency order with non-decreasing `lastSeen`, so this only looks at the evicted entries and
   * the first survivor.
   */
  #evict(): void {
    const { dedup, clock, config } = this.#m;
    for (const [clientId, entry] of dedup) {
      if (clock - entry.lastSeen > config.dedupWindowMs || dedup.size > config.maxDedupClients) {
        dedup.delete(clientId);
      } else {
        break;
      }
    }
  }

  /**
   * The clock is the newest `ts` applied, never moving back and moving forward by at most
   * MAX_CLOCK_STEP_MS per command (the first command sets it outright).
   */
  #advanceClock(ts: number): void {
    const m = this.#m;
    const before = m.clock;
    if (before === 0) m.clock = ts;
    else if (ts > before) m.clock = Math.min(ts, before + MAX_CLOCK_STEP_MS);
    if (Math.floor(m.clock / SESSION_SWEEP_MS) !== Math.floor(before / SESSION_SWEEP_MS)) {
      for (const [tokenHash, session] of m.sessions) {
        if (session.expiresAt <= m.clock) {
          m.sessions.delete(tokenHash);
          this.#endSession(tokenHash);
        }
      }
    }
  }

  #execute(command: Command, events: ChatEvent[]): Outcome {
    const m = this.#m;
    if (USER_OPS.has(command.op)) {
      const user = (command as { user?: unknown }).user;
      if (typeof user !== 'string' || !m.users.has(user)) {
        return fail('not_authenticated', `Unknown user "${show(user)}".`);
      }
    }
    switch (command.op) {
      case 'register': {
        if (typeof command.user !== 'string' || command.user.length === 0) {
          return fail('invalid_message', 'Missing user name.');
        }
        if (m.users.has(command.user)) return fail('user_exists');
        if (typeof command.passwordHash !== 'string' || command.passwordHash.length === 0) {
          return fail('invalid_message', 'Missing password hash.');
        }
        m.users.set(command.user, { passwordHash: command.passwordHash, displayName: command.user });
        return succeed({ op: 'register', user: command.user });
      }
      case 'open_session': {
        const user = m.users.get(command.user);
        if (user === undefined) return fail('auth_failed', `Unknown user "${show(command.user)}".`);
        if (typeof command.tokenHash !== 'string' || !isUint(command.expiresAt)) {
          return fail('invalid_message', 'Malformed session.');
        }
        const existing = m.sessions.get(command.tokenHash);
        if (existing !== undefined && existing.user !== command.user) {
          return fail('forbidden', 'That token belongs to another session.');
        }
        m.sessions.set(command.tokenHash, { user: command.user, expiresAt: command.expiresAt });
        return succeed({
          op: 'open_session',
          user: command.user,
          displayName: user.displayName,
          expiresAt: command.expiresAt,
        });
      }
      case 'close_session': {
        // A user closes only their own sessions (legacy commands carry no user).
        const session = m.sessions.get(command.tokenHash);
        if (session !== undefined && command.user !== undefined && session.user !== command.user) {
          return fail('forbidden', 'That token belongs to another user.');
        }
        const revoked = m.sessions.delete(command.tokenHash);
        if (revoked) this.#endSession(command.tokenHash);
        return succeed({ op: 'close_session', revoked });
      }
      case 'join': {
        let room = m.rooms.get(command.room);
        const created = room === undefined;
        if (room === undefined) {
          if (typeof command.room !== 'string' || command.room.length === 0) {
            return fail('invalid_message', 'Missing room name.');
          }
          // Rooms are never deleted: each user may create a bounded number (commands of this
          // version; an old log's rooms were created without a quota and keep no creator).
          const creator = command.v === COMMAND_VERSION ? command.user : '';
          const made = m.roomsCreated.get(creator) ?? 0;
          if (creator !== '' && made >= m.config.roomsPerUser) {
            return fail('quota_exceeded', `A user may create at most ${m.config.roomsPerUser} rooms.`);
          }
          room = {
            creator,
            members: new Set(),
            firstPosition: 1,
            messages: [],
            archivedReactions: new Map(),
          };
          m.rooms.set(command.room, room);
          if (creator !== '') m.roomsCreated.set(creator, made + 1);
        }
        const joined = !room.members.has(command.user);
        if (joined) {
          room.members.add(command.user);
          events.push({ type: 'membership', room: command.room, user: command.user, joined: true });
        }
        return succeed({ op: 'join', room: command.room, created, joined, head: headOf(room) });
      }
      case 'leave': {
        const room = m.rooms.get(command.room);
        if (room === undefined) return fail('unknown_room', `There is no room "${show(command.room)}".`);
        const left = room.members.delete(command.user);
        if (left) events.push({ type: 'membership', room: command.room, user: command.user, joined: false });
        return succeed({ op: 'leave', room: command.room, left });
      }
      case 'post': {
        const room = this.#memberRoom(command.room, command.user);
        if ('ok' in room) return room;
        if (typeof command.text !== 'string' || command.text.length === 0) {
          return fail('invalid_message', 'Empty message.');
        }
        if (command.text.length > MAX_TEXT_LENGTH) return fail('text_too_long');
        const message: ChatMessage = {
          room: command.room,
          position: headOf(room) + 1,
          author: command.user,
          text: command.text,
          ts: command.ts,
          reactions: [],
        };
        room.messages.push(message);
        events.push({ type: 'message', message: copyMessage(message) });
        this.#archiveOverflow(room);
        return succeed({ op: 'post', room: command.room, position: message.position, ts: command.ts });
      }
      case 'react': {
        const room = this.#memberRoom(command.room, command.user);
        if ('ok' in room) return room;
        const position = isUint(command.position) && command.position >= 1 ? command.position : 0;
        const inMemory = position >= room.firstPosition;
        const message = inMemory ? room.messages[position - room.firstPosition] : undefined;
        if (position === 0 || (inMemory && message === undefined)) {
          return fail(
            'unknown_message',
            `There is no message ${show(command.position)} in "${show(command.room)}".`,
          );
        }
        if (typeof command.emoji !== 'string' || command.emoji.length === 0) {
          return fail('invalid_message', 'Missing emoji.');
        }
        // An archived message's reactions live in the room's sparse map (created on first use).
        const reactions: Reactions = message?.reactions ?? room.archivedReactions.get(position) ?? [];
        const on = command.on === true;
        const at = reactions.findIndex((r) => r.emoji === command.emoji);
        const reaction = reactions[at];
        let changed = false;
        if (on) {
          if (reaction === undefined) {
            if (reactions.length >= MAX_EMOJI_PER_MESSAGE) {
              return fail(
                'forbidden',
                `A message can carry at most ${MAX_EMOJI_PER_MESSAGE} different emoji.`,
              );
            }
            reactions.push({ emoji: command.emoji, users: [command.user] });
            changed = true;
          } else if (!reaction.users.includes(command.user)) {
            reaction.users.push(command.user);
            changed = true;
          }
        } else if (reaction !== undefined) {
          const userAt = reaction.users.indexOf(command.user);
          if (userAt >= 0) {
            reaction.users.splice(userAt, 1);
            if (reaction.users.length === 0) reactions.splice(at, 1);
            changed = true;
          }
        }
        if (message === undefined) {
          if (reactions.length > 0) room.archivedReactions.set(position, reactions);
          else room.archivedReactions.delete(position);
        }
        if (changed) {
          events.push({
            type: 'reaction',
            room: command.room,
            position,
            user: command.user,
            emoji: command.emoji,
            on,
          });
        }
        return succeed({
          op: 'react',
          room: command.room,
          position,
          emoji: command.emoji,
          on,
          changed,
        });
      }
      case 'set_display_name': {
        const user = m.users.get(command.user)!;
        const name = command.displayName;
        if (typeof name !== 'string' || name.length === 0 || name.length > MAX_DISPLAY_NAME_LENGTH) {
          return fail('invalid_message', 'A display name has 1 to 64 characters.');
        }
        const changed = user.displayName !== name;
        if (changed) {
          user.displayName = name;
          events.push({ type: 'display_name', user: command.user, displayName: name });
        }
        return succeed({ op: 'set_display_name', user: command.user, displayName: name, changed });
      }
      case 'set_password_hash': {
        if (typeof command.passwordHash !== 'string' || command.passwordHash.length === 0) {
          return fail('invalid_message', 'Missing password hash.');
        }
        m.users.get(command.user)!.passwordHash = command.passwordHash;
        return succeed({ op: 'set_password_hash', user: command.user });
      }
      default: {
        const op: never = command;
        const name = show((op as { op?: unknown }).op).slice(0, 64);
        return fail('invalid_message', `Unknown command op "${name}".`);
      }
    }
  }

  #endSession(tokenHash: string): void {
    this.#ended ??= [];
    this.#ended.push(tokenHash);
  }

  /**
   * Keeps the room's newest `retainPerRoom` messages in memory: the oldest ones leave through the
   * effect's `archived` list (without reactions, which move to `archivedReactions`).
   */
  #archiveOverflow(room: RoomRecord): void {
    const limit = this.#m.config.retainPerRoom;
    if (room.messages.length <= limit) return;
    const archived: ChatMessage[] = []; // a command posts at most once: one overflow per command
    while (room.messages.length > limit) {
      const oldest = room.messages.shift()!;
      room.firstPosition += 1;
      if (oldest.reactions.length > 0) room.archivedReactions.set(oldest.position, oldest.reactions);
      archived.push({ ...oldest, reactions: [] });
    }
    this.#archived = archived;
  }

  /** The room if it exists and `user` is a member, else the failure to return. */
  #memberRoom(name: string, user: string): RoomRecord | Failure {
    const room = this.#m.rooms.get(name);
    if (room === undefined) return fail('unknown_room', `There is no room "${show(name)}".`);
    if (!room.members.has(user)) return fail('not_member', `Join "${name}" first.`);
    return room;
  }

  // ---- snapshot and digest -----------------------------------------------------------------

  /**
   * The whole state as deterministic text: identical state gives identical text on every replica
   * (canonical key order, sorted collections, dedup table in its recency order), preceded by a
   * checksum line. `ChatState.restore(text)` rebuilds it.
   */
  snapshot(): string {
    return serializeSnapshot(this.#m);
  }

  /**
   * A writer of this state's snapshot text as of now, to be written in steps while the state
   * goes on applying (see SnapshotWriter); the text equals what `snapshot()` returns now.
   */
  snapshotWriter(): SnapshotWriter {
    return new SnapshotWriter(this.#m);
  }

  /** The replica's fingerprint: the chained hash of every applied command (survives snapshots). */
  digest(): StateDigest {
    const m = this.#m;
    return { lastAppliedSlot: m.lastAppliedSlot, appliedCount: m.appliedCount, hash: m.hash };
  }

  // ---- queries -----------------------------------------------------------------------------

  /** The last slot applied (0 before the first). */
  get lastAppliedSlot(): number {
    return this.#m.lastAppliedSlot;
  }

  /** Commands applied so far, duplicates and rejected ones included. */
  get appliedCount(): number {
    return this.#m.appliedCount;
  }

  /** The replicated clock: newest command `ts` applied (rate-limited, see MAX_CLOCK_STEP_MS). */
  get clock(): number {
    return this.#m.clock;
  }

  /** The options in force (they travel with snapshots). */
  get options(): Required<ChatStateOptions> {
    return { ...this.#m.config };
  }

  userExists(user: string): boolean {
    return this.#m.users.has(user);
  }

  /** The stored password hash (the KDF's encoded output), or null for an unknown user. */
  passwordHashOf(user: string): string | null {
    return this.#m.users.get(user)?.passwordHash ?? null;
  }

  /** The user's display name (the user name until set), or null for an unknown user. */
  displayName(user: string): string | null {
    return this.#m.users.get(user)?.displayName ?? null;
  }

  /**
   * The session for a token hash at time `now` (ms since the epoch, the caller's clock), or null
   * when unknown, revoked or expired (`now >= expiresAt`).
   */
  session(tokenHash: string, now: number): SessionInfo | null {
    const session = this.#m.sessions.get(tokenHash);
    if (session === undefined || now >= session.expiresAt) return null;
    return { user: session.user, expiresAt: session.expiresAt };
  }

  /** The user a token hash logs in as at time `now`, or null (unknown, revoked or expired). */
  sessionUser(tokenHash: string, now: number): string | null {
    return this.session(tokenHash, now)?.user ?? null;
  }

  roomExists(room: string): boolean {
    return this.#m.rooms.has(room);
  }

  isMember(room: string, user: string): boolean {
    return this.#m.rooms.get(room)?.members.has(user) ?? false;
  }

  /** The room's newest position: 0 for an empty or unknown room. */
  head(room: string): number {
    const record = this.#m.rooms.get(room);
    return record === undefined ? 0 : headOf(record);
  }

  /** The oldest position kept in memory (older ones are archived); 0 for an unknown room. */
  firstRetained(room: string): number {
    return this.#m.rooms.get(room)?.firstPosition ?? 0;
  }

  /** The room's members, sorted by user name; empty for an unknown room. */
  members(room: string): string[] {
    const record = this.#m.rooms.get(room);
    return record === undefined ? [] : [...record.members].sort();
  }

  /** Every room, sorted by name. */
  rooms(): RoomSummary[] {
    return [...this.#m.rooms.keys()].sort().map((name) => {
      const record = this.#m.rooms.get(name)!;
      return { room: name, members: record.members.size, head: headOf(record) };
    });
  }

  /**
   * The reactions of an archived message (position below `firstRetained`), as the archive's copy
   * lacks them; empty when it has none or is not archived.
   */
  archivedReactions(room: string, position: number): Reactions {
    const reactions = this.#m.rooms.get(room)?.archivedReactions.get(position) ?? [];
    return reactions.map((r) => ({ emoji: r.emoji, users: [...r.users] }));
  }

  /** The message at `position` if it is in memory, or null (unknown, or archived). */
  message(room: string, position: number): ChatMessage | null {
    const record = this.#m.rooms.get(room);
    if (record === undefined || !Number.isSafeInteger(position) || position < record.firstPosition)
      return null;
    const message = record.messages[position - record.firstPosition];
    return message === undefined ? null : copyMessage(message);
  }

  /**
   * A page of at most `limit` (clamped to MAX_HISTORY_PAGE) messages strictly before position
   * `before` (or the newest ones when omitted), oldest first. Null for an unknown room.
   */
  history(room: string, before?: number, limit: number = MAX_HISTORY_PAGE): HistoryPage | null {
    const record = this.#m.rooms.get(room);
    if (record === undefined) return null;
    const head = headOf(record);
    const end =
      before === undefined || !Number.isFinite(before) ? head + 1 : Math.min(Math.floor(before), head + 1);
    const start = Math.max(1, end - clampLimit(limit));
    const messages = this.#slice(record, Math.max(start, record.firstPosition), end);
    return {
      messages,
      archived: archivedPart(record, start, end),
      hasMore: end > start && start > 1,
      head,
    };
  }

  /**
   * For gap-free resume: the positions `after + 1 ...` up to `limit` (clamped to
   * MAX_HISTORY_PAGE), oldest first: the archived ones as a range for the host to read, then those
   * in memory. A client ahead of this replica (`after >= head`) gets no messages and
   * `complete: true`: compare `after` with `head` to notice. Null for an unknown room.
   */
  messagesAfter(room: string, after: number, limit: number = MAX_HISTORY_PAGE): ResumePage | null {
    const record = this.#m.rooms.get(room);
    if (record === undefined) return null;
    const head = headOf(record);
    const from = Math.max(0, Math.floor(Number.isFinite(after) ? after : 0));
    const end = Math.min(head + 1, from + 1 + clampLimit(limit));
    const messages = this.#slice(record, Math.max(from + 1, record.firstPosition), end);
    return {
      recovered: true,
      messages,
      archived: archivedPart(record, from + 1, end),
      complete: end >= head + 1,
      head,
    };
  }

  /** Copies of the messages at positions [start, end). */
  #slice(record: RoomRecord, start: number, end: number): ChatMessage[] {
    if (end <= start) return [];
    return record.messages
      .slice(start - record.firstPosition, end - record.firstPosition)
      .map((message) => copyMessage(message));
  }

  /**
   * What the per-user table remembers of one client: its newest applied seq and the first
   * outcome of each remembered seq (null when the client is unknown or was forgotten). With
   * `legacy`, the entry of the table earlier versions kept (`key` is then its key: see dedupKey).
   */
  lastApplied(clientId: string, user: string): DedupEntry | null {
    const record = this.#m.clientsByUser.get(user)?.get(clientId);
    if (record === undefined) return null;
    return {
      seq: record.newest,
      lastSeen: record.lastSeen,
      outcome: record.outcomes.get(record.newest)!,
      outcomes: new Map(record.outcomes),
    };
  }

  /** The legacy table's entry (commands without `v`) under its key (see dedupKey). */
  legacyEntry(key: string): Omit<DedupEntry, 'outcomes'> | null {
    const entry = this.#m.dedup.get(key);
    return entry === undefined ? null : { seq: entry.seq, lastSeen: entry.lastSeen, outcome: entry.outcome };
  }

  /** Sizes, for metrics. */
  stats(): ChatStats {
    const m = this.#m;
    let messages = 0;
    let archivedMessages = 0;
    for (const room of m.rooms.values()) {
      messages += room.messages.length;
      archivedMessages += room.firstPosition - 1;
    }
    return {
      users: m.users.size,
      sessions: m.sessions.size,
      rooms: m.rooms.size,
      messages,
      archivedMessages,
      dedupClients: m.dedup.size + m.clients.size,
    };
  }
}

/** The archived positions within [start, end), or null if none are archived. */
function archivedPart(record: RoomRecord, start: number, end: number): ArchivedRange | null {
  const to = Math.min(end, record.firstPosition);
  return start < to ? { from: start, to } : null;
}

/**
 * The dedup table's key. A client's own commands (`post`, `react`) are keyed by user and
 * clientId together, so that nobody can spend another user's sequence numbers by borrowing their
 * clientId (which would make that user's next sends look stale). Server-originated commands use
 * the server's own clientId (`srv.<id>.<boot>`, which clients may not use) for every user, so
 * they are keyed by clientId alone.
 */
export function dedupKey(command: Command): string {
  const user: unknown = (command as { user?: unknown }).user;
  if ((command.op === 'post' || command.op === 'react') && typeof user === 'string')
    return `${user}\u0000${command.clientId}`;
  return command.clientId;
}
