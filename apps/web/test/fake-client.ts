import type { OutboxEntry, QuorumClientEvents, QuorumClientOptions } from '@quorum/client';
import type { ChatMessage } from '@quorum/protocol';
import { vi } from 'vitest';
import type { ChatClient } from '../src/client/types.js';

type Listener<K extends keyof QuorumClientEvents> = (payload: QuorumClientEvents[K]) => void;

/** A QuorumClient-shaped double: records calls, and tests emit its events by hand. */
export class FakeClient implements ChatClient {
  readonly clientId: string;
  nextSeq: number;
  serverId: number | null = null;
  readonly options: QuorumClientOptions;
  readonly listeners = new Map<string, Set<(payload: never) => void>>();
  readonly sent: { room: string; text: string; seq: number }[] = [];
  readonly typingCalls: { room: string; active: boolean }[] = [];
  closed = false;
  connectResolve: (() => void) | null = null;

  constructor(options: QuorumClientOptions) {
    this.options = options;
    this.clientId = options.clientId ?? 'web-fake-client';
    this.nextSeq = options.nextSeq ?? 1;
  }

  on<K extends keyof QuorumClientEvents>(event: K, listener: Listener<K>): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener as (payload: never) => void);
    return () => set.delete(listener as (payload: never) => void);
  }

  emit<K extends keyof QuorumClientEvents>(event: K, payload: QuorumClientEvents[K]): void {
    for (const listener of this.listeners.get(event) ?? []) (listener as Listener<K>)(payload);
  }

  connect = vi.fn(
    () =>
      new Promise<void>((resolve) => {
        this.connectResolve = resolve;
      }),
  );
  close = vi.fn(() => {
    this.closed = true;
  });
  send = vi.fn((room: string, text: string) => {
    const seq = this.nextSeq++;
    this.sent.push({ room, text, seq });
    const entry: OutboxEntry = {
      kind: 'send',
      room,
      text,
      clientId: this.clientId,
      seq,
      state: 'pending',
      attempts: 0,
      createdAt: Date.now(),
    };
    this.emit('outbox', { change: 'added', entry });
    return { ...entry, settled: new Promise<OutboxEntry>(() => {}) };
  });
  typing = vi.fn((room: string, active: boolean) => {
    this.typingCalls.push({ room, active });
    return true;
  });
  join = vi.fn(async (room: string) => ({ room, head: 0, members: [] as string[] }));
  leave = vi.fn(async (_room: string) => {});
  react = vi.fn(async (_room: string, _position: number, _emoji: string, _on?: boolean) => {});
  who = vi.fn(async (_room: string) => [] as { user: string; displayName: string; online: boolean }[]);
  rooms = vi.fn(async () => [] as { room: string; members: number; head: number }[]);
  history = vi.fn(async (room: string) => ({ room, messages: [] as ChatMessage[], hasMore: false, head: 0 }));
  clusterInfo = vi.fn(async () => ({ type: 'cluster' as const, serverId: 1, leaderId: null, replicas: [] }));
  logout = vi.fn(async () => {});
}

export function chatMessage(partial: Partial<ChatMessage> & { position: number }): ChatMessage {
  return {
    room: 'general',
    author: 'grace',
    text: `message ${partial.position}`,
    ts: 1_767_225_600_000 + partial.position * 1000,
    reactions: [],
    ...partial,
  };
}
