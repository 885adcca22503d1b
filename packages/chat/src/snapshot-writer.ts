import type { ChatMessage } from '@quorum/protocol';
import { withSortedKeys } from './canonical.js';
import { Fnv64 } from './hash.js';
import type { Model, Reactions } from './model.js';
import type { Outcome } from './types.js';

export const SNAPSHOT_MAGIC = 'QCHAT-SNAPSHOT';
export const SNAPSHOT_VERSION = 3;

/** Array items per piece of text (dedup entries, sessions, users). */
const ITEMS_PER_PIECE = 512;

interface FrozenRoom {
  readonly room: string;
  readonly creator: string;
  readonly firstPosition: number;
  readonly members: readonly string[];
  /** The room's messages at the freeze (the array is a copy; the messages do not change). */
  readonly messages: readonly ChatMessage[];
  /** Copies of the reactions of the messages that had any, by index in `messages`. */
  readonly reactions: ReadonlyMap<number, Reactions>;
  readonly archivedReactions: readonly { readonly position: number; readonly reactions: Reactions }[];
}

interface FrozenDedup {
  readonly clientId: string;
  readonly lastSeen: number;
  /** Outcomes are never changed once recorded: a reference is a copy. */
  readonly outcome: Outcome;
  readonly seq: number;
}

interface FrozenClient {
  readonly clientId: string;
  readonly lastSeen: number;
  readonly newest: number;
  /** (seq, outcome) in seq order; outcomes are never changed once recorded. */
  readonly outcomes: readonly (readonly [number, Outcome])[];
  readonly user: string;
}

const NO_REACTIONS: Reactions = [];

/**
 * Writes the snapshot text of the state as it was when the writer was made, a piece at a time:
 * the host can spread a large state's serialisation over several event-loop turns while the
 * state goes on changing.
 *
 * The constructor copies what the reducer mutates in place — room message lists, members,
 * reactions, display names, session expiries, dedup positions — and keeps references to what it
 * never mutates (messages' own fields, outcomes): milliseconds for tens of thousands of messages,
 * against the ~100 ms the text costs. `step()` then writes canonical JSON (every object built in
 * canonical key order for the native `JSON.stringify`; open shapes through `withSortedKeys`) and
 * hashes it as it goes. The text is byte for byte what one synchronous pass would write.
 */
export class SnapshotWriter {
  readonly lastAppliedSlot: number;
  readonly #pieces: string[] = [];
  readonly #hash = new Fnv64();
  readonly #todo: (() => string)[] = [];
  #next = 0;
  #text: string | null = null;

