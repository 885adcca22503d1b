import {
  type Command,
  clientKey,
  commandPrincipal,
  type PaxosValue,
  commandKey as protocolKey,
} from '@quorum/protocol';

/**
 * A command's identity (user, clientId, seq) — the protocol's `CommandIdentity` — written
 * `user/clientId#seq` for the checkers and their reports (names and ids hold no '/' or '#').
 */
export function commandKey(command: Command): string {
  return `${commandPrincipal(command)}/${command.clientId}#${command.seq}`;
}

/**
 * How a host keys the commands it waits for and the state machine dedups: by the whole
 * identity (user, clientId, seq), as the protocol defines it, or — the broken `clientid-identity`
 * variant — by (clientId, seq) alone, which lets one user's command stand for another's.
 */
export interface Keying {
  /** The key a host waits on for one command. */
  readonly waitKey: (command: Command) => string;
  /** The dedup table's key for the command's client. */
  readonly clientKey: (command: Command) => string;
}

export const IDENTITY_KEYING: Keying = {
  waitKey: protocolKey,
  clientKey: (command) => clientKey(commandPrincipal(command), command.clientId),
};

export const CLIENT_ID_KEYING: Keying = {
  waitKey: (command) => `${command.clientId}\u0000${command.seq}`,
  clientKey: (command) => command.clientId,
};

/** What applying one command returned. */
export interface ApplyOutcome {
  /** The command's true identity (protocol `commandKey`): what the checkers count. */
  readonly key: string;
  /** The key the host waits on (`Keying.waitKey`). */
  readonly waitKey: string;
  readonly clientId: string;
  readonly seq: number;
  /** The command's position in the applied sequence (1-based), as first applied; null for a stale retry. */
  readonly result: number | null;
  /** True when dedup recognised a retry and did not apply it again. */
  readonly duplicate: boolean;
}

interface Serialized {
  readonly index: number;
  readonly keys: string[];
  readonly slots: number[];
  readonly last: [string, number, number][];
}

/**
 * The simulator's replicated state machine: a register of applied commands with at-most-once
 * effect per (clientId, seq). Like the chat state machine it keeps, per client, the last applied
 * seq and its result, so a retry returns the first result instead of applying twice. It keeps
 * the whole applied sequence so the checkers can compare replicas.
 */
export class RegisterMachine {
  /** The last slot applied (or covered by the snapshot this machine was restored from). */
  appliedIndex = 0;
  /** Keys of the commands that took effect, in order. */
  readonly keys: string[] = [];
  /** The slot each of `keys` was applied from. */
  readonly slots: number[] = [];
  private readonly last = new Map<string, { seq: number; result: number }>();

  /** `dedup: false` is the broken `no-dedup` variant: every retry takes effect again. */
  constructor(
    private readonly dedup = true,
    private readonly keying: Keying = IDENTITY_KEYING,
  ) {}

  apply(slot: number, value: PaxosValue): ApplyOutcome[] {
    this.appliedIndex = slot;
    const outcomes: ApplyOutcome[] = [];
    for (const command of value.commands) {
      const key = commandKey(command);
      const waitKey = this.keying.waitKey(command);
      const client = this.keying.clientKey(command);
      const last = this.last.get(client);
      if (this.dedup && last !== undefined && command.seq <= last.seq) {
        outcomes.push({
          key,
          waitKey,
          clientId: command.clientId,
          seq: command.seq,
          result: command.seq === last.seq ? last.result : null,
          duplicate: true,
        });
        continue;
      }
      this.keys.push(key);
      this.slots.push(slot);
      const result = this.keys.length;
      if (last === undefined || command.seq > last.seq) this.last.set(client, { seq: command.seq, result });
      outcomes.push({ key, waitKey, clientId: command.clientId, seq: command.seq, result, duplicate: false });
    }
    return outcomes;
  }

  serialize(): string {
    const data: Serialized = {
      index: this.appliedIndex,
      keys: this.keys,
      slots: this.slots,
      last: [...this.last].map(([client, { seq, result }]) => [client, seq, result]),
    };
    return JSON.stringify(data);
  }

  /** Replaces this machine's state with a snapshot (`install`). */
  restore(data: string, index: number): void {
    const parsed = JSON.parse(data) as Serialized;
    this.appliedIndex = index;
    this.keys.length = 0;
    this.slots.length = 0;
    this.keys.push(...parsed.keys);
    this.slots.push(...parsed.slots);
    this.last.clear();
    for (const [client, seq, result] of parsed.last) this.last.set(client, { seq, result });
  }

  has(key: string): boolean {
    return this.keys.includes(key);
  }
}
