import { constants } from 'node:fs';
import { open, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { StoreFormatError } from './errors.js';
import { PRIVATE_FILE_MODE } from './permissions.js';

/**
 * The store directory's manifest: a tiny JSON file, written atomically (temp file, fsync, rename,
 * fsync of the directory), that says "this directory is a Quorum durable store of this format".
 *
 * It exists to catch what the data file cannot tell about itself: a data file that was deleted
 * or truncated to nothing would otherwise open as a fresh, empty store — an acceptor that forgot
 * its promises. With a manifest in `ready` state, a missing or empty data file is corruption.
 *
 * Creation is two-phase: `creating` is written before the engine files, `ready` after the
 * engine's format record is durable. A directory left in `creating` never held user data (no
 * persist runs before open() returns), so open() may wipe it and start again.
 */

export const MANIFEST_FILE = 'quorum-store.json';
export const STORE_FORMAT = 'quorum-chat/durable-store';
/**
 * 2: the chat snapshot holds only recent messages; the `archive` database holds the older ones.
 * 3: a write-ahead log (`wal.log`) in front of LMDB, and the `walGeneration` meta record.
 * 4: the store's identity (meta records `identity` — cluster id, server id, incarnation,
 *    recovering — and `incarnations`, peers' incarnations), both required; WAL frames may carry
 *    changes to them. A build that reads version 3 refuses a version 4 store by its manifest. */
export const STORE_VERSION = 4;
/**
 * Earlier versions, which open() upgrades in place (see DurableStore): they get the identity of a
 * store from before identities (a voter, incarnation 0, no cluster id) and, from 2, a WAL.
 */
export const UPGRADABLE_VERSIONS: readonly number[] = [2, 3];
export const STORE_ENGINE = 'lmdb';

export type ManifestState = 'creating' | 'ready';

export interface Manifest {
  readonly format: typeof STORE_FORMAT;
  /** STORE_VERSION, or one of UPGRADABLE_VERSIONS for a store an earlier build wrote. */
  readonly version: number;
  readonly engine: typeof STORE_ENGINE;
  readonly state: ManifestState;
}

/** Reads and checks the manifest; null when there is none. */
export async function readManifest(dir: string): Promise<Manifest | null> {
  let text: string;
  try {
    text = await readFile(path.join(dir, MANIFEST_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  let x: unknown;
  try {
    x = JSON.parse(text);
  } catch {
    throw new StoreFormatError(`${MANIFEST_FILE} is not valid JSON`, dir);
  }
  if (typeof x !== 'object' || x === null || Array.isArray(x)) {
    throw new StoreFormatError(`${MANIFEST_FILE} is not an object`, dir);
  }
  const m = x as Record<string, unknown>;
  const keys = Object.keys(m).sort().join(',');
  if (keys !== 'engine,format,state,version') {
    throw new StoreFormatError(`${MANIFEST_FILE} has unexpected fields: ${keys}`, dir);
  }
  if (m.format !== STORE_FORMAT)
    throw new StoreFormatError(`not a Quorum store (format ${String(m.format)})`, dir);
  if (
    typeof m.version !== 'number' ||
    (m.version !== STORE_VERSION && !UPGRADABLE_VERSIONS.includes(m.version))
  ) {
    throw new StoreFormatError(
      `store format version ${String(m.version)} is not supported (this build reads version ${STORE_VERSION} ` +
        `and upgrades versions ${UPGRADABLE_VERSIONS.join(' and ')} in place; another store cannot be ` +
        'upgraded: move the directory away, and the server rejoins its cluster through recovery ' +
        '(or run `quorum-server init` on every server of a new cluster)',
      dir,
    );
  }
  if (m.engine !== STORE_ENGINE)
    throw new StoreFormatError(`store engine ${String(m.engine)} is not supported`, dir);
  if (m.state !== 'creating' && m.state !== 'ready') {
    throw new StoreFormatError(`${MANIFEST_FILE} has unknown state ${String(m.state)}`, dir);
  }
  return { format: STORE_FORMAT, version: m.version, engine: STORE_ENGINE, state: m.state };
}

/** Replaces the manifest atomically and durably. */
export async function writeManifest(dir: string, state: ManifestState): Promise<void> {
  const manifest: Manifest = { format: STORE_FORMAT, version: STORE_VERSION, engine: STORE_ENGINE, state };
  const target = path.join(dir, MANIFEST_FILE);
  const temp = `${target}.tmp`;
  const file = await open(
    temp,
    constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC,
    PRIVATE_FILE_MODE,
  );
  try {
    await file.writeFile(`${JSON.stringify(manifest)}\n`, 'utf8');
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temp, target);
  await syncDirectory(dir);
}

/** fsync a directory so that a rename or a new file in it survives a crash. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
