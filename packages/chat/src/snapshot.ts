import {
  type ChatMessage,
  clientKey,
  DEDUP_ANONYMOUS_CLIENTS,
  DEDUP_CLIENTS_PER_USER,
  ERROR_CODES,
  type ErrorCode,
  MAX_COMMANDS_IN_FLIGHT,
  MAX_ROOMS_CREATED_PER_USER,
} from '@quorum/protocol';
import { SnapshotError } from './errors.js';
import { fnv1a64 } from './hash.js';
import type { ClientRecord, DedupRecord, Model, RoomRecord, SessionRecord, UserRecord } from './model.js';
import { SNAPSHOT_VERSION, SnapshotWriter } from './snapshot-writer.js';
import type { CommandResult, Outcome } from './types.js';

/**
 * Version 2, the previous build's: messages carry their author's clientId and seq, and there is
 * no per-user dedup table. Still restored (those fields are dropped), so a store written by that
 * build opens; its text is checked by its checksum, not by writing it back.
 */
const LEGACY_VERSION = 2;

/**
 * Snapshot text format, version 3 (version 1 kept every message; it is refused):
 *
 *     QCHAT-SNAPSHOT 2 <fnv1a64 of the body, 16 hex>\n<body>
 *
 * The body is canonical JSON (see canonical.ts) of the whole state. Collections keyed by name are
 * arrays sorted by that name; room members are sorted; messages (only those in memory: the host's
 * archive holds older ones) are in position order, and so are the reactions of archived messages;
 * the dedup table is in its recency order (least recently touched first), which is replicated state because
 * the eviction rule depends on it. Restoring re-serialises the parsed state and insists on getting
 * the very same text back, so any non-canonical or inconsistent input is rejected.
 */
const HEADER = /^QCHAT-SNAPSHOT (\d+) ([0-9a-f]{16})$/;

/** The whole snapshot text at once (see SnapshotWriter, which can also write it in steps). */
export function serializeSnapshot(m: Model): string {
  return new SnapshotWriter(m).finish();
}

export function parseSnapshot(text: unknown): Model {
  if (typeof text !== 'string') throw new SnapshotError('A snapshot is text.');
  const newline = text.indexOf('\n');
  const header = HEADER.exec(newline < 0 ? '' : text.slice(0, newline));
  if (header === null) throw new SnapshotError('Not a chat snapshot: bad header line.');
  const version = Number(header[1]);
  if (version !== SNAPSHOT_VERSION && version !== LEGACY_VERSION)
    throw new SnapshotError(`Unsupported snapshot version ${header[1]}.`);
  const body = text.slice(newline + 1);
  if (fnv1a64(body) !== header[2])
    throw new SnapshotError('Snapshot checksum mismatch: the text is corrupt.');
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new SnapshotError('Snapshot body is not valid JSON.');
  }
  const model = buildModel(parsed, version === LEGACY_VERSION);
  if (version === SNAPSHOT_VERSION && serializeSnapshot(model) !== text) {
    throw new SnapshotError('Snapshot is not in canonical form (order, duplicates or extra fields).');
  }
  return model;
}

// ---- validation helpers ---------------------------------------------------------------------

type Json = Record<string, unknown>;

function obj(value: unknown, path: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SnapshotError(`${path}: expected an object`);
  }
  return value as Json;
}

function arr(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw new SnapshotError(`${path}: expected an array`);
  return value;
}

function str(value: unknown, path: string): string {
  if (typeof value !== 'string' || value.length === 0)
    throw new SnapshotError(`${path}: expected a non-empty string`);
  return value;
}

function uint(value: unknown, path: string, min = 0): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new SnapshotError(`${path}: expected an integer >= ${min}`);
  }
  return value;
}

function bool(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean') throw new SnapshotError(`${path}: expected a boolean`);
  return value;
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new SnapshotError(message);
}

