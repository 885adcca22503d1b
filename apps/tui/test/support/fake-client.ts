/**
 * A stand-in for `QuorumClient` that records what the TUI asks and lets a test emit any client
 * event. Only the `ChatClient` port is implemented.
 */

import type { OutboxEntry, PendingSend, QuorumClientEvents, QuorumClientOptions } from '@quorum/client';
import type { ChatMessage } from '@quorum/protocol';
import type { ChatClient } from '../../src/client-port.js';

type Listener = (payload: never) => void;

export class FakeClient implements ChatClient {
  readonly clientId: string;
  readonly listeners = new Map<string, Set<Listener>>();
  readonly sent: { room: string; text: string; seq: number }[] = [];
  readonly reacted: { room: string; position: number; emoji: string; on: boolean; seq: number }[] = [];
  /** When set, `react` is refused with it (as the cluster would, through the outbox). */
  reactError: Error | null = null;
  readonly typed: { room: string; active: boolean }[] = [];
  readonly joins: string[] = [];
  readonly leaves: string[] = [];
  readonly displayNames: string[] = [];
  closed = false;
  connected = false;
  token: string | null = null;
  #seq: number;
  #rooms: string[];
  whoMembers: { user: string; displayName: string; online: boolean }[] = [];
  roomList: { room: string; members: number; head: number }[] = [];
  history: ChatClient['history'] = async (room) => ({ room, messages: [], hasMore: false, head: 0 });

  constructor(readonly options: QuorumClientOptions) {
    this.clientId = options.clientId ?? 'c-fake-client-0001';
    this.#seq = options.nextSeq ?? 1;
    this.#rooms = [...(options.rooms ?? [])];
  }

  get nextSeq(): number {
    return this.#seq;
  }

  on<K extends keyof QuorumClientEvents>(
    event: K,
    listener: (payload: QuorumClientEvents[K]) => void,
  ): () => void {
    const set = this.listeners.get(event) ?? new Set<Listener>();
    set.add(listener as Listener);
    this.listeners.set(event, set);
    return () => set.delete(listener as Listener);
  }

  emit<K extends keyof QuorumClientEvents>(event: K, payload: QuorumClientEvents[K]): void {
    for (const l of this.listeners.get(event) ?? []) (l as (p: QuorumClientEvents[K]) => void)(payload);
  }

  connect(): Promise<void> {
    this.connected = true;
    return Promise.resolve();
  }

  close(): void {
    this.closed = true;
  }

  send(room: string, text: string): PendingSend {
    const seq = this.#seq++;
    this.sent.push({ room, text, seq });
    const entry = this.#queued({ kind: 'send', room, text }, seq);
    return { ...entry, settled: new Promise<OutboxEntry>(() => {}) };
  }

  /** Like the real one: takes a seq and goes through the outbox; settles at once here. */
  async react(room: string, position: number, emoji: string, on = true): Promise<void> {
    const seq = this.#seq++;
    this.reacted.push({ room, position, emoji, on, seq });
    this.#queued({ kind: 'react', room, position, emoji, on }, seq);
    if (this.reactError !== null) throw this.reactError;
  }

  /** An outbox entry as the real outbox adds it: pending, no attempts yet. */
  #queued(
    command:
      | { kind: 'send'; room: string; text: string }
      | { kind: 'react'; room: string; position: number; emoji: string; on: boolean },
    seq: number,
  ): OutboxEntry {
    const entry: OutboxEntry = {
      ...command,
      clientId: this.clientId,
      seq,
      state: 'pending',
      attempts: 0,
      createdAt: 1_000,
    };
    this.emit('outbox', { change: 'added', entry });
    return entry;
  }

  typing(room: string, active: boolean): boolean {
    this.typed.push({ room, active });
    return true;
  }

  async join(room: string) {
    this.joins.push(room);
    if (!this.#rooms.includes(room)) this.#rooms.push(room);
    return { room, head: 0, members: [] };
  }

  async leave(room: string): Promise<void> {
    this.leaves.push(room);
    this.#rooms = this.#rooms.filter((r) => r !== room);
  }

  async who(_room: string) {
    return this.whoMembers;
  }

  async rooms() {
    return this.roomList;
  }

  async setDisplayName(name: string): Promise<void> {
    this.displayNames.push(name);
  }

  clusterInfo: ChatClient['clusterInfo'] = async () => ({
    type: 'cluster',
    serverId: 1,
    leaderId: 1,
    replicas: [],
  });

  positions(): Record<string, number> {
    return {};
  }

  joinedRooms(): string[] {
    return [...this.#rooms];
  }

  pending(): OutboxEntry[] {
    return [];
  }

  // ---- helpers for tests ----

  /** The entry the outbox would report for our send number `seq`. */
  entry(seq: number, patch: Partial<OutboxEntry> = {}): OutboxEntry {
    const sent = this.sent.find((s) => s.seq === seq);
    return {
      kind: 'send',
      room: sent?.room ?? 'general',
      text: sent?.text ?? '',
      clientId: this.clientId,
      seq,
      state: 'pending',
      attempts: 1,
      createdAt: 1_000,
      ...patch,
    } as OutboxEntry;
  }

  connectTo(serverId: number, leaderId: number | null = 1): void {
    this.emit('welcome', {
      serverId,
      leaderId,
      url: `ws://127.0.0.1:710${serverId}/ws`,
      limits: {
        maxFrameBytes: 65536,
        maxTextLength: 4000,
        maxHistoryPage: 200,
        maxRoomsPerConnection: 64,
        sendsPerSecond: 20,
      },
    });
    this.emit('state', { state: 'connected', serverId, url: `ws://127.0.0.1:710${serverId}/ws`, attempt: 0 });
  }
}

let nextTs = 1_767_225_600_000;

export function chatMessage(
  room: string,
  position: number,
  author: string,
  text: string,
  extra: Partial<ChatMessage> = {},
): ChatMessage {
  return {
    room,
    position,
    author,
    text,
    ts: nextTs++,
    reactions: [],
    ...extra,
  };
}
