/**
 * What the page remembers between visits, in localStorage: who is logged in with which session
 * token, and which rooms they keep open. Never the password.
 */
export interface SavedSession {
  readonly user: string;
  readonly token: string;
}

const SESSION_KEY = 'quorum.session';
const roomsKey = (user: string) => `quorum.rooms.${user}`;

export const DEFAULT_ROOM = 'general';

function readJson(storage: Storage, key: string): unknown {
  try {
    const text = storage.getItem(key);
    return text === null ? null : (JSON.parse(text) as unknown);
  } catch {
    return null;
  }
}

function writeJson(storage: Storage, key: string, value: unknown): void {
  try {
    storage.setItem(key, JSON.stringify(value));
  } catch {
    // Storage full or disabled (private mode): the page still works, it just forgets.
  }
}

export function loadSession(storage: Storage): SavedSession | null {
  const value = readJson(storage, SESSION_KEY);
  if (typeof value !== 'object' || value === null) return null;
  const { user, token } = value as Record<string, unknown>;
  return typeof user === 'string' && typeof token === 'string' ? { user, token } : null;
}

export function saveSession(storage: Storage, session: SavedSession): void {
  writeJson(storage, SESSION_KEY, session);
}

export function clearSession(storage: Storage): void {
  try {
    storage.removeItem(SESSION_KEY);
  } catch {
    // ignore
  }
}

export function loadRooms(storage: Storage, user: string): string[] {
  const value = readJson(storage, roomsKey(user));
  if (!Array.isArray(value)) return [DEFAULT_ROOM];
  const rooms = value.filter((room): room is string => typeof room === 'string');
  return rooms.length > 0 ? rooms : [DEFAULT_ROOM];
}

export function saveRooms(storage: Storage, user: string, rooms: readonly string[]): void {
  writeJson(storage, roomsKey(user), rooms);
}
