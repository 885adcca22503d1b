import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';

export interface MachineNote {
  cores: number;
  cpuModel: string;
  totalMemoryBytes: number;
  node: string;
  platform: string;
  loadAvgStart: readonly number[];
  loadAvgEnd: readonly number[] | null;
}

function cpuModel(): string {
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const match = /^model name\s*:\s*(.+)$/m.exec(info);
    if (match?.[1]) return match[1].trim();
  } catch {
    // not Linux
  }
  return cpus()[0]?.model ?? 'unknown';
}

export function loadAverage(): number[] {
  return loadavg().map((x) => Math.round(x * 100) / 100);
}

/** What a result needs to be read fairly: the machine and how busy it was. */
export function machineNote(): MachineNote {
  return {
    cores: cpus().length,
    cpuModel: cpuModel(),
    totalMemoryBytes: totalmem(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAvgStart: loadAverage(),
    loadAvgEnd: null,
  };
}

let clockTicks: number | null = null;
/** USER_HZ: the unit of utime/stime in /proc/<pid>/stat. */
function ticksPerSecond(): number {
  if (clockTicks === null) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat; null if gone. */
export function cpuSeconds(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces: fields are counted after its closing ")".
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return (utime + stime) / ticksPerSecond();
  } catch {
    return null;
  }
}

/**
 * Seconds the process's main thread (for Node: the event loop) spent runnable but waiting for a
 * CPU, from /proc/<pid>/schedstat: CPU starvation by other processes on a shared machine.
 */
export function runQueueSeconds(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const fields = readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(' ');
    return Number(fields[1]) / 1e9;
  } catch {
    return null;
  }
}

export interface MemoryNote {
  rssBytes: number;
  peakRssBytes: number;
  /** The process's own memory (heap, stacks, malloc): RssAnon. */
  anonBytes: number;
  /** File pages mapped and resident — for a server, mostly LMDB's memory-mapped data file: RssFile. */
  fileBytes: number;
}

/** Resident and peak resident memory (VmRSS, VmHWM) of a process; null if gone. */
export function memory(pid: number | undefined): MemoryNote | null {
  if (pid === undefined) return null;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) =>
      Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
    return {
      rssBytes: kb('VmRSS') * 1024,
      peakRssBytes: kb('VmHWM') * 1024,
      anonBytes: kb('RssAnon') * 1024,
      fileBytes: kb('RssFile') * 1024,
    };
  } catch {
    return null;
  }
}

/** Disk space used by the files under a directory (a server's data dir; LMDB files are sparse). */
export function directoryBytes(dir: string): number {
  let total = 0;
  try {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) total += directoryBytes(path);
      else if (entry.isFile()) total += statSync(path).blocks * 512;
    }
  } catch {
    // vanished
  }
  return total;
}
