import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  defaultStateFile,
  loadSession,
  parseSession,
  readLastUser,
  type SavedSession,
  saveSession,
  writeLastUser,
} from '../src/state-file.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tui-state-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const session: SavedSession = {
  user: 'alice',
  token: 'QDzR2S5XGqb5Est7tyDMF-Ud5Al1sfvaLugrk1q0jQw',
  clientId: 'c-0123456789abcdef',
  nextSeq: 42,
  positions: { general: 17, dev: 3 },
  rooms: ['general', 'dev'],
  current: 'dev',
};

describe('state file', () => {
  it('round-trips a session, private to the user', () => {
    const path = join(tempDir(), 'nested', 'alice.json');
    saveSession(path, session);
    expect(loadSession(path)).toEqual(session);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('defaults to $XDG_CONFIG_HOME/quorum-chat/<user>.json and remembers the last user', () => {
    const dir = tempDir();
    const env = { XDG_CONFIG_HOME: dir };
    expect(defaultStateFile('bob', env)).toBe(join(dir, 'quorum-chat', 'bob.json'));
    expect(readLastUser(env)).toBeNull();
    writeLastUser('bob', env);
    expect(readLastUser(env)).toBe('bob');
  });

  it('survives a missing or corrupt file', () => {
    const dir = tempDir();
    expect(loadSession(join(dir, 'none.json'))).toBeNull();
    writeFileSync(join(dir, 'bad.json'), '{not json');
    expect(loadSession(join(dir, 'bad.json'))).toBeNull();
  });

  it('never keeps a clientId without its nextSeq, and drops malformed fields', () => {
    expect(parseSession({ user: 'a', clientId: 'c-0123456789abcdef' })).toMatchObject({
      clientId: null,
      nextSeq: 1,
    });
    expect(parseSession({ user: 'a', clientId: 'short', nextSeq: 3 })).toMatchObject({
      clientId: null,
      nextSeq: 1,
    });
    expect(
      parseSession({ user: 'a', token: 'nope', positions: { 'bad room': 1, ok: -1, fine: 2 } }),
    ).toMatchObject({
      token: null,
      positions: { fine: 2 },
    });
    expect(parseSession({ user: 'not valid' })).toBeNull();
    expect(parseSession(null)).toBeNull();
  });

  it('writes atomically (no temp file left behind)', () => {
    const dir = tempDir();
    const path = join(dir, 'a.json');
    saveSession(path, session);
    saveSession(path, { ...session, nextSeq: 43 });
    expect(JSON.parse(readFileSync(path, 'utf8')).nextSeq).toBe(43);
  });
});
