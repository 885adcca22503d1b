import { chmod, mkdir, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { StorePermissionError } from './errors.js';

/**
 * A store holds every user's password hash and session-token hash: only its owner may read it.
 * Directories are created 0700 and files end up 0600 whatever the umask, and a directory that
 * group or others can enter is refused (unless the operator says the sharing is intended).
 */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;
/** Group and other bits: any of them (read, write or search) opens the store to other users. */
const SHARED_BITS = 0o077;
const OWNER_BITS = 0o700;

/** POSIX modes mean nothing on Windows; there the directory's ACL is the operator's business. */
const CHECKED = process.platform !== 'win32';

const octal = (mode: number) => `0${(mode & 0o777).toString(8)}`;

/**
 * Creates `dir` (and missing parents) 0700 — mkdir applies the mode to each directory it creates,
 * less the umask, which can only remove bits — then refuses a directory that group or others may
 * read, write or enter: refused rather than warned about, because a warning scrolls past in a log
 * while the hashes stay readable, and the fix is one chmod.
 */
export async function preparePrivateDir(dir: string, allowShared: boolean): Promise<void> {
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (!CHECKED || allowShared) return;
  const { mode } = await stat(dir);
  if ((mode & SHARED_BITS) !== 0) {
    throw new StorePermissionError(
      `the data directory is accessible by group or others (mode ${octal(mode)}) and holds password ` +
        `and session hashes: run \`chmod 700 ${dir}\``,
      dir,
    );
  }
}

/**
 * Takes group and other bits off every file in the store directory. LMDB creates its files 0664
 * less the umask (it has no option for the mode), and a store written by an older version has
 * 0644 files, so this runs after every open rather than trusting how the files were created.
 */
export async function tightenFileModes(dir: string): Promise<void> {
  if (!CHECKED) return;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(dir, entry.name);
    const { mode } = await stat(file);
    if ((mode & SHARED_BITS) !== 0) await chmod(file, mode & OWNER_BITS);
  }
}