  constructor(m: Model) {
    this.lastAppliedSlot = m.lastAppliedSlot;
    const dedup: FrozenDedup[] = [];
    for (const [clientId, entry] of m.dedup) {
      dedup.push({ clientId, lastSeen: entry.lastSeen, outcome: entry.outcome, seq: entry.seq });
    }
    const clients: FrozenClient[] = [];
    for (const record of m.clients.values()) {
      clients.push({
        clientId: record.clientId,
        lastSeen: record.lastSeen,
        newest: record.newest,
        outcomes: [...record.outcomes].sort((a, b) => a[0] - b[0]),
        user: record.user,
      });
    }
    const rooms: FrozenRoom[] = sortedKeys(m.rooms).map((room) => {
      const record = m.rooms.get(room)!;
      const reactions = new Map<number, Reactions>();
      record.messages.forEach((message, i) => {
        if (message.reactions.length > 0) reactions.set(i, copyReactions(message.reactions));
      });
      return {
        room,
        creator: record.creator,
        firstPosition: record.firstPosition,
        members: [...record.members].sort(),
        messages: record.messages.slice(),
        reactions,
        archivedReactions: [...record.archivedReactions.keys()]
          .sort((a, b) => a - b)
          .map((position) => ({
            position,
            reactions: copyReactions(record.archivedReactions.get(position)!),
          })),
      };
    });
    const sessions = sortedKeys(m.sessions).map((tokenHash) => {
      const record = m.sessions.get(tokenHash)!;
      return { expiresAt: record.expiresAt, tokenHash, user: record.user };
    });
    const users = sortedKeys(m.users).map((user) => {
      const record = m.users.get(user)!;
      return { displayName: record.displayName, passwordHash: record.passwordHash, user };
    });
    const config = {
      anonymousClients: m.config.anonymousClients,
      clientsPerUser: m.config.clientsPerUser,
      dedupWindowMs: m.config.dedupWindowMs,
      maxDedupClients: m.config.maxDedupClients,
      retainPerRoom: m.config.retainPerRoom,
      roomsPerUser: m.config.roomsPerUser,
      seqWindow: m.config.seqWindow,
    };
    const { appliedCount, clock, hash, lastAppliedSlot } = m;

    // The body is JSON.stringify of one object whose keys are in canonical order; written as
    // pieces: `{"appliedCount":…,"clients":[…],"clock":…,"config":…,"dedup":[…],"hash":…,
    // "lastAppliedSlot":…,"rooms":[…],"sessions":[…],"users":[…]}`.
    const todo = this.#todo;
    todo.push(() => `{"appliedCount":${JSON.stringify(appliedCount)},"clients":`);
    this.#array(
      clients,
      (entry) => ({
        clientId: entry.clientId,
        lastSeen: entry.lastSeen,
        newest: entry.newest,
        outcomes: entry.outcomes.map(([seq, outcome]) => ({ outcome: withSortedKeys(outcome), seq })),
        user: entry.user,
      }),
      ITEMS_PER_PIECE,
    );
    todo.push(() => `,"clock":${JSON.stringify(clock)},"config":${JSON.stringify(config)},"dedup":`);
    this.#array(
      dedup,
      (entry) => ({
        clientId: entry.clientId,
        lastSeen: entry.lastSeen,
        outcome: withSortedKeys(entry.outcome),
        seq: entry.seq,
      }),
      ITEMS_PER_PIECE,
    );
    todo.push(
      () => `,"hash":${JSON.stringify(hash)},"lastAppliedSlot":${JSON.stringify(lastAppliedSlot)},"rooms":`,
    );
    this.#array(rooms, roomJson, 1);
    todo.push(() => ',"sessions":');
    this.#array(sessions, (s) => s, ITEMS_PER_PIECE);
    todo.push(() => ',"users":');
    this.#array(users, (u) => u, ITEMS_PER_PIECE);
    todo.push(() => '}');
  }

  /**
   * Writes pieces until at least `chars` more characters are written; true once the body is
   * complete. `onPiece` sees each piece of the body, in order (a host can encode them for its
   * storage as they come, instead of the whole text at the end).
   */
  step(chars: number, onPiece?: (piece: string) => void): boolean {
    let written = 0;
    while (this.#next < this.#todo.length && written < chars) {
      const piece = this.#todo[this.#next]!();
      this.#todo[this.#next] = emptyPiece; // let the frozen data go as it is written
      this.#next++;
      this.#pieces.push(piece);
      this.#hash.text(piece);
      onPiece?.(piece);
      written += piece.length;
    }
    return this.#next >= this.#todo.length;
  }

  /** The text's first line (with its newline), which carries the body's hash: once step() is done. */
  get header(): string {
    if (this.#next < this.#todo.length) throw new Error('the snapshot body is not complete yet');
    return `${SNAPSHOT_MAGIC} ${SNAPSHOT_VERSION} ${this.#hash.hex()}\n`;
  }

  /** The snapshot text: call once `step()` returned true (or to write the rest at once). */
  finish(): string {
    if (this.#text === null) {
      while (!this.step(Number.POSITIVE_INFINITY)) {
        // step writes everything left
      }
      // Concatenated, not joined: V8 keeps the pieces as a rope and copies them into one flat
      // string only if something reads the characters (a snapshot sent to a peer, a restore).
      // A host that stored the pieces as they came never pays for that copy of tens of MB.
      let text = this.header;
      for (const piece of this.#pieces) text += piece;
      this.#text = text;
      this.#pieces.length = 0;
    }
    return this.#text;
  }

  /** `JSON.stringify(items.map(toJson))`, as pieces of `perPiece` items. */
  #array<T>(items: readonly T[], toJson: (item: T) => unknown, perPiece: number): void {
    if (items.length === 0) {
      this.#todo.push(() => '[]');
      return;
    }
    for (let from = 0; from < items.length; from += perPiece) {
      const to = Math.min(items.length, from + perPiece);
      this.#todo.push(() => {
        const parts: string[] = [];
        for (let i = from; i < to; i++) parts.push(JSON.stringify(toJson(items[i]!)));
        return (from === 0 ? '[' : ',') + parts.join(',') + (to === items.length ? ']' : '');
      });
    }
  }
}

function roomJson(room: FrozenRoom): unknown {
  return {
    archivedReactions: room.archivedReactions.map((a) => ({
      position: a.position,
      reactions: reactionsJson(a.reactions),
    })),
    creator: room.creator,
    firstPosition: room.firstPosition,
    members: room.members,
    messages: room.messages.map((message, i) => ({
      author: message.author,
      position: message.position,
      reactions: reactionsJson(room.reactions.get(i) ?? NO_REACTIONS),
      text: message.text,
      ts: message.ts,
    })),
    room: room.room,
  };
}

function reactionsJson(reactions: Reactions): { emoji: string; users: readonly string[] }[] {
  return reactions.map((reaction) => ({ emoji: reaction.emoji, users: reaction.users }));
}

function copyReactions(reactions: Reactions): Reactions {
  return reactions.map((reaction) => ({ emoji: reaction.emoji, users: [...reaction.users] }));
}

function sortedKeys(map: ReadonlyMap<string, unknown>): string[] {
  return [...map.keys()].sort();
}

function emptyPiece(): string {
  return '';
}
