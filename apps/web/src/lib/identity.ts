/**
 * The `(clientId, nextSeq)` pair of this tab, persisted in localStorage as the client library
 * asks: a persisted clientId always comes back with its persisted nextSeq, and the pair is saved
 * together every time a seq is handed out.
 *
 * A clientId must never be used by two running clients, and every tab of the page shares
 * localStorage. So the page keeps a small pool of identities and a tab claims one with an
 * exclusive Web Lock (released when the tab closes or reloads). Without the Locks API (insecure
 * contexts) the tab uses a fresh random identity that it does not persist: always safe.
 */
export interface Identity {
  readonly clientId: string;
  readonly nextSeq: number;
}

export interface ClaimedIdentity extends Identity {
  /** Persist the pair (call it whenever the client's nextSeq moves). */
  save(nextSeq: number): void;
  /** Give the identity back (the lock). */
  release(): void;
}

/** The part of `navigator.locks` used here. */
export interface LockManagerLike {
  request(
    name: string,
    options: { ifAvailable: boolean },
    callback: (lock: unknown) => Promise<void> | undefined,
  ): Promise<unknown>;
}

const POOL_KEY = 'quorum.identities';
const MAX_POOL = 8;
const CLIENT_ID = /^[A-Za-z0-9_.:-]{8,64}$/;

export function randomClientId(random: (bytes: Uint8Array) => Uint8Array = (b) => crypto.getRandomValues(b)) {
  const bytes = random(new Uint8Array(12));
  return `web-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

export function readPool(storage: Storage): Identity[] {
  try {
    const value = JSON.parse(storage.getItem(POOL_KEY) ?? '[]') as unknown;
    if (!Array.isArray(value)) return [];
    return value.filter(
      (entry): entry is Identity =>
        typeof entry === 'object' &&
        entry !== null &&
        typeof entry.clientId === 'string' &&
        CLIENT_ID.test(entry.clientId) &&
        Number.isSafeInteger(entry.nextSeq) &&
        entry.nextSeq >= 1,
    );
  } catch {
    return [];
  }
}

function writeEntry(storage: Storage, identity: Identity): void {
  // Read-modify-write of the whole pool; each tab only ever changes its own (locked) entry.
  const pool = readPool(storage).filter((entry) => entry.clientId !== identity.clientId);
  pool.push(identity);
  try {
    storage.setItem(POOL_KEY, JSON.stringify(pool.slice(-MAX_POOL)));
  } catch {
    // Storage unavailable: the identity simply is not reused next time.
  }
}

/** Resolves with a release function when the lock is ours, null when someone holds it. */
function tryLock(locks: LockManagerLike, name: string): Promise<(() => void) | null> {
  return new Promise((resolve) => {
    locks
      .request(name, { ifAvailable: true }, (lock) => {
        if (lock === null || lock === undefined) {
          resolve(null);
          return undefined;
        }
        return new Promise<void>((release) => resolve(release));
      })
      .catch(() => resolve(null));
  });
}

export async function claimIdentity(
  storage: Storage,
  locks: LockManagerLike | null | undefined,
  newId: () => string = randomClientId,
): Promise<ClaimedIdentity> {
  const ephemeral = (): ClaimedIdentity => ({ clientId: newId(), nextSeq: 1, save() {}, release() {} });
  if (!locks) return ephemeral();
  const claimed = (identity: Identity, release: () => void): ClaimedIdentity => ({
    ...identity,
    save(nextSeq) {
      writeEntry(storage, { clientId: identity.clientId, nextSeq });
    },
    release,
  });
  for (const identity of readPool(storage)) {
    const release = await tryLock(locks, `quorum-client:${identity.clientId}`);
    if (release !== null) return claimed(identity, release);
  }
  const fresh: Identity = { clientId: newId(), nextSeq: 1 };
  const release = await tryLock(locks, `quorum-client:${fresh.clientId}`);
  if (release === null) return ephemeral();
  if (readPool(storage).length >= MAX_POOL) {
    // Every pooled identity is in use by another tab: this one is not persisted.
    return { ...fresh, save() {}, release };
  }
  writeEntry(storage, fresh);
  return claimed(fresh, release);
}
