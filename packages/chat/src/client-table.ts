import { ANONYMOUS_PRINCIPAL, type CommandIdentity, clientKey } from '@quorum/protocol';
import type { ClientRecord, Config, Model } from './model.js';
import type { Outcome } from './types.js';

/**
 * The per-user dedup table (commands with `v: 2`): what each client of each user was answered.
 *
 * The bounds are per user, so one user cannot push another's entries out:
 * - a user keeps at most `clientsPerUser` clients (`anonymousClients` for the anonymous
 *   principal); a new one evicts that user's least recently used client, nobody else's;
 * - a client remembers the outcomes of its last `seqWindow` seqs: a retry of any of them gets
 *   its first outcome; a seq inside the window that was never applied (overtaken by a later one
 *   in flight) is applied now; an older seq cannot be told apart and is `expired`;
 * - a client unused for `dedupWindowMs` of replicated clock is forgotten.
 *
 * `model.clients` is in recency order (least recently touched first) across all users, which
 * makes the time rule O(evicted); `model.clientsByUser` holds the same records per user, in the
 * same relative order (every touch moves a record to the end of both), so it is derived state
 * and rebuilt at restore.
 */
export type Lookup =
  | { readonly kind: 'new' }
  | { readonly kind: 'duplicate'; readonly outcome: Outcome }
  | { readonly kind: 'expired'; readonly newest: number };

export function lookup(m: Model, id: CommandIdentity): Lookup {
  const record = m.clientsByUser.get(id.user)?.get(id.clientId);
  if (record === undefined) return { kind: 'new' };
  const first = record.outcomes.get(id.seq);
  if (first !== undefined) {
    touch(m, record);
    return { kind: 'duplicate', outcome: first };
  }
  if (id.seq <= record.newest - m.config.seqWindow) {
    touch(m, record);
    return { kind: 'expired', newest: record.newest };
  }
  return { kind: 'new' };
}

/** Remembers the outcome of a command that `lookup` called new and that has now run. */
export function remember(m: Model, id: CommandIdentity, outcome: Outcome): void {
  let perUser = m.clientsByUser.get(id.user);
  if (perUser === undefined) {
    perUser = new Map();
    m.clientsByUser.set(id.user, perUser);
  }
  let record = perUser.get(id.clientId);
  if (record === undefined) {
    record = { user: id.user, clientId: id.clientId, newest: 0, lastSeen: m.clock, outcomes: new Map() };
    perUser.set(id.clientId, record);
    m.clients.set(clientKey(id.user, id.clientId), record);
    const cap = userCap(m.config, id.user);
    while (perUser.size > cap) forget(m, perUser.values().next().value!);
  }
  record.outcomes.set(id.seq, outcome);
  if (id.seq > record.newest) {
    record.newest = id.seq;
    const floor = id.seq - m.config.seqWindow;
    for (const seq of record.outcomes.keys()) if (seq <= floor) record.outcomes.delete(seq);
  }
  touch(m, record);
}

/** Forgets clients unused for longer than the window (least recently touched first). */
export function expire(m: Model): void {
  for (const record of m.clients.values()) {
    if (m.clock - record.lastSeen <= m.config.dedupWindowMs) break;
    forget(m, record);
  }
}

function userCap(config: Config, user: string): number {
  return user === ANONYMOUS_PRINCIPAL ? config.anonymousClients : config.clientsPerUser;
}

function touch(m: Model, record: ClientRecord): void {
  record.lastSeen = m.clock;
  const key = clientKey(record.user, record.clientId);
  m.clients.delete(key);
  m.clients.set(key, record);
  const perUser = m.clientsByUser.get(record.user)!;
  perUser.delete(record.clientId);
  perUser.set(record.clientId, record);
}

function forget(m: Model, record: ClientRecord): void {
  m.clients.delete(clientKey(record.user, record.clientId));
  const perUser = m.clientsByUser.get(record.user);
  perUser?.delete(record.clientId);
  if (perUser?.size === 0) m.clientsByUser.delete(record.user);
}
