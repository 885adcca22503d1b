import { type Command, commandKey, type PeerMessage, type ReplicaId } from '@quorum/protocol';
import { ZERO_BALLOT } from '../src/ballot.js';
import { Replica } from '../src/replica.js';
import type {
  CommittedEntry,
  DurableState,
  LogRecord,
  ReadResult,
  Ready,
  ReplicaConfig,
  SnapshotData,
} from '../src/types.js';

/** A tiny deterministic PRNG so tests never touch Math.random. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A disk that keeps exactly what the replica asked to persist. */
export class MemoryDisk {
  promised = ZERO_BALLOT;
  entries = new Map<number, LogRecord>();
  committed = 0;
  snapshot: SnapshotData | null = null;
  readonly incarnations = new Map<ReplicaId, number>();

  /** A disk made for a cluster that exists (a replaced disk) recovers before its replica votes. */
  constructor(
    readonly incarnation = 0,
    public recovering = false,
  ) {}

  apply(ready: Ready): void {
    const p = ready.persist;
    if (!p) return;
    if (p.promised) this.promised = p.promised;
    for (const e of p.entries) this.entries.set(e.slot, structuredClone(e));
    if (p.committed !== undefined) this.committed = p.committed;
    if (p.snapshot) this.snapshot = p.snapshot;
    if (p.discardThrough !== undefined)
      for (const slot of [...this.entries.keys()]) if (slot <= p.discardThrough) this.entries.delete(slot);
    if (p.recovered) this.recovering = false;
    for (const [id, incarnation] of p.incarnations ?? []) this.incarnations.set(id, incarnation);
  }

  state(): DurableState {
    return {
      promised: this.promised,
      entries: [...this.entries.values()].sort((a, b) => a.slot - b.slot),
      committed: this.committed,
      snapshot: this.snapshot,
      incarnation: this.incarnation,
      recovering: this.recovering,
      incarnations: [...this.incarnations],
    };
  }
}

interface Node {
  replica: Replica | null;
  disk: MemoryDisk;
  /** The applied sequence of command keys (the test state machine). */
  applied: string[];
  slots: CommittedEntry[];
  reads: ReadResult[];
}

/**
 * A synchronous in-memory cluster for unit tests: messages are delivered in FIFO order when
 * `deliver()` runs; links can be cut; replicas can crash (keeping only their disk) and restart.
 */
export class LocalCluster {
  readonly nodes = new Map<ReplicaId, Node>();
  private queue: { to: ReplicaId; message: PeerMessage }[] = [];
  readonly cut = new Set<string>();
  /** Drops the messages it returns false for (after `cut`), e.g. to lose one kind of message. */
  filter: ((from: ReplicaId, to: ReplicaId, message: PeerMessage) => boolean) | null = null;
  readonly sent: PeerMessage[] = [];

  constructor(
    readonly ids: readonly ReplicaId[],
    private readonly options: Partial<ReplicaConfig> = {},
    seed = 1,
  ) {
    const random = prng(seed);
    for (const id of ids) {
      const node: Node = { replica: null, disk: new MemoryDisk(), applied: [], slots: [], reads: [] };
      this.nodes.set(id, node);
      node.replica = new Replica({ id, members: ids, random, ...options });
    }
  }

  node(id: ReplicaId): Node {
    const node = this.nodes.get(id);
    if (!node) throw new Error(`no node ${id}`);
    return node;
  }

  replica(id: ReplicaId): Replica {
    const r = this.node(id).replica;
    if (!r) throw new Error(`node ${id} is down`);
    return r;
  }

  /** Drain every replica's Ready: persist (synchronously, so early sends need no special order), then queue sends, then apply. */
  flush(): void {
    for (const [id, node] of this.nodes) {
      if (!node.replica) continue;
      const ready = node.replica.ready();
      if (ready.install) {
        const restored = JSON.parse(ready.install.data) as { applied: string[] };
        node.applied = [...restored.applied];
      }
      node.disk.apply(ready);
      if (ready.ownAccept) node.replica.ownAcceptDurable(ready.ownAccept);
      for (const out of [...ready.sendEarly, ...ready.send]) {
        this.sent.push(out.message);
        if (!this.cut.has(`${id}->${out.to}`) && (this.filter?.(id, out.to, out.message) ?? true))
          this.queue.push({ to: out.to, message: structuredClone(out.message) });
      }
      for (const entry of ready.committed) {
        node.slots.push(entry);
        for (const c of entry.value.commands) {
          const key = commandKey(c);
          if (!node.applied.includes(key)) node.applied.push(key);
        }
      }
      node.reads.push(...ready.reads);
    }
  }

  /** Deliver queued messages (and whatever they cause) until quiet or the budget runs out. */
  deliver(budget = 100_000): void {
    this.flush();
    while (budget-- > 0) {
      const next = this.queue.shift();
      if (next) this.nodes.get(next.to)?.replica?.step(next.message);
      else if (![...this.nodes.values()].some((n) => n.replica?.hasReady())) break;
      this.flush();
    }
  }

  tick(times = 1): void {
    for (let i = 0; i < times; i++) {
      for (const node of this.nodes.values()) node.replica?.tick();
      this.deliver();
    }
  }

  /** Tick until `condition` holds; fails after `limit` ticks. */
  tickUntil(condition: () => boolean, limit = 2000): number {
    for (let i = 0; i < limit; i++) {
      if (condition()) return i;
      this.tick();
    }
    throw new Error('condition not reached within the tick budget');
  }

  leader(): ReplicaId | null {
    for (const [id, node] of this.nodes) if (node.replica?.status().role === 'leader') return id;
    return null;
  }

  crash(id: ReplicaId): void {
    this.node(id).replica = null;
    this.queue = this.queue.filter((q) => q.to !== id);
  }

  restart(id: ReplicaId, seed = 99): void {
    const node = this.node(id);
    node.applied = [];
    node.slots = [];
    node.replica = new Replica(
      { id, members: this.ids, random: prng(seed), ...this.options },
      node.disk.state(),
    );
    this.flush();
  }

  /**
   * The replica's disk is lost: it restarts on a new, empty disk of a higher incarnation, which
   * recovers before voting (`recovering` false: the broken host that lets it vote at once).
   */
  wipe(id: ReplicaId, incarnation: number, recovering = true, seed = 98): void {
    this.crash(id);
    this.node(id).disk = new MemoryDisk(incarnation, recovering);
    this.restart(id, seed);
  }

  isolate(id: ReplicaId): void {
    for (const other of this.ids) if (other !== id) this.cut.add(`${id}->${other}`).add(`${other}->${id}`);
  }

  heal(): void {
    this.cut.clear();
  }
}

let seqCounter = 0;
export function post(text: string, clientId = 'client-0001'): Command {
  seqCounter++;
  return { op: 'post', clientId, seq: seqCounter, ts: 0, user: 'alice', room: 'general', text };
}
