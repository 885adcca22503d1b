/**
 * Preloaded into server processes by some benchmarks (NODE_OPTIONS=--import=<this file>: Node 20
 * refuses --cpu-prof and --expose-gc in NODE_OPTIONS, but accepts --import). It does nothing
 * until the process gets SIGUSR2, and only in `apps/server` processes:
 *
 * - with BENCH_CPU_PROFILE_DIR set, the first SIGUSR2 starts the V8 sampling profiler and the
 *   second stops it and writes `<dir>/server-<pid>.cpuprofile` (Chrome DevTools format), so a
 *   profile covers exactly the measured window;
 * - with BENCH_MEM_DIR set, every SIGUSR2 runs a full garbage collection and appends
 *   `process.memoryUsage()` as one JSON line to `<dir>/mem-<pid>.jsonl`: the live heap, which
 *   RSS alone (V8 grows its heap lazily) does not show.
 */
import { appendFileSync, renameSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join, sep } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const profileDir = process.env.BENCH_CPU_PROFILE_DIR;
const memDir = process.env.BENCH_MEM_DIR;
const main = process.argv[1] ?? '';

function profiler(dir: string): () => void {
  const session = new Session();
  session.connect();
  let running = false;
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) =>
      session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result))),
    );
  return () => {
    if (!running) {
      running = true;
      void post('Profiler.enable')
        .then(() => post('Profiler.setSamplingInterval', { interval: 500 }))
        .then(() => post('Profiler.start'));
      return;
    }
    running = false;
    void post('Profiler.stop').then((result) => {
      const file = join(dir, `server-${process.pid}.cpuprofile`);
      writeFileSync(`${file}.tmp`, JSON.stringify((result as { profile: unknown }).profile));
      renameSync(`${file}.tmp`, file); // appears complete or not at all
    });
  };
}

function memorySampler(dir: string): () => void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  return () => {
    const t0 = performance.now();
    gc();
    const gcMs = performance.now() - t0;
    appendFileSync(
      join(dir, `mem-${process.pid}.jsonl`),
      `${JSON.stringify({ at: Date.now(), gcMs, ...process.memoryUsage() })}\n`,
    );
  };
}

if ((profileDir || memDir) && main.includes(`${sep}apps${sep}server${sep}`)) {
  const actions = [profileDir ? profiler(profileDir) : null, memDir ? memorySampler(memDir) : null];
  process.on('SIGUSR2', () => {
    for (const action of actions) action?.();
  });
}
