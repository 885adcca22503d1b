import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The built CLI; the integration tests run the real process, so build first (`npx tsc -b`). */
export const MAIN_JS = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

export interface BalancerProcess {
  readonly url: string;
  readonly wsUrl: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (or signal) once the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL by PID if still running; safe to call twice. */
  kill(): void;
}

/** Spawns `node dist/main.js --port 0 --host 127.0.0.1 ...args` and waits for its listening line. */
export async function startBalancer(
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): Promise<BalancerProcess> {
  if (!existsSync(MAIN_JS))
    throw new Error(`${MAIN_JS} is missing: run \`npx tsc -b\` in apps/balancer first`);
  const child = spawn(process.execPath, [MAIN_JS, '--port', '0', '--host', '127.0.0.1', ...args], {
    env: { ...process.env, QUORUM_CLUSTER_SECRET: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('the balancer process did not start');
  let output = '';
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk: string) => {
    output += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const kill = (): void => {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      kill();
      reject(new Error(`the balancer did not report listening within 20 s:\n${output}`));
    }, 20_000);
    const onData = (): void => {
      const match = /^QUORUM_BALANCER_LISTENING (\S+)$/m.exec(output);
      if (match?.[1] === undefined) return;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      resolve(match[1]);
    };
    child.stdout?.on('data', onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`the balancer exited early (code ${code}, signal ${signal}):\n${output}`));
    });
  });

  return {
    url,
    wsUrl: `${url.replace(/^http/, 'ws')}/cluster/ws`,
    pid,
    child,
    output: () => output,
    exited,
    kill,
  };
}
