import type { ReplicaId } from '@quorum/protocol';
import type { PeerIncarnation } from './types.js';

/**
 * What this replica knows of each member's store incarnation. A server that lost its disk comes
 * back with a new store of a higher incarnation; votes it cast before the loss may still be in
 * flight, and a vote is only as good as the acceptor's memory of it. So every vote (promise,
 * accepted) names its incarnation, and a vote from an incarnation older than the one known here
 * is void: it is refused when it arrives, and forgotten if it was already counted. Votes also
 * carry this book (`list()`), so that a candidate or leader that never heard the recovering
 * server itself learns of the new incarnation from any voter that did (see Replica, recovery).
 */
export class IncarnationBook {
  private readonly known = new Map<ReplicaId, number>();
  private listed: { replica: ReplicaId; incarnation: number }[] | null = null;

  constructor(
    /** This replica's own store incarnation. */
    readonly own: number,
    persisted: readonly PeerIncarnation[],
  ) {
    for (const [id, incarnation] of persisted) this.learn(id, incarnation);
  }

  /** The highest incarnation known for `id`; 0 if none (every `init` store is incarnation 0). */
  of(id: ReplicaId): number {
    return this.known.get(id) ?? 0;
  }

  /** Records `incarnation` for `id`. True when it is newer than what was known. */
  learn(id: ReplicaId, incarnation: number): boolean {
    if (incarnation <= this.of(id)) return false;
    this.known.set(id, incarnation);
    this.listed = null;
    return true;
  }

  /** False for a vote of an incarnation known to be lost. */
  isCurrent(id: ReplicaId, incarnation: number): boolean {
    return incarnation >= this.of(id);
  }

  /** The book as votes carry it: every peer known above incarnation 0 (usually none). */
  list(): { replica: ReplicaId; incarnation: number }[] {
    if (this.listed === null) {
      this.listed = [...this.known]
        .sort((a, b) => a[0] - b[0])
        .map(([replica, incarnation]) => ({ replica, incarnation }));
    }
    return this.listed;
  }
}
