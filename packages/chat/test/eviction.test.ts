import { describe, expect, it } from 'vitest';
import { ChatState, DEFAULT_DEDUP_WINDOW_MS, MAX_CLOCK_STEP_MS } from '../src/index.js';
import { Replica, T0, TestClient } from './helpers.js';

const WINDOW = 10_000;

function setup(options: ConstructorParameters<typeof ChatState>[0], legacy = false) {
  const clock = { now: T0 };
  const replica = new Replica(options);
  const clients = ['ann', 'bob', 'cy', 'dee'].map((user) => new TestClient(user, `client-${user}`, clock));
  for (const client of clients) {
    client.legacy = legacy;
    replica.one(client.register());
  }
  return { replica, clients: clients as [TestClient, TestClient, TestClient, TestClient], clock };
}

describe('dedup eviction', () => {
  it('defaults to a 24 hour window', () => {
    expect(DEFAULT_DEDUP_WINDOW_MS).toBe(24 * 60 * 60 * 1000);
    expect(new ChatState().options.dedupWindowMs).toBe(DEFAULT_DEDUP_WINDOW_MS);
  });

  it('evicts an entry once the replicated clock is more than the window past its last use', () => {
    const { replica, clients, clock } = setup({ dedupWindowMs: WINDOW });
    const [ann, bob] = clients;
    clock.now = T0 + WINDOW;
    replica.one(bob.setDisplayName('B'));
    // Registrations speak for nobody yet: the anonymous principal ''.
    expect(replica.state.lastApplied('client-ann', '')).not.toBeNull(); // exactly the window: kept
    clock.now = T0 + WINDOW + 1;
    replica.one(bob.setDisplayName('B2'));
    expect(replica.state.lastApplied('client-ann', '')).toBeNull();
    expect(replica.state.lastApplied('client-bob', 'bob')).not.toBeNull();
    expect(ann.seq).toBe(1);
  });

  it('consequence: a retry after eviction applies again (why the window must dwarf retries)', () => {
    const { replica, clients, clock } = setup({ dedupWindowMs: WINDOW });
    const [ann, bob] = clients;
    const join = ann.join('r');
    const post = ann.post('r', 'once?');
    replica.run(join, post);
    clock.now += WINDOW + 1;
    replica.one(bob.setDisplayName('tick'));
    expect(replica.one(post)).toMatchObject({ dedup: 'new', ok: true, result: { position: 2 } });
  });

  it('legacy commands (no v): caps the shared table, evicting the least recently used clients first', () => {
    const { replica, clients, clock } = setup({ maxDedupClients: 3 }, true);
    const [ann, bob, cy, dee] = clients;
    // After registering: ann, bob, cy, dee touched in that order; the cap of 3 dropped ann.
    expect(replica.state.stats().dedupClients).toBe(3);
    expect(replica.state.legacyEntry('client-ann')).toBeNull();
    clock.now += 1;
    replica.one(bob.setDisplayName('B')); // bob becomes most recent: order cy, dee, bob
    replica.one(ann.setDisplayName('A')); // ann comes back, cy is dropped
    expect(replica.state.legacyEntry('client-cy')).toBeNull();
    expect(
      ['client-ann', 'client-bob', 'client-dee'].every((id) => replica.state.legacyEntry(id) !== null),
    ).toBe(true);
    expect(cy.seq + dee.seq).toBe(2);
  });

  it('is deterministic: replicas, and a replica restored mid-way, evict the same entries', () => {
    const make = () => setup({ dedupWindowMs: WINDOW, maxDedupClients: 3, clientsPerUser: 2 });
    const a = make();
    const b = make();
    const script = (r: ReturnType<typeof make>, restoreAt: number | null) => {
      let replica = r.replica;
      for (let i = 0; i < 40; i++) {
        if (i === restoreAt) replica = new Replica(ChatState.restore(replica.state.snapshot()));
        r.clock.now += (i * 7919) % 4000;
        const client = r.clients[(i * 5) % 4]!;
        replica.one(client.setDisplayName(`n${i}`));
      }
      return replica;
    };
    const ra = script(a, null);
    const rb = script(b, 17);
    expect(rb.state.snapshot()).toBe(ra.state.snapshot());
    expect(rb.state.digest()).toEqual(ra.state.digest());
  });

  it('a command stamped far in the future moves the clock by at most an hour', () => {
    const { replica, clients, clock } = setup({});
    const [ann, bob] = clients;
    clock.now = T0 + 365 * 24 * 60 * 60 * 1000;
    replica.one(ann.setDisplayName('time traveller'));
    expect(replica.state.clock).toBe(T0 + MAX_CLOCK_STEP_MS);
    // Nobody got evicted by the jump.
    expect(replica.state.lastApplied('client-bob', '')).not.toBeNull();
    expect(bob.seq).toBe(1);
  });

  it('the clock never moves backwards', () => {
    const { replica, clients, clock } = setup({});
    clock.now = T0 - 1000;
    replica.one(clients[0].setDisplayName('x'));
    expect(replica.state.clock).toBe(T0);
  });
});
