import { describe, expect, it } from 'vitest';
import { ChatState, fnv1a64, SnapshotError } from '../src/index.js';
import { type TestClient, withRoom } from './helpers.js';

function sample(): string {
  const { replica, clients } = withRoom('r', 'ann', 'bob');
  const [ann, bob] = clients as [TestClient, TestClient];
  replica.run(ann.post('r', 'hello'), bob.react('r', 1, '👍'));
  return replica.state.snapshot();
}

/** Rewrites the body and fixes the checksum, so only the structural checks can catch it. */
function rewrite(text: string, edit: (body: Record<string, unknown>) => unknown): string {
  const body = JSON.parse(text.slice(text.indexOf('\n') + 1)) as Record<string, unknown>;
  const edited = edit(body) ?? body;
  const json = typeof edited === 'string' ? edited : JSON.stringify(edited);
  return `QCHAT-SNAPSHOT 3 ${fnv1a64(json)}\n${json}`;
}

function rejects(text: unknown): void {
  expect(() => ChatState.restore(text as string)).toThrow(SnapshotError);
}

describe('restore rejects garbage', () => {
  it('rejects text that is not a snapshot', () => {
    for (const text of ['', 'hello', '{}', 'QCHAT-SNAPSHOT 3 0000000000000000', '\n{}', 'null'])
      rejects(text);
    rejects(42);
  });

  it('rejects another version', () => {
    rejects(sample().replace(/^QCHAT-SNAPSHOT 3 /, 'QCHAT-SNAPSHOT 1 '));
    rejects(sample().replace(/^QCHAT-SNAPSHOT 3 /, 'QCHAT-SNAPSHOT 4 '));
  });

  it('rejects any change to the body through the checksum', () => {
    const text = sample();
    rejects(text.replace('hello', 'hellO'));
    rejects(text.slice(0, -1));
    rejects(`${text} `);
  });

  it('rejects a body that is not JSON even with a matching checksum', () => {
    rejects(`QCHAT-SNAPSHOT 3 ${fnv1a64('{nope')}\n{nope`);
  });

  it('rejects wrong types and broken invariants', () => {
    const text = sample();
    const edits: ((b: Record<string, unknown>) => unknown)[] = [
      (b) => {
        b.lastAppliedSlot = -1;
      },
      (b) => {
        b.hash = 'xyz';
      },
      (b) => {
        b.users = 'ann';
      },
      (b) => {
        delete b.config;
      },
      (b) => {
        b.config = { dedupWindowMs: 0, maxDedupClients: 1, retainPerRoom: 1 };
      },
      // More messages in memory than retainPerRoom allows.
      (b) => {
        (b.config as { retainPerRoom: number }).retainPerRoom = 0;
      },
      (b) => {
        const config = b.config as { retainPerRoom: number };
        config.retainPerRoom = 1;
        const rooms = b.rooms as { messages: unknown[] }[];
        rooms[0]!.messages.push({ ...(rooms[0]!.messages[0] as object), position: 2 });
      },
      // Messages archived although the room had room for them.
      (b) => {
        const rooms = b.rooms as { firstPosition: number; messages: { position: number }[] }[];
        rooms[0]!.firstPosition = 2;
        rooms[0]!.messages[0]!.position = 2;
      },
      // Reactions kept for a position that is not archived, or with no reaction at all.
      (b) => {
        const rooms = b.rooms as { archivedReactions: unknown[] }[];
        rooms[0]!.archivedReactions.push({ position: 1, reactions: [{ emoji: '👍', users: ['ann'] }] });
      },
      (b) => {
        const rooms = b.rooms as {
          firstPosition: number;
          messages: unknown[];
          archivedReactions: unknown[];
        }[];
        rooms[0]!.firstPosition = 2;
        rooms[0]!.messages = [];
        rooms[0]!.archivedReactions.push({ position: 1, reactions: [] });
      },
      // A gap in positions.
      (b) => {
        const rooms = b.rooms as { messages: { position: number }[] }[];
        rooms[0]!.messages[0]!.position = 2;
      },
      // A member who is not a user.
      (b) => {
        const rooms = b.rooms as { members: string[] }[];
        rooms[0]!.members.push('zed');
      },
      // A duplicate user.
      (b) => {
        const users = b.users as unknown[];
        users.push(users[0]);
      },
      // An outcome with an unknown error code.
      (b) => {
        const clients = b.clients as { outcomes: { outcome: unknown }[] }[];
        clients[0]!.outcomes[0]!.outcome = { ok: false, code: 'bogus', message: 'x' };
      },
      // A result with a missing field.
      (b) => {
        const clients = b.clients as { outcomes: { outcome: { result?: Record<string, unknown> } }[] }[];
        clients[0]!.outcomes[0]!.outcome.result = { op: 'post' };
      },
      // A remembered seq outside the client's window, or no outcome for its newest seq.
      (b) => {
        const clients = b.clients as { newest: number }[];
        clients[2]!.newest += 20;
      },
      // A client of a user counted twice.
      (b) => {
        const clients = b.clients as unknown[];
        clients.push(clients[0]);
      },
      // Non-canonical: same content, pretty-printed.
      (b) => JSON.stringify(b, null, 2),
      // Non-canonical: an extra field.
      (b) => {
        b.extra = true;
      },
    ];
    for (const edit of edits) rejects(rewrite(text, edit));
  });

  it('accepts an untouched rewrite (the edits above are what makes them fail)', () => {
    const text = sample();
    const same = rewrite(text, () => undefined);
    expect(ChatState.restore(same).snapshot()).toBe(text);
  });
});
