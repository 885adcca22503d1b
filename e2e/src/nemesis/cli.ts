#!/usr/bin/env node
/**
 * `npm run nemesis -- --minutes M --seed S [--servers 3|5] [--clients N] [--rooms R] [--rate X]
 *  [--snapshot-every N] [--retain-per-room N] [--retain-entries N] [--out FILE|none] [--quiet]`
 *
 * Exit code: 0 when every anomaly count is zero and the run completed, 1 on anomalies, 2 when
 * the run itself failed (or bad arguments).
 */
import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_OPTIONS, defaultOut, NemesisRun } from './run.js';
import { formatSummary } from './summary.js';

const USAGE = `usage: npm run nemesis -- --minutes M --seed S [--servers 3|5] [--clients N] [--rooms R]
       [--rate SENDS_PER_SECOND_PER_CLIENT] [--snapshot-every SLOTS] [--retain-per-room N]
       [--retain-entries SLOTS] [--out FILE|none] [--quiet]
defaults: --minutes ${DEFAULT_OPTIONS.minutes} --seed ${DEFAULT_OPTIONS.seed} --servers ${DEFAULT_OPTIONS.servers} --clients ${DEFAULT_OPTIONS.clients} --rooms ${DEFAULT_OPTIONS.rooms} --rate ${DEFAULT_OPTIONS.rate} --snapshot-every ${DEFAULT_OPTIONS.snapshotEvery} --retain-per-room ${DEFAULT_OPTIONS.retainPerRoom} --retain-entries ${DEFAULT_OPTIONS.retainEntries}
results: e2e/results/nemesis-<seed>.json unless --out says otherwise`;

function number(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`--${name} must be a number, got "${raw}"`);
  return value;
}

async function main(): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        minutes: { type: 'string' },
        seed: { type: 'string' },
        servers: { type: 'string' },
        clients: { type: 'string' },
        rooms: { type: 'string' },
        rate: { type: 'string' },
        'snapshot-every': { type: 'string' },
        'retain-per-room': { type: 'string' },
        'retain-entries': { type: 'string' },
        out: { type: 'string' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean' },
      },
      strict: true,
    }));
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  let run: NemesisRun;
  let out: string | null;
  try {
    const str = (name: string) => values[name] as string | undefined;
    const seed = number('seed', str('seed'), DEFAULT_OPTIONS.seed);
    if (!Number.isInteger(seed)) throw new Error('--seed must be an integer');
    const servers = number('servers', str('servers'), DEFAULT_OPTIONS.servers);
    if (servers !== 3 && servers !== 5) throw new Error('--servers must be 3 or 5');
    out = str('out') === 'none' ? null : resolve(str('out') ?? defaultOut(seed));
    run = new NemesisRun({
      minutes: number('minutes', str('minutes'), DEFAULT_OPTIONS.minutes),
      seed,
      servers,
      clients: number('clients', str('clients'), DEFAULT_OPTIONS.clients),
      rooms: number('rooms', str('rooms'), DEFAULT_OPTIONS.rooms),
      rate: number('rate', str('rate'), DEFAULT_OPTIONS.rate),
      snapshotEvery: number('snapshot-every', str('snapshot-every'), DEFAULT_OPTIONS.snapshotEvery),
      retainPerRoom: number('retain-per-room', str('retain-per-room'), DEFAULT_OPTIONS.retainPerRoom),
      retainEntries: number('retain-entries', str('retain-entries'), DEFAULT_OPTIONS.retainEntries),
      out,
      ...(values.quiet ? {} : { log: (line: string) => console.error(line) }),
    });
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    return 2;
  }
  const interrupt = () => {
    console.error('interrupted: stopping every process of the run');
    void run.dispose().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  const result = await run.run();
  const shown =
    out === null ? null : relative(process.cwd(), out).startsWith('..') ? out : relative(process.cwd(), out);
  console.log(formatSummary(result, shown));
  if (result.check === null) return 2;
  return result.ok ? 0 : result.check.ok ? 2 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);
