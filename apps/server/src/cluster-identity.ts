import { createHmac } from 'node:crypto';

export type ClusterAdmission =
  | { readonly ok: true; readonly learned: boolean }
  | { readonly ok: false; readonly reason: string };

/**
 * Which cluster this server belongs to, as far as the peer handshake is concerned.
 *
 * Every store of a cluster made by `quorum-server init` records the cluster's id; servers present
 * it when they dial a peer (covered by the handshake's MAC), and a server refuses a peer that
 * presents another one: two clusters that share a secret and an address book by mistake never
 * exchange a vote.
 *
 * A store made on an empty directory (a server that lost its disk) has no id yet: the server is
 * recovering. It accepts the id its first authenticated peer presents and pins it in memory (a
 * later link presenting another id is refused); the host records it in the store with the write
 * that ends recovery. A peer that presents no id at all is a recovering server that has not
 * learned it yet: it is let in (it cannot vote, and it needs the voters' answers to recover).
 */
export class ClusterIdentity {
  private pinned: string | null;
  private stored: boolean;

  constructor(stored: string | null) {
    this.pinned = stored;
    this.stored = stored !== null;
  }

  /** The cluster id, stored or pinned from a peer; null while none is known. */
  get id(): string | null {
    return this.pinned;
  }

  /** Whether the id is in this server's store (false while it is only pinned in memory). */
  get persisted(): boolean {
    return this.stored;
  }

  /** What this server presents when it dials a peer ('' while it knows none). */
  presented(): string {
    return this.pinned ?? '';
  }

  /** An authenticated peer presents `theirs` ('' for none): may its link in? */
  admit(theirs: string): ClusterAdmission {
    if (theirs === '') return { ok: true, learned: false };
    if (this.pinned === null) {
      this.pinned = theirs;
      return { ok: true, learned: true };
    }
    if (theirs === this.pinned) return { ok: true, learned: false };
    return {
      ok: false,
      reason: `cluster id mismatch: this server belongs to cluster ${this.pinned}, the peer to cluster ${theirs}`,
    };
  }

  /** The store now holds the id. */
  markPersisted(): void {
    this.stored = this.pinned !== null;
  }
}

/**
 * The cluster id a store from before cluster ids (store version 3 or older, a voter) adopts:
 * derived from the cluster secret, so every server of such a cluster derives the same one
 * without talking to the others, and it is recorded in the store at the next start. (The
 * handshake's MAC already reveals an HMAC of the secret, so this shows nothing new.)
 */
export function legacyClusterId(secret: string): string {
  return `legacy-${createHmac('sha256', secret).update('quorum-chat cluster id').digest('hex').slice(0, 32)}`;
}
