import { type ChildProcess, fork } from 'node:child_process';
import { Histogram } from '../histogram.js';
import { cpuSeconds } from '../machine.js';
import type { ClientSpec } from './clients.js';
import type { RunResult, WorkerCommand, WorkerReply } from './messages.js';

type Body<T> = T extends unknown ? Omit<T, 'id'> : never;

export interface MergedResult {
  readonly ackedInWindow: number;
  readonly acked: number;
  readonly failed: number;
  readonly unsettled: number;
  readonly shed: number;
  readonly offered: number;
  readonly windowMs: number;
  readonly latency: Histogram;
  readonly deliveries: number;
  readonly deliveriesInWindow: number;
  readonly deliveryLatency: Histogram;
  /** Load-generator CPU (seconds, summed over processes) and its share of the run in cores. */
  readonly loadGenCpuSeconds: number;
  readonly loadGenCores: number;
  readonly loadGenLoopDelayP99Ms: number;
  readonly loadGenLoopDelayMaxMs: number;
  /** Every worker's own result, for the JSON file. */
  readonly perWorker: readonly RunResult[];
}

class Worker {
  private nextId = 1;
  private readonly waiting = new Map<
    number,
    { resolve: (r: WorkerReply) => void; reject: (e: Error) => void }
  >();
  private exited = false;

  constructor(readonly child: ChildProcess) {
    child.on('message', (message: WorkerReply) => {
      const waiter = this.waiting.get(message.id);
      if (!waiter) return;
      this.waiting.delete(message.id);
      waiter.resolve(message);
    });
    child.on('exit', (code, signal) => {
      this.exited = true;
      for (const waiter of this.waiting.values())
        waiter.reject(new Error(`load generator exited (${code ?? signal})`));
      this.waiting.clear();
    });
  }

  async call(command: Body<WorkerCommand>, timeoutMs: number): Promise<WorkerReply> {
    if (this.exited) throw new Error('load generator is gone');
    const id = this.nextId++;
    return new Promise<WorkerReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`load generator did not answer ${command.type} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, {
        resolve: (r) => {
          clearTimeout(timer);
          if (r.ok) resolve(r);
          else reject(new Error(`load generator failed ${command.type}: ${r.error}`));
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.child.send({ ...command, id } as WorkerCommand);
    });
  }

  kill(): Promise<void> {
    if (this.exited) return Promise.resolve();
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.kill('SIGKILL');
    });
  }
}

/**
 * A set of load-generator processes. Clients are dealt round robin (client i to process
 * i mod n); each process runs its share and the results are merged here.
 */
export class LoadPool {
  private constructor(private readonly workers: Worker[]) {}

  static start(processes: number): LoadPool {
    const entry = new URL('./worker.js', import.meta.url);
    const env = { ...process.env };
    delete env.NODE_OPTIONS; // never profile the load generators
    const workers = Array.from(
      { length: processes },
      (_, group) =>
        new Worker(
          fork(entry, [], {
            env: { ...env, BENCH_WORKER_GROUP: String(group) },
            stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
          }),
        ),
    );
    return new LoadPool(workers);
  }

  get size(): number {
    return this.workers.length;
  }

  pids(): number[] {
    return this.workers.flatMap((w) => (w.child.pid === undefined ? [] : [w.child.pid]));
  }

  /** CPU seconds used so far by every load-generator process (from /proc). */
  cpuSeconds(): number {
    return this.pids().reduce((sum, pid) => sum + (cpuSeconds(pid) ?? 0), 0);
  }

  /** Connects the clients (dealt over the processes); returns how many failed to connect in time. */
  async connect(
    token: string,
    clients: readonly ClientSpec[],
    options: { listen?: boolean; timeoutMs?: number } = {},
  ) {
    const timeoutMs = options.timeoutMs ?? 60_000;
    const replies = await Promise.all(
      this.workers.map((w, i) =>
        w.call(
          {
            type: 'connect',
            token,
            clients: clients.filter((_, j) => j % this.workers.length === i),
            timeoutMs,
            listen: options.listen ?? false,
          },
          timeoutMs * 2 + 10_000,
        ),
      ),
    );
    return replies.reduce((sum, r) => sum + (r.ok ? (r.connectFailed ?? 0) : 0), 0);
  }

  async closedLoop(options: {
    durationMs: number;
    maxCount?: number;
    textBytes?: number;
    senders?: readonly number[];
    drainMs?: number;
  }): Promise<MergedResult> {
    const drainMs = options.drainMs ?? 15_000;
    const n = this.workers.length;
    return this.run(
      (i) => ({
        type: 'closed',
        durationMs: options.durationMs,
        maxCount:
          options.maxCount === undefined
            ? null
            : Math.floor(options.maxCount / n) + (i < options.maxCount % n ? 1 : 0),
        textBytes: options.textBytes ?? 64,
        senders: options.senders ?? null,
        drainMs,
      }),
      options.durationMs + drainMs + 30_000,
    );
  }

  async openLoop(options: {
    durationMs: number;
    ratePerSecond: number;
    textBytes?: number;
    maxBacklog?: number;
    drainMs?: number;
  }): Promise<MergedResult> {
    const drainMs = options.drainMs ?? 10_000;
    return this.run(
      () => ({
        type: 'open',
        durationMs: options.durationMs,
        ratePerSecond: options.ratePerSecond / this.workers.length,
        textBytes: options.textBytes ?? 64,
        maxBacklog: options.maxBacklog ?? 500,
        drainMs,
      }),
      options.durationMs + drainMs + 30_000,
    );
  }

  async disconnect(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.call({ type: 'disconnect' }, 30_000)));
  }

  async close(): Promise<void> {
    await Promise.all(
      this.workers.map(async (w) => {
        await w.call({ type: 'exit' }, 5_000).catch(() => {});
        await w.kill();
      }),
    );
  }

  private async run(command: (i: number) => Body<WorkerCommand>, timeoutMs: number): Promise<MergedResult> {
    const replies = await Promise.all(this.workers.map((w, i) => w.call(command(i), timeoutMs)));
    const results = replies.flatMap((r) => (r.ok && r.result ? [r.result] : []));
    const latency = new Histogram();
    const deliveryLatency = new Histogram();
    for (const r of results) {
      latency.add(r.latency);
      deliveryLatency.add(r.deliveryLatency);
    }
    const sum = (f: (r: RunResult) => number) => results.reduce((s, r) => s + f(r), 0);
    const windowMs = Math.max(...results.map((r) => r.windowMs));
    const cpu = sum((r) => r.cpuSeconds);
    return {
      ackedInWindow: sum((r) => r.ackedInWindow),
      acked: sum((r) => r.acked),
      failed: sum((r) => r.failed),
      unsettled: sum((r) => r.unsettled),
      shed: sum((r) => r.shed),
      offered: sum((r) => r.offered),
      windowMs,
      latency,
      deliveries: sum((r) => r.deliveries),
      deliveriesInWindow: sum((r) => r.deliveriesInWindow),
      deliveryLatency,
      loadGenCpuSeconds: cpu,
      loadGenCores: windowMs > 0 ? cpu / (windowMs / 1000) : 0,
      loadGenLoopDelayP99Ms: Math.max(...results.map((r) => r.loopDelayP99Ms)),
      loadGenLoopDelayMaxMs: Math.max(...results.map((r) => r.loopDelayMaxMs)),
      perWorker: results,
    };
  }
}
