import { ChatState } from '@quorum/chat';
import type { ChatMessage, Command, GossipMessage } from '@quorum/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { Archive, type ArchiveStore } from '../src/archive.js';

/** An in-memory archive store with the DurableStore's semantics (watermark over a gap-free prefix). */
class MemoryArchive implements ArchiveStore {
  readonly rooms = new Map<string, Map<number, ChatMessage>>();
  async archive(messages: readonly ChatMessage[]): Promise<void> {
    for (const m of messages) {
      const room = this.rooms.get(m.room) ?? new Map<number, ChatMessage>();
      this.rooms.set(m.room, room);
      room.set(m.position, m);
    }
  }
  archiveThrough(room: string): number {
    let through = 0;
    while (this.rooms.get(room)?.has(through + 1)) through++;
    return through;
  }
  readArchive(room: string, from: number, to: number): ChatMessage[] {
    const out: ChatMessage[] = [];
    for (let p = from; p < to; p++) {
      const m = this.rooms.get(room)?.get(p);
      if (!m) break;
      out.push(m);
    }
    return out;
  }
}

const T0 = 1_700_000_000_000;
let seq = 0;
const cmd = (c: Record<string, unknown>): Command =>
  ({ clientId: 'client-ann-1', seq: ++seq, ts: T0 + seq, ...c }) as Command;

/** A state with room "r" holding `count` posts, `retain` of them in memory. */
function stateWith(count: number, retain: number): { state: ChatState; archived: ChatMessage[] } {
  const state = new ChatState({ retainPerRoom: retain });
  const archived: ChatMessage[] = [];
  let slot = 0;
  const apply = (c: Command) => {
    for (const e of state.apply(++slot, { commands: [c] })) archived.push(...e.archived);
  };
  apply(cmd({ op: 'register', user: 'ann', passwordHash: 'kdf$ann' }));
  apply(cmd({ op: 'join', user: 'ann', room: 'r' }));
  for (let i = 1; i <= count; i++) apply(cmd({ op: 'post', user: 'ann', room: 'r', text: `m${i}` }));
  return { state, archived };
}

const archives: Archive[] = [];
afterEach(() => {
  for (const a of archives.splice(0)) a.stop();
});

function archiveFor(state: ChatState, store: MemoryArchive, peers: number[]) {
  const sent: { to: number; message: GossipMessage }[] = [];
  const fatal: unknown[] = [];
  const archive = new Archive({
    store,
    state: () => state,
    peers: () => peers,
    send: (to, message) => sent.push({ to, message }),
    self: 1,
    onFatal: (e) => fatal.push(e),
    requestTimeoutMs: 60_000,
  });
  archives.push(archive);
  return { archive, sent, fatal };
}

describe('Archive', () => {
  it('asks a peer for the first hole and keeps only the consecutive messages it asked for', async () => {
    const { state, archived } = stateWith(12, 4); // positions 1..8 archived, 9..12 in memory
    const store = new MemoryArchive();
    await store.archive(archived.slice(0, 3)); // this server lacks 4..8, as after a snapshot install
    const { archive, sent } = archiveFor(state, store, [2, 3]);
    archive.fillHoles();
    expect(sent).toEqual([
      { to: 2, message: { type: 'archive_req', from: 1, room: 'r', after: 3, limit: 200 } },
    ]);

    const page = (
      from: number,
      messages: ChatMessage[],
    ): Extract<GossipMessage, { type: 'archive_page' }> => ({
      type: 'archive_page',
      from,
      room: 'r',
      after: 3,
      messages,
    });
    archive.onPage(page(3, archived.slice(3, 8))); // from a peer we did not ask: ignored
    expect(store.archiveThrough('r')).toBe(3);
    // Positions 4 and 5, then a gap, then one past the hole: only 4 and 5 are kept.
    archive.onPage(page(2, [archived[3]!, archived[4]!, archived[6]!]));
    await new Promise((resolve) => setImmediate(resolve));
    expect(store.archiveThrough('r')).toBe(5);
    // It goes on with the rest of the hole.
    expect(sent.at(-1)?.message).toMatchObject({ type: 'archive_req', after: 5 });
    expect(archive.read('r', { from: 1, to: 9 })).toBeNull(); // still a hole at 6..8
  });

  it('answers a peer from its archive and then from memory, without reactions', async () => {
    const { state, archived } = stateWith(10, 4); // 1..6 archived, 7..10 in memory
    const store = new MemoryArchive();
    await store.archive(archived);
    const { archive, sent } = archiveFor(state, store, [2]);
    archive.onRequest({ type: 'archive_req', from: 3, room: 'r', after: 4, limit: 4 });
    expect(sent).toHaveLength(1);
    const answer = sent[0]!;
    expect(answer.to).toBe(3);
    expect(answer.message).toMatchObject({ type: 'archive_page', room: 'r', after: 4 });
    const messages = (answer.message as Extract<GossipMessage, { type: 'archive_page' }>).messages;
    expect(messages.map((m) => [m.position, m.text, m.reactions])).toEqual([
      [5, 'm5', []],
      [6, 'm6', []],
      [7, 'm7', []],
      [8, 'm8', []],
    ]);
  });

  it('writes what a turn archived in one store write, and reads it back before it is on disk', async () => {
    const { state, archived } = stateWith(8, 2); // 1..6 archived
    const store = new MemoryArchive();
    const calls: number[] = [];
    const archive = store.archive.bind(store);
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    store.archive = async (messages) => {
      calls.push(messages.length);
      await gate; // the disk is slow: the write has not finished when the read comes
      return archive(messages);
    };
    const { archive: service } = archiveFor(state, store, []);
    for (const message of archived) service.write([message]);
    expect(calls).toEqual([]); // nothing written yet: the turn is not over
    expect(service.read('r', { from: 1, to: 7 })?.map((m) => m.position)).toEqual([1, 2, 3, 4, 5, 6]);
    service.flush(); // what the driver does before a persist
    expect(calls).toEqual([6]);
    expect(service.read('r', { from: 3, to: 5 })?.map((m) => m.position)).toEqual([3, 4]);
    release();
    await gate;
    await new Promise((resolve) => setImmediate(resolve));
    expect(store.archiveThrough('r')).toBe(6);
    expect(service.read('r', { from: 1, to: 7 })).toHaveLength(6);
  });

  it('reads an archived range with the reactions the state keeps for it', async () => {
    const { state, archived } = stateWith(6, 2);
    state.apply(state.lastAppliedSlot + 1, {
      commands: [cmd({ op: 'react', user: 'ann', room: 'r', position: 2, emoji: '👍', on: true })],
    });
    const store = new MemoryArchive();
    await store.archive(archived);
    const { archive } = archiveFor(state, store, []);
    const read = archive.read('r', { from: 1, to: 5 });
    expect(read?.map((m) => m.position)).toEqual([1, 2, 3, 4]);
    expect(read?.[1]?.reactions).toEqual([{ emoji: '👍', users: ['ann'] }]);
  });
});
