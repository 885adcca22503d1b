import type { ArchivedRange, ChatState } from '@quorum/chat';
import type { ChatMessage, GossipMessage } from '@quorum/protocol';
import { MAX_HISTORY_PAGE } from '@quorum/protocol';

type ArchiveRequest = Extract<GossipMessage, { type: 'archive_req' }>;
type ArchivePage = Extract<GossipMessage, { type: 'archive_page' }>;

/** What the archive needs from durable storage (the DurableStore). */
export interface ArchiveStore {
  archive(messages: readonly ChatMessage[]): Promise<void>;
  archiveThrough(room: string): number;
  readArchive(room: string, from: number, to: number): ChatMessage[];
}

export interface ArchiveOptions {
  readonly store: ArchiveStore;
  /** The chat state now (it is replaced when a snapshot is installed). */
  readonly state: () => ChatState;
  /** Peers with a live link, to ask for missing messages. */
  readonly peers: () => readonly number[];
  readonly send: (to: number, message: GossipMessage) => void;
  readonly self: number;
  /** A write failed: the archive on disk is behind memory, so the server must stop. */
  readonly onFatal: (error: unknown) => void;
  /** How long to wait for a peer's page before asking another (default 2 s). */
  readonly requestTimeoutMs?: number;
}

/**
 * The server's archive of chat messages that left the state machine's memory (all but each
 * room's newest `retainPerRoom`): it writes them as the state machine hands them over, serves
 * the archived part of history pages and resumes, and fills the holes a snapshot install leaves.
 *
 * A replica that applies every slot archives every message itself. One that installs a snapshot
 * from a peer skips slots, and with them the messages those slots pushed out of memory: it then
 * asks its peers for them (`archive_req`, one page in flight, another peer after a timeout) until
 * every room's archive reaches the room's first message in memory. Until then a read that needs
 * the hole answers `unavailable`, and the client retries (here or on another server).
 */
export class Archive {
  private asking: {
    room: string;
    after: number;
    peer: number;
    timer: NodeJS.Timeout;
  } | null = null;
  private retry: NodeJS.Timeout | null = null;
  private nextPeer = 0;
  /** Messages handed over since the last flush: written together, one transaction per turn. */
  private buffer: ChatMessage[] = [];
  private flushScheduled = false;
  /**
   * Messages handed over but not yet durable on disk (buffered or being written), by room and
   * position: reads see them at once. Bounded by the writes in flight.
   */
  private readonly unwritten = new Map<string, Map<number, ChatMessage>>();
  private stopped = false;
  readonly stats = { written: 0, backfilled: 0, requestsServed: 0 };

  constructor(private readonly options: ArchiveOptions) {}

