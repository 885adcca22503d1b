import type { AppliedEffect } from '@quorum/chat';
import { type Command, commandKey, type ErrorCode, identityKey } from '@quorum/protocol';

export type CommandOutcome =
  | { readonly kind: 'applied'; readonly effect: AppliedEffect }
  | {
      readonly kind: 'failed';
      readonly code: Extract<ErrorCode, 'timeout' | 'unavailable' | 'shutting_down'>;
    };

interface Waiter {
  readonly command: Command;
  readonly since: number;
  readonly resolvers: ((outcome: CommandOutcome) => void)[];
  readonly deadline: NodeJS.Timeout;
  retry: NodeJS.Timeout;
}

export interface PendingOptions {
  readonly propose: (commands: readonly Command[]) => void;
  /** Give up (answer `timeout`, retryable) after this long. */
  readonly timeoutMs?: number;
  /** Propose the same command again after this long without an effect: covers lost forwards. */
  readonly retryMs?: number;
  /** Most commands waiting at once on this server. */
  readonly max?: number;
}

/**
 * Commands this server proposed and is waiting to see applied, by identity: (user, clientId,
 * seq) — see `CommandIdentity` in the protocol. A second submit of the same identity (the same
 * user retrying) waits with the first; another user's command that carries the same (clientId,
 * seq) is a different command, waits on its own and is settled only by its own effect.
 * Retrying is always safe: the state machine applies each identity once and answers retries
 * with the first result.
 */
export class PendingCommands {
  private readonly waiters = new Map<string, Waiter>();
  private readonly timeoutMs: number;
  private readonly retryMs: number;
  private readonly max: number;

  constructor(private readonly options: PendingOptions) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.retryMs = options.retryMs ?? 1_000;
    this.max = options.max ?? 100_000;
  }

  get size(): number {
    return this.waiters.size;
  }

  /** How long the oldest waiting command has waited, in ms (0 when none waits). */
  oldestAge(now: number): number {
    const oldest = this.waiters.values().next().value;
    return oldest === undefined ? 0 : now - oldest.since;
  }

  submit(command: Command): Promise<CommandOutcome> {
    const k = commandKey(command);
    return new Promise((resolve) => {
      const existing = this.waiters.get(k);
      if (existing) {
        existing.resolvers.push(resolve);
        return;
      }
      if (this.waiters.size >= this.max) {
        resolve({ kind: 'failed', code: 'unavailable' });
        return;
      }
      const waiter: Waiter = {
        command,
        since: Date.now(),
        resolvers: [resolve],
        deadline: setTimeout(() => this.finish(k, { kind: 'failed', code: 'timeout' }), this.timeoutMs),
        retry: setTimeout(() => this.retry(k), this.retryMs),
      };
      this.waiters.set(k, waiter);
      this.options.propose([command]);
    });
  }

  /** Called with every applied slot's effects. */
  settle(effects: readonly AppliedEffect[]): void {
    if (this.waiters.size === 0) return;
    for (const effect of effects) this.finish(identityKey(effect), { kind: 'applied', effect });
  }

  /** The replica refused these commands (no leader and its buffer is full, or its queue is full). */
  refuse(commands: readonly Command[]): void {
    for (const command of commands) this.finish(commandKey(command), { kind: 'failed', code: 'unavailable' });
  }

  /**
   * Proposes every waiting command again now, e.g. because a new leader was elected: whatever
   * was forwarded to the old one may be gone with it. Safe: the identity dedups them.
   */
  reproposeAll(): void {
    if (this.waiters.size === 0) return;
    const commands: Command[] = [];
    for (const [k, waiter] of this.waiters) {
      commands.push(waiter.command);
      clearTimeout(waiter.retry);
      waiter.retry = setTimeout(() => this.retry(k), this.retryMs);
    }
    this.options.propose(commands);
  }

  close(): void {
    for (const k of [...this.waiters.keys()]) this.finish(k, { kind: 'failed', code: 'shutting_down' });
  }

  private retry(k: string): void {
    const waiter = this.waiters.get(k);
    if (!waiter) return;
    this.options.propose([waiter.command]);
    waiter.retry = setTimeout(() => this.retry(k), this.retryMs);
  }

  private finish(k: string, outcome: CommandOutcome): void {
    const waiter = this.waiters.get(k);
    if (!waiter) return;
    this.waiters.delete(k);
    clearTimeout(waiter.deadline);
    clearTimeout(waiter.retry);
    for (const resolve of waiter.resolvers) resolve(outcome);
  }
}
