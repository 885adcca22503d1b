import { describe, expect, it } from 'vitest';
import { isClusterStatus } from '../src/lib/cluster-status.js';
import { claimIdentity, type LockManagerLike, readPool } from '../src/lib/identity.js';
import { linkify } from '../src/lib/linkify.js';
import { clearSession, loadRooms, loadSession, saveRooms, saveSession } from '../src/lib/session-store.js';
import { balancerUrlFrom, ignoredBalancer, serverHttpBase } from '../src/lib/urls.js';
import { server, status } from './fixtures.js';

describe('linkify', () => {
  it('links only http and https URLs', () => {
    expect(linkify('see https://example.com/a?b=1, and http://x.org.')).toEqual([
      { kind: 'text', text: 'see ' },
      { kind: 'link', text: 'https://example.com/a?b=1', href: 'https://example.com/a?b=1' },
      { kind: 'text', text: ', and ' },
      { kind: 'link', text: 'http://x.org', href: 'http://x.org/' },
      { kind: 'text', text: '.' },
    ]);
  });

  it('keeps javascript:, data: and bare domains as text', () => {
    for (const text of ['javascript:alert(1)', 'data:text/html,<b>x</b>', 'www.example.com', 'ftp://x.org']) {
      expect(linkify(text)).toEqual([{ kind: 'text', text }]);
    }
  });

  it('keeps a parenthesis that belongs to the URL', () => {
    const segments = linkify('(https://en.wikipedia.org/wiki/Paxos_(computer_science))');
    expect(segments[1]).toMatchObject({
      kind: 'link',
      text: 'https://en.wikipedia.org/wiki/Paxos_(computer_science)',
    });
    expect(segments[2]).toEqual({ kind: 'text', text: ')' });
  });
});

describe('urls', () => {
  it("talks to the page's own origin whatever ?balancer= names, and reports a foreign one as ignored", () => {
    const page = { origin: 'http://127.0.0.1:7100', search: '' };
    expect(balancerUrlFrom(page)).toBe('http://127.0.0.1:7100');
    expect(ignoredBalancer(page)).toBeNull();
    for (const search of [
      '?balancer=http://attacker.example',
      '?balancer=http://127.0.0.1:7101',
      '?balancer=https://127.0.0.1:7100',
      '?balancer=javascript:alert(1)',
    ]) {
      expect(balancerUrlFrom({ ...page, search })).toBe('http://127.0.0.1:7100');
      expect(ignoredBalancer({ ...page, search })).toBe(new URLSearchParams(search).get('balancer'));
    }
    expect(ignoredBalancer({ ...page, search: '?balancer=http://127.0.0.1:7100/' })).toBeNull();
  });

  it('turns a server WebSocket URL into its HTTP base', () => {
    expect(serverHttpBase('ws://127.0.0.1:7101/ws')).toBe('http://127.0.0.1:7101');
    expect(serverHttpBase('wss://chat.example.com/quorum/ws')).toBe('https://chat.example.com/quorum');
    expect(serverHttpBase(null)).toBeNull();
    expect(serverHttpBase('not a url')).toBeNull();
  });
});

describe('session store', () => {
  it('saves the token and rooms, never anything else', () => {
    saveSession(localStorage, { user: 'ada', token: 't'.repeat(43) });
    expect(loadSession(localStorage)).toEqual({ user: 'ada', token: 't'.repeat(43) });
    clearSession(localStorage);
    expect(loadSession(localStorage)).toBeNull();
    expect(loadRooms(localStorage, 'ada')).toEqual(['general']);
    saveRooms(localStorage, 'ada', ['general', 'paxos']);
    expect(loadRooms(localStorage, 'ada')).toEqual(['general', 'paxos']);
  });
});

/** An in-memory Web Locks double (exclusive, ifAvailable). */
function fakeLocks(): LockManagerLike & { held: Set<string> } {
  const held = new Set<string>();
  return {
    held,
    async request(name, _options, callback) {
      if (held.has(name)) return callback(null);
      held.add(name);
      const result = callback({ name });
      void Promise.resolve(result).then(() => held.delete(name));
      return undefined;
    },
  };
}

describe('identity', () => {
  it('persists clientId with nextSeq and reuses it once released', async () => {
    const locks = fakeLocks();
    let n = 0;
    const newId = () => `web-test-${++n}-aaaa`;
    const a = await claimIdentity(localStorage, locks, newId);
    expect(a).toMatchObject({ clientId: 'web-test-1-aaaa', nextSeq: 1 });
    a.save(5);
    // A second tab gets another identity while the first holds its lock.
    const b = await claimIdentity(localStorage, locks, newId);
    expect(b.clientId).toBe('web-test-2-aaaa');
    a.release();
    await Promise.resolve();
    const c = await claimIdentity(localStorage, locks, newId);
    expect(c).toMatchObject({ clientId: 'web-test-1-aaaa', nextSeq: 5 });
    expect(
      readPool(localStorage)
        .map((i) => i.clientId)
        .sort(),
    ).toEqual(['web-test-1-aaaa', 'web-test-2-aaaa']);
  });

  it('uses a fresh, unsaved identity without the Locks API', async () => {
    const a = await claimIdentity(localStorage, null, () => 'web-ephemeral-1');
    a.save(9);
    expect(a.clientId).toBe('web-ephemeral-1');
    expect(readPool(localStorage)).toEqual([]);
  });
});

describe('cluster status check', () => {
  it('accepts the balancer answer and refuses junk', () => {
    expect(isClusterStatus(status([server(1), server(2, { url: null, lastSeenMs: null })]))).toBe(true);
    expect(isClusterStatus({ servers: 'no' })).toBe(false);
    expect(isClusterStatus(null)).toBe(false);
  });
});
