import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';

/**
 * The cluster secret comes from a file or the environment, not from a flag: a command line is
 * world-readable in `ps` and /proc/PID/cmdline, while a 0600 file and /proc/PID/environ are
 * readable by the owner only. (The same as apps/server/src/secret-file.ts: apps share no code.)
 */

/** Reads a secret from `file`, refusing a file that group or others may access at all. */
export function readSecretFile(file: string, what: string): string {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    throw new Error(`cannot read the ${what} file ${file}: ${(error as Error).message}`);
  }
  try {
    // fstat on the descriptor we read: the mode checked is the mode of the file read.
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new Error(`the ${what} file ${file} is not a regular file`);
    if (process.platform !== 'win32' && (stats.mode & 0o077) !== 0) {
      throw new Error(
        `the ${what} file ${file} is accessible by group or others (mode 0${(stats.mode & 0o777).toString(8)}): ` +
          `run \`chmod 600 ${file}\``,
      );
    }
    // Trimmed: a file written by `echo` or an editor ends in a newline that is not part of it.
    const secret = readFileSync(fd, 'utf8').trim();
    if (secret === '') throw new Error(`the ${what} file ${file} is empty`);
    return secret;
  } finally {
    closeSync(fd);
  }
}

export interface SecretSources {
  /** The value of a `--NAME` flag: works, with a warning, since everyone can read it in `ps`. */
  readonly flag: string | undefined;
  /** `--NAME-file` or `QUORUM_NAME_FILE`. */
  readonly file: string | undefined;
  /** `QUORUM_NAME`. */
  readonly env: string | undefined;
}

/** Picks a secret from its sources: the flag, else the file, else the environment. */
export function resolveSecret(
  name: string,
  what: string,
  sources: SecretSources,
  warnings: string[],
): string | undefined {
  if (sources.flag !== undefined) {
    warnings.push(
      `--${name} is visible to every local user in ps and /proc: pass --${name}-file PATH ` +
        `(a 0600 file) or QUORUM_${name.toUpperCase().replaceAll('-', '_')} instead`,
    );
    return sources.flag;
  }
  if (sources.file !== undefined) return readSecretFile(sources.file, what);
  return sources.env;
}
