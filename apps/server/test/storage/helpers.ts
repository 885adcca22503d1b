import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Ballot, PaxosValue } from '@quorum/protocol';
import type { LogRecord } from '../../src/storage/index.js';

const made: string[] = [];

/** A fresh temporary directory, removed by `removeTempDirs()`. */
export function tempDir(prefix = 'quorum-store-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function ballot(round: number, node = 1): Ballot {
  return { round, node };
}

/** A valid Paxos value whose text names its slot (so tests can find it in the data file). */
export function valueFor(slot: number, extra = ''): PaxosValue {
  return {
    commands: [
      {
        op: 'post',
        clientId: 'client-0001',
        seq: slot,
        ts: 1_700_000_000_000 + slot,
        user: 'alice',
        room: 'lobby',
        text: `MARK${slot}:message for slot ${slot}${extra}`,
      },
      { op: 'join', clientId: 'client-0002', seq: slot, ts: 1_700_000_000_000, user: 'bob', room: 'lobby' },
    ],
  };
}

export function record(slot: number, round = 1, node = 1): LogRecord {
  return { slot, ballot: ballot(round, node), value: valueFor(slot) };
}

export function records(from: number, to: number, round = 1): LogRecord[] {
  const out: LogRecord[] = [];
  for (let slot = from; slot <= to; slot++) out.push(record(slot, round));
  return out;
}

/** Polls `condition` until it holds or the deadline passes. */
export async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
