import { KeyedLimiter } from './rate-limit.js';

/**
 * What a request spends, by kind. Every kind is budgeted per user across all of that user's
 * connections on this server, and per address (a few users behind one NAT or proxy share it), so
 * one user opening more connections gets no more than one connection would.
 *
 * - `send`: posts and reactions (announced to clients as `welcome.limits.sendsPerSecond`);
 * - `write`: other commands that go through the log (join, leave, logout);
 * - `profile`: display-name changes, which reach everyone who shares a room with the user;
 * - `read`: reads behind the linearizable barrier (history, resume, who, rooms).
 *
 * Typing and presence are not budgeted here: they are coalesced (coalescer.ts).
 */
export type RequestKind = 'send' | 'write' | 'profile' | 'read';

export interface Rate {
  /** Tokens per second. */
  readonly rate: number;
  readonly burst: number;
}

export interface UserBudgetOptions {
  readonly perUser: Readonly<Record<RequestKind, Rate>>;
  /** An address gets this many times a user's budget. */
  readonly addressFactor: number;
  /** Users and addresses remembered at once; the least recently active are forgotten first. */
  readonly maxKeys: number;
}

/**
 * The defaults: a person typing fast, with room for a client's catch-up after a reconnect (it
 * joins and resumes every room at once). A server configured for a higher send rate (a
 * benchmark: many connections of one user) allows proportionally more of the rest.
 *
 * Sends are budgeted for the whole cluster: each of `servers` servers allows its share, so a
 * user spread over every server gets `sendsPerSecond` in all, not n times it; and bursts are
 * short (a tenth of a second's worth, at least 20), since a burst admitted at once is a burst of
 * commands every other user's commands wait behind.
 */
export function sendsPerServer(sendsPerSecond: number, servers: number): number {
  return Math.max(1, Math.floor(sendsPerSecond / Math.max(1, servers)));
}

export function defaultBudgets(sendsPerSecond: number, servers = 1): UserBudgetOptions {
  const sends = sendsPerServer(sendsPerSecond, servers);
  return {
    perUser: {
      send: { rate: sends, burst: Math.max(20, sends / 10) },
      write: { rate: Math.max(5, sendsPerSecond / 40), burst: Math.max(100, sendsPerSecond / 4) },
      profile: { rate: 0.5, burst: 5 },
      read: { rate: Math.max(20, sendsPerSecond / 10), burst: Math.max(200, sendsPerSecond / 2) },
    },
    addressFactor: 10,
    maxKeys: 10_000,
  };
}

export class UserBudgets {
  private readonly byUser: Record<RequestKind, KeyedLimiter>;
  private readonly byAddress: Record<RequestKind, KeyedLimiter>;

  constructor(readonly options: UserBudgetOptions) {
    const limiter = (rate: Rate, factor: number) =>
      new KeyedLimiter(rate.rate * factor, rate.burst * factor, options.maxKeys);
    const make = (factor: number) => {
      const { send, write, profile, read } = options.perUser;
      return {
        send: limiter(send, factor),
        write: limiter(write, factor),
        profile: limiter(profile, factor),
        read: limiter(read, factor),
      };
    };
    this.byUser = make(1);
    this.byAddress = make(options.addressFactor);
  }

  /** Spends one `kind` token of `user` and of `address`; false (nothing spent of the user's) if either is out. */
  take(kind: RequestKind, user: string, address: string, now: number): boolean {
    return this.byAddress[kind].take(address, now) && this.byUser[kind].take(user, now);
  }
}
