/**
 * A load-generator process (forked by LoadPool). It owns a set of QuorumClients and runs the loops
 * the parent asks for, keeping its own histograms; the parent merges them. Running the clients
 * outside the orchestrating process keeps its timers (failover clocks, metric polls) honest and
 * lets the load be spread over several processes.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Histogram } from '../histogram.js';
import { type BenchClient, connectAll, createClient, epochMs } from './clients.js';
import type { RunResult, WorkerCommand, WorkerReply } from './messages.js';

const group = Number(process.env.BENCH_WORKER_GROUP ?? '0');
let clients: BenchClient[] = [];
let listening = false;
const delivery = { count: 0, inWindow: 0, windowEnd: Number.POSITIVE_INFINITY, histogram: new Histogram() };

function reply(message: WorkerReply): void {
  process.send?.(message);
}

/** Chat text carrying its send time, padded to `bytes`. */
/**
 * `<sent at>|<sender's client id>|xxx…`: the receivers time the delivery from the stamp and
 * skip their own messages by the id (messages do not carry their sender's client id).
 */
function stampedText(bytes: number, at: number, sender: string): string {
  const stamp = `${at.toFixed(3)}|${sender}|`;
  return stamp + 'x'.repeat(Math.max(1, bytes - stamp.length));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function onMessage(own: string, event: { message: { text: string }; source: string }): void {
  if (!listening || event.source !== 'live' || event.message.text.split('|', 2)[1] === own) return;
  const sentAt = Number.parseFloat(event.message.text);
  if (!Number.isFinite(sentAt)) return;
  const now = epochMs();
  delivery.count++;
  if (now <= delivery.windowEnd) delivery.inWindow++;
  delivery.histogram.record((now - sentAt) * 1000);
}

interface Meter {
  finish(
    extra: Omit<
      RunResult,
      | 'cpuSeconds'
      | 'loopDelayP99Ms'
      | 'loopDelayMaxMs'
      | 'deliveries'
      | 'deliveriesInWindow'
      | 'deliveryLatency'
    >,
  ): RunResult;
}

function startMeter(windowMs: number): Meter {
  const cpu0 = process.cpuUsage();
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  delivery.count = 0;
  delivery.inWindow = 0;
  delivery.histogram = new Histogram();
  delivery.windowEnd = epochMs() + windowMs;
  return {
    finish(extra) {
      loop.disable();
      const cpu = process.cpuUsage(cpu0);
      return {
        ...extra,
        deliveries: delivery.count,
        deliveriesInWindow: delivery.inWindow,
        deliveryLatency: delivery.histogram.toJSON(),
        cpuSeconds: (cpu.user + cpu.system) / 1e6,
        loopDelayP99Ms: loop.percentile(99) / 1e6,
        loopDelayMaxMs: loop.max / 1e6,
      };
    },
  };
}

/** Resolves when `promise` does or after `ms`, whichever is first. */
async function bounded(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

async function closedLoop(command: Extract<WorkerCommand, { type: 'closed' }>): Promise<RunResult> {
  const meter = startMeter(command.durationMs);
  const latency = new Histogram();
  const start = performance.now();
  const deadline = start + command.durationMs;
  let acked = 0;
  let ackedInWindow = 0;
  let failed = 0;
  let inFlight = 0;
  let offered = 0;
  const senders =
    command.senders === null ? clients : clients.filter((c) => command.senders?.includes(c.spec.index));
  const loops = senders.map(async ({ client, spec }) => {
    while (performance.now() < deadline && (command.maxCount === null || offered < command.maxCount)) {
      offered++;
      inFlight++;
      const t0 = performance.now();
      let entry: Awaited<ReturnType<typeof client.send>['settled']>;
      try {
        entry = await client.send(spec.room, stampedText(command.textBytes, epochMs(), client.clientId))
          .settled;
      } catch {
        inFlight--;
        failed++;
        await sleep(10);
        continue;
      }
      inFlight--;
      const t1 = performance.now();
      if (entry.state === 'delivered') {
        acked++;
        if (t1 <= deadline) ackedInWindow++;
        latency.record((t1 - t0) * 1000);
      } else failed++;
    }
  });
  await bounded(Promise.all(loops), command.durationMs + command.drainMs);
  const windowMs = Math.min(performance.now() - start, command.durationMs);
  return meter.finish({
    ackedInWindow,
    acked,
    failed,
    unsettled: inFlight,
    shed: 0,
    offered,
    windowMs,
    latency: latency.toJSON(),
  });
}

async function openLoop(command: Extract<WorkerCommand, { type: 'open' }>): Promise<RunResult> {
  const meter = startMeter(command.durationMs);
  const latency = new Histogram();
  const n = clients.length;
  const intervalMs = (1000 * n) / command.ratePerSecond;
  const start = performance.now() + 5;
  const deadline = start + command.durationMs;
  // Client j's k-th send is due at start + (j / n + k) * interval: evenly spread over the clients.
  const due = clients.map((_, j) => start + (j / n) * intervalMs);
  const backlog = clients.map(() => 0);
  let offered = 0;
  let shed = 0;
  let acked = 0;
  let ackedInWindow = 0;
  let failed = 0;
  let outstanding = 0;
  let drained: () => void = () => {};
  const allSettled = new Promise<void>((resolve) => (drained = resolve));

  const issue = (j: number, scheduled: number) => {
    const { client, spec } = clients[j]!;
    if (backlog[j]! >= command.maxBacklog) {
      shed++;
      return;
    }
    let pending: ReturnType<typeof client.send>;
    try {
      pending = client.send(spec.room, stampedText(command.textBytes, epochMs(), client.clientId));
    } catch {
      shed++;
      return;
    }
    offered++;
    outstanding++;
    backlog[j]!++;
    void pending.settled.then((entry) => {
      backlog[j]!--;
      outstanding--;
      const t1 = performance.now();
      if (entry.state === 'delivered') {
        acked++;
        if (t1 <= deadline) ackedInWindow++;
        // Coordinated omission: from when the send SHOULD have gone out, not when it did.
        latency.record((t1 - scheduled) * 1000);
      } else failed++;
      if (outstanding === 0 && performance.now() >= deadline) drained();
    });
  };

  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      const until = Math.min(now, deadline);
      for (let j = 0; j < n; j++) {
        while (due[j]! <= until) {
          issue(j, due[j]!);
          due[j]! += intervalMs;
        }
      }
      if (now >= deadline) resolve();
      else setTimeout(tick, 1);
    };
    setTimeout(tick, 5);
  });
  if (outstanding > 0) await bounded(allSettled, command.drainMs);
  return meter.finish({
    ackedInWindow,
    acked,
    failed,
    unsettled: outstanding,
    shed,
    offered,
    windowMs: command.durationMs,
    latency: latency.toJSON(),
  });
}

async function handle(command: WorkerCommand): Promise<WorkerReply> {
  switch (command.type) {
    case 'connect': {
      clients = command.clients.map((spec) => createClient(spec, command.token, group));
      listening = command.listen;
      for (const c of clients) {
        const own = c.client.clientId;
        c.client.on('message', (event) => onMessage(own, event));
      }
      const failed = await connectAll(clients, command.timeoutMs);
      return { id: command.id, ok: true, connectFailed: failed };
    }
    case 'closed':
      return { id: command.id, ok: true, result: await closedLoop(command) };
    case 'open':
      return { id: command.id, ok: true, result: await openLoop(command) };
    case 'disconnect':
      for (const c of clients) c.client.close();
      clients = [];
      return { id: command.id, ok: true };
    case 'exit':
      for (const c of clients) c.client.close();
      setTimeout(() => process.exit(0), 50);
      return { id: command.id, ok: true };
  }
}

process.on('message', (command: WorkerCommand) => {
  handle(command).then(reply, (error: unknown) =>
    reply({
      id: command.id,
      ok: false,
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    }),
  );
});
process.on('disconnect', () => process.exit(0));