  /**
   * Takes the messages the state machine pushed out of memory while applying a slot. They are
   * written together at the end of the turn, or earlier by `flush()`, which the driver calls
   * before every persist: so a snapshot is never queued ahead of the messages it dropped.
   */
  write(messages: readonly ChatMessage[]): void {
    if (messages.length === 0) return;
    this.stats.written += messages.length;
    for (const message of messages) {
      this.buffer.push(message);
      let room = this.unwritten.get(message.room);
      if (room === undefined) {
        room = new Map();
        this.unwritten.set(message.room, room);
      }
      room.set(message.position, message);
    }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Queues everything handed over so far as one write (ordered before any later persist). */
  flush(): void {
    this.flushScheduled = false;
    if (this.buffer.length === 0) return;
    const messages = this.buffer;
    this.buffer = [];
    this.options.store.archive(messages).then(
      () => {
        for (const message of messages) {
          const room = this.unwritten.get(message.room);
          if (room?.get(message.position) === message) room.delete(message.position);
          if (room?.size === 0) this.unwritten.delete(message.room);
        }
      },
      (error: unknown) => this.fatal(error),
    );
  }

  /** The archived messages of `room` from `from` on, up to `to`, as far as there is no gap. */
  private collect(room: string, from: number, to: number): ChatMessage[] {
    const out: ChatMessage[] = [];
    const unwritten = this.unwritten.get(room);
    let position = from;
    while (position < to) {
      const pending = unwritten?.get(position);
      if (pending !== undefined) {
        out.push(pending);
        position++;
        continue;
      }
      const stored = this.options.store.readArchive(room, position, to);
      if (stored.length === 0) break;
      for (const message of stored) out.push(message);
      position += stored.length;
    }
    return out;
  }

  /**
   * The archived messages of `room` in `range`, with their reactions (which are replicated state,
   * not stored with the archived copy); null when this server's archive has a hole there.
   */
  read(room: string, range: ArchivedRange): ChatMessage[] | null {
    const messages = this.collect(room, range.from, range.to);
    if (messages.length < range.to - range.from) return null;
    const state = this.options.state();
    return messages.map((m) => ({ ...m, reactions: state.archivedReactions(room, m.position) }));
  }

  /** The first room whose archive stops short of its first message in memory, and where. */
  private firstHole(): { room: string; after: number } | null {
    const state = this.options.state();
    for (const { room } of state.rooms()) {
      const through = this.options.store.archiveThrough(room);
      if (through < state.firstRetained(room) - 1) return { room, after: through };
    }
    return null;
  }

  /** After a snapshot install (or at start): fetch whatever the archive lacks. */
  fillHoles(): void {
    if (this.stopped || this.asking !== null || this.retry !== null) return;
    const hole = this.firstHole();
    if (hole === null) return;
    const peers = this.options.peers();
    if (peers.length === 0) {
      this.retryLater();
      return;
    }
    const peer = peers[this.nextPeer++ % peers.length]!;
    const timer = setTimeout(() => {
      this.asking = null;
      this.fillHoles();
    }, this.options.requestTimeoutMs ?? 2000);
    this.asking = { ...hole, peer, timer };
    this.options.send(peer, {
      type: 'archive_req',
      from: this.options.self,
      room: hole.room,
      after: hole.after,
      limit: MAX_HISTORY_PAGE,
    });
  }

  private retryLater(): void {
    this.retry = setTimeout(() => {
      this.retry = null;
      this.fillHoles();
    }, 1000);
  }

  /** A peer's answer to our request: keep what fills the hole, then go on. */
  onPage(page: ArchivePage): void {
    const asking = this.asking;
    if (
      asking === null ||
      page.from !== asking.peer ||
      page.room !== asking.room ||
      page.after !== asking.after
    )
      return; // late or unasked: ignore
    clearTimeout(asking.timer);
    this.asking = null;
    const limit = this.options.state().firstRetained(page.room) - 1;
    const useful: ChatMessage[] = [];
    for (const message of page.messages) {
      const expected = page.after + 1 + useful.length;
      if (message.room !== page.room || message.position !== expected || expected > limit) break;
      useful.push({ ...message, reactions: [] });
    }
    if (useful.length === 0) {
      this.retryLater(); // this peer has nothing for us now: another one next time
      return;
    }
    this.stats.backfilled += useful.length;
    this.options.store.archive(useful).then(
      () => this.fillHoles(),
      (error: unknown) => this.fatal(error),
    );
  }

  /** A peer asks for messages it lacks: from our archive, then from memory. */
  onRequest(request: ArchiveRequest): void {
    const state = this.options.state();
    const head = state.head(request.room);
    const from = request.after + 1;
    const to = Math.min(head + 1, from + Math.min(request.limit, MAX_HISTORY_PAGE));
    const first = state.firstRetained(request.room);
    const messages = from < first ? this.collect(request.room, from, Math.min(to, first)) : [];
    // Whatever the archive has not (or not yet) got may still be in memory here.
    for (let position = from + messages.length; position < to; position++) {
      const message = state.message(request.room, position);
      if (message === null) break;
      messages.push({ ...message, reactions: [] });
    }
    this.stats.requestsServed++;
    this.options.send(request.from, {
      type: 'archive_page',
      from: this.options.self,
      room: request.room,
      after: request.after,
      messages,
    });
  }

  /** A failed write is fatal, except once the server is shutting down (the store is closing). */
  private fatal(error: unknown): void {
    if (!this.stopped) this.options.onFatal(error);
  }

  stop(): void {
    this.flush(); // the store closes after its queued writes: these are among them
    this.stopped = true;
    if (this.asking) clearTimeout(this.asking.timer);
    if (this.retry) clearTimeout(this.retry);
    this.asking = null;
    this.retry = null;
  }
}
