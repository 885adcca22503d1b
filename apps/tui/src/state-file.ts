/**
 * The saved session: token, clientId with its nextSeq (always saved together: the cluster
 * refuses a seq it has seen for that clientId), last positions and joined rooms. One JSON file
 * per user, written atomically (temp file + rename) with mode 0600 since it holds a token.
 */

import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  CLIENT_ID_PATTERN,
  MAX_CLIENT_ID_LENGTH,
  MIN_CLIENT_ID_LENGTH,
  NAME_PATTERN,
} from '@quorum/protocol';

export interface SavedSession {
  readonly user: string;
  readonly token: string | null;
  readonly clientId: string | null;
  readonly nextSeq: number;
  readonly positions: Readonly<Record<string, number>>;
  readonly rooms: readonly string[];
  readonly current: string | null;
}

export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  const base =
    env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME !== '' ? env.XDG_CONFIG_HOME : join(homedir(), '.config');
  return join(base, 'quorum-chat');
}

export function defaultStateFile(user: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(stateDir(env), `${user}.json`);
}

/** Remembers who logged in last, so `quorum-chat` with no --name picks that session up. */
export function lastUserFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(stateDir(env), 'last-user');
}

const NAME = new RegExp(NAME_PATTERN);
const CLIENT_ID = new RegExp(CLIENT_ID_PATTERN);

function isPositiveInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 1;
}

/** Checks a parsed file; anything malformed is dropped field by field (a bad token is just not used). */
export function parseSession(raw: unknown): SavedSession | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const r = raw as Record<string, unknown>;
  if (typeof r.user !== 'string' || !NAME.test(r.user)) return null;
  const clientOk =
    typeof r.clientId === 'string' &&
    r.clientId.length >= MIN_CLIENT_ID_LENGTH &&
    r.clientId.length <= MAX_CLIENT_ID_LENGTH &&
    CLIENT_ID.test(r.clientId) &&
    isPositiveInt(r.nextSeq);
  // Keyed by room name: a null-prototype object, so a room called `__proto__` keeps its position
  // and one called `constructor` without a saved position reads as none (issue 12, finding 5).
  const positions: Record<string, number> = Object.create(null);
  if (typeof r.positions === 'object' && r.positions !== null) {
    for (const [room, pos] of Object.entries(r.positions as Record<string, unknown>)) {
      if (NAME.test(room) && typeof pos === 'number' && Number.isSafeInteger(pos) && pos >= 0)
        positions[room] = pos;
    }
  }
  const rooms = Array.isArray(r.rooms)
    ? r.rooms.filter((x): x is string => typeof x === 'string' && NAME.test(x))
    : [];
  return {
    user: r.user,
    token: typeof r.token === 'string' && /^[A-Za-z0-9_-]{43}$/.test(r.token) ? r.token : null,
    // A clientId is only usable with its nextSeq.
    clientId: clientOk ? (r.clientId as string) : null,
    nextSeq: clientOk ? (r.nextSeq as number) : 1,
    positions,
    rooms,
    current: typeof r.current === 'string' && NAME.test(r.current) ? r.current : null,
  };
}

export function loadSession(path: string): SavedSession | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  try {
    return parseSession(JSON.parse(text));
  } catch {
    return null;
  }
}

function writeAtomic(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, path);
}

/** Synchronous on purpose: called right before a send, so a crash cannot lose the seq it used. */
export function saveSession(path: string, session: SavedSession): void {
  writeAtomic(path, `${JSON.stringify(session, null, 2)}\n`);
}

export function readLastUser(env: NodeJS.ProcessEnv = process.env): string | null {
  try {
    const user = readFileSync(lastUserFile(env), 'utf8').trim();
    return NAME.test(user) ? user : null;
  } catch {
    return null;
  }
}

export function writeLastUser(user: string, env: NodeJS.ProcessEnv = process.env): void {
  writeAtomic(lastUserFile(env), `${user}\n`);
}
