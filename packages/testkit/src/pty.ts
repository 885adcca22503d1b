// biome-ignore-all lint/suspicious/noControlCharactersInRegex: stripping terminal escapes from pty output
import { readFileSync } from 'node:fs';

/**
 * Helpers for driving a terminal program in a pseudo-terminal (util-linux `script -qfec CMD
 * /dev/null` provides the pty; node-pty needs a native build that is not available here).
 */

/** CSI, OSC and short escapes: what a terminal would interpret rather than show. */
const ANSI =
  /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[()][0-9A-Za-z]|\u001b[=>78cM]/g;

/** What a terminal would show of `text`, escapes removed. */
export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

/** Quotes one argument for `sh -c`. */
export function shellQuote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** PIDs of the direct children of `pid` (Linux /proc). */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter((s) => s !== '')
      .map(Number);
  } catch {
    return [];
  }
}

/** SIGKILL `pid` and everything under it (script -> sh -> node), children first. */
export function killTree(pid: number): void {
  for (const child of childrenOf(pid)) killTree(child);
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