function buildModel(value: unknown, legacy: boolean): Model {
  const root = obj(value, 'snapshot');
  const config = obj(root.config, 'config');
  const model: Model = {
    config: {
      dedupWindowMs: uint(config.dedupWindowMs, 'config.dedupWindowMs', 1),
      maxDedupClients: uint(config.maxDedupClients, 'config.maxDedupClients', 1),
      retainPerRoom: uint(config.retainPerRoom, 'config.retainPerRoom', 1),
      clientsPerUser: legacy
        ? DEDUP_CLIENTS_PER_USER
        : uint(config.clientsPerUser, 'config.clientsPerUser', 1),
      anonymousClients: legacy
        ? DEDUP_ANONYMOUS_CLIENTS
        : uint(config.anonymousClients, 'config.anonymousClients', 1),
      seqWindow: legacy ? MAX_COMMANDS_IN_FLIGHT : uint(config.seqWindow, 'config.seqWindow', 1),
      roomsPerUser: legacy ? MAX_ROOMS_CREATED_PER_USER : uint(config.roomsPerUser, 'config.roomsPerUser', 1),
    },
    lastAppliedSlot: uint(root.lastAppliedSlot, 'lastAppliedSlot'),
    appliedCount: uint(root.appliedCount, 'appliedCount'),
    hash: str(root.hash, 'hash'),
    clock: uint(root.clock, 'clock'),
    users: new Map(),
    sessions: new Map(),
    rooms: new Map(),
    dedup: new Map(),
    clients: new Map(),
    clientsByUser: new Map(),
    roomsCreated: new Map(),
  };
  check(/^[0-9a-f]{16}$/.test(model.hash), 'hash: expected 16 hex digits');

  arr(root.users, 'users').forEach((item, i) => {
    const path = `users[${i}]`;
    const u = obj(item, path);
    const user = str(u.user, `${path}.user`);
    const record: UserRecord = {
      passwordHash: str(u.passwordHash, `${path}.passwordHash`),
      displayName: str(u.displayName, `${path}.displayName`),
    };
    check(!model.users.has(user), `${path}: duplicate user "${user}"`);
    model.users.set(user, record);
  });

  arr(root.sessions, 'sessions').forEach((item, i) => {
    const path = `sessions[${i}]`;
    const s = obj(item, path);
    const tokenHash = str(s.tokenHash, `${path}.tokenHash`);
    const record: SessionRecord = {
      user: str(s.user, `${path}.user`),
      expiresAt: uint(s.expiresAt, `${path}.expiresAt`),
    };
    check(model.users.has(record.user), `${path}: unknown user "${record.user}"`);
    check(!model.sessions.has(tokenHash), `${path}: duplicate token hash`);
    model.sessions.set(tokenHash, record);
  });

  arr(root.rooms, 'rooms').forEach((item, i) => {
    const path = `rooms[${i}]`;
    const r = obj(item, path);
    const name = str(r.room, `${path}.room`);
    const creator = legacy
      ? ''
      : typeof r.creator === 'string'
        ? r.creator
        : str(r.creator, `${path}.creator`);
    check(creator === '' || model.users.has(creator), `${path}.creator: unknown user "${creator}"`);
    const record: RoomRecord = {
      creator,
      members: new Set(),
      firstPosition: uint(r.firstPosition, `${path}.firstPosition`, 1),
      messages: [],
      archivedReactions: new Map(),
    };
    arr(r.members, `${path}.members`).forEach((member, j) => {
      const user = str(member, `${path}.members[${j}]`);
      check(model.users.has(user), `${path}.members[${j}]: unknown user "${user}"`);
      record.members.add(user);
    });
    arr(r.messages, `${path}.messages`).forEach((entry, j) => {
      record.messages.push(buildMessage(entry, name, record.firstPosition + j, `${path}.messages[${j}]`));
    });
    check(
      record.messages.length <= model.config.retainPerRoom,
      `${path}.messages: more than retainPerRoom in memory`,
    );
    check(
      record.firstPosition === 1 || record.messages.length === model.config.retainPerRoom,
      `${path}: messages were archived while the room had room for them`,
    );
    arr(r.archivedReactions, `${path}.archivedReactions`).forEach((entry, j) => {
      const at = `${path}.archivedReactions[${j}]`;
      const a = obj(entry, at);
      const position = uint(a.position, `${at}.position`, 1);
      check(position < record.firstPosition, `${at}: position ${position} is not archived`);
      check(!record.archivedReactions.has(position), `${at}: duplicate position`);
      const reactions = buildReactions(a.reactions, at);
      check(reactions.length > 0, `${at}: no reactions`);
      record.archivedReactions.set(position, reactions);
    });
    check(!model.rooms.has(name), `${path}: duplicate room "${name}"`);
    model.rooms.set(name, record);
    if (creator !== '') model.roomsCreated.set(creator, (model.roomsCreated.get(creator) ?? 0) + 1);
  });

  let lastSeen = 0;
  arr(root.dedup, 'dedup').forEach((item, i) => {
    const path = `dedup[${i}]`;
    const d = obj(item, path);
    const clientId = str(d.clientId, `${path}.clientId`);
    const record: DedupRecord = {
      seq: uint(d.seq, `${path}.seq`, 1),
      lastSeen: uint(d.lastSeen, `${path}.lastSeen`),
      outcome: buildOutcome(d.outcome, `${path}.outcome`),
    };
    check(record.lastSeen >= lastSeen && record.lastSeen <= model.clock, `${path}: out of recency order`);
    lastSeen = record.lastSeen;
    check(!model.dedup.has(clientId), `${path}: duplicate client "${clientId}"`);
    model.dedup.set(clientId, record);
  });
  check(model.dedup.size <= model.config.maxDedupClients, 'dedup: more entries than the cap');
  if (!legacy) buildClients(model, root.clients);
  return model;
}

function buildClients(model: Model, value: unknown): void {
  let lastSeen = 0;
  arr(value, 'clients').forEach((item, i) => {
    const path = `clients[${i}]`;
    const c = obj(item, path);
    const user = typeof c.user === 'string' ? c.user : str(c.user, `${path}.user`); // '' is anonymous
    const record: ClientRecord = {
      user,
      clientId: str(c.clientId, `${path}.clientId`),
      newest: uint(c.newest, `${path}.newest`, 1),
      lastSeen: uint(c.lastSeen, `${path}.lastSeen`),
      outcomes: new Map(),
    };
    let previous = 0;
    arr(c.outcomes, `${path}.outcomes`).forEach((entry, j) => {
      const at = `${path}.outcomes[${j}]`;
      const o = obj(entry, at);
      const seq = uint(o.seq, `${at}.seq`, 1);
      check(seq > previous, `${at}: seqs out of order`);
      check(
        seq > record.newest - model.config.seqWindow && seq <= record.newest,
        `${at}: seq outside the window`,
      );
      previous = seq;
      record.outcomes.set(seq, buildOutcome(o.outcome, `${at}.outcome`));
    });
    check(record.outcomes.has(record.newest), `${path}: no outcome for the newest seq`);
    check(record.lastSeen >= lastSeen && record.lastSeen <= model.clock, `${path}: out of recency order`);
    lastSeen = record.lastSeen;
    const key = clientKey(user, record.clientId);
    check(!model.clients.has(key), `${path}: duplicate client`);
    model.clients.set(key, record);
    let perUser = model.clientsByUser.get(user);
    if (perUser === undefined) {
      perUser = new Map();
      model.clientsByUser.set(user, perUser);
    }
    perUser.set(record.clientId, record);
    const cap = user === '' ? model.config.anonymousClients : model.config.clientsPerUser;
    check(perUser.size <= cap, `${path}: more clients than the per-user cap`);
  });
}

function buildMessage(value: unknown, room: string, position: number, path: string): ChatMessage {
  const m = obj(value, path);
  check(uint(m.position, `${path}.position`, 1) === position, `${path}: position is not ${position}`);
  return {
    room,
    position,
    author: str(m.author, `${path}.author`),
    text: str(m.text, `${path}.text`),
    ts: uint(m.ts, `${path}.ts`),
    reactions: buildReactions(m.reactions, path),
  };
}

function buildReactions(value: unknown, path: string): ChatMessage['reactions'] {
  const emoji = new Set<string>();
  return arr(value, `${path}.reactions`).map((item, i) => {
    const r = obj(item, `${path}.reactions[${i}]`);
    const e = str(r.emoji, `${path}.reactions[${i}].emoji`);
    check(!emoji.has(e), `${path}.reactions[${i}]: duplicate emoji`);
    emoji.add(e);
    const users = arr(r.users, `${path}.reactions[${i}].users`).map((u, j) =>
      str(u, `${path}.reactions[${i}].users[${j}]`),
    );
    check(users.length > 0 && new Set(users).size === users.length, `${path}.reactions[${i}]: bad user list`);
    return { emoji: e, users };
  });
}

type FieldKind = 'string' | 'uint' | 'boolean';

/** The fields of each result type (besides `op`): what restore accepts in the dedup table. */
const RESULT_FIELDS: { readonly [O in CommandResult['op']]: Readonly<Record<string, FieldKind>> } = {
  post: { room: 'string', position: 'uint', ts: 'uint' },
  react: { room: 'string', position: 'uint', emoji: 'string', on: 'boolean', changed: 'boolean' },
  register: { user: 'string' },
  open_session: { user: 'string', displayName: 'string', expiresAt: 'uint' },
  close_session: { revoked: 'boolean' },
  join: { room: 'string', created: 'boolean', joined: 'boolean', head: 'uint' },
  leave: { room: 'string', left: 'boolean' },
  set_display_name: { user: 'string', displayName: 'string', changed: 'boolean' },
  set_password_hash: { user: 'string' },
};

function buildOutcome(value: unknown, path: string): Outcome {
  const o = obj(value, path);
  if (bool(o.ok, `${path}.ok`)) {
    const r = obj(o.result, `${path}.result`);
    const op = str(r.op, `${path}.result.op`);
    check(Object.hasOwn(RESULT_FIELDS, op), `${path}.result.op: unknown op "${op}"`);
    const fields = RESULT_FIELDS[op as CommandResult['op']];
    const result: Record<string, unknown> = { op };
    for (const [field, kind] of Object.entries(fields)) {
      const at = `${path}.result.${field}`;
      result[field] =
        kind === 'string' ? str(r[field], at) : kind === 'uint' ? uint(r[field], at) : bool(r[field], at);
    }
    return Object.freeze({ ok: true, result: Object.freeze(result as unknown as CommandResult) });
  }
  const code = str(o.code, `${path}.code`);
  check(Object.hasOwn(ERROR_CODES, code), `${path}.code: unknown error code "${code}"`);
  if (typeof o.message !== 'string') throw new SnapshotError(`${path}.message: expected a string`);
  return Object.freeze({ ok: false, code: code as ErrorCode, message: o.message });
}
