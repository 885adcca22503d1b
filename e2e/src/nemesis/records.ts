/**
 * What a nemesis run records, shared by the load clients (which write it), the runner (which
 * collects it) and the checker (which judges it). Times are wall-clock milliseconds
 * (`Date.now()`): every process of a run shares the machine's clock.
 */

/** A message as the checker identifies it: who sent it (clientId, seq), and where it is. */
export interface MessageRef {
  readonly position: number;
  readonly clientId: string;
  readonly seq: number;
  readonly author: string;
  readonly text: string;
}

/** The text every nemesis send carries: it names the sender's (clientId, seq). */
export function nemesisText(clientId: string, seq: number): string {
  return `nemesis ${clientId} #${seq}`;
}

const NEMESIS_TEXT = /^nemesis (\S+) #(\d+)$/;

/**
 * A message as the checker identifies it. Messages do not carry their author's (clientId, seq)
 * (other users' client identities never reach a client), so the nemesis reads them from the
 * text its senders write; a message not written by a nemesis sender gets clientId "(none)".
 */
export function refOf(m: { position: number; author: string; text: string }): MessageRef {
  const match = NEMESIS_TEXT.exec(m.text);
  return {
    position: m.position,
    clientId: match ? match[1]! : '(none)',
    seq: match ? Number(match[2]) : 0,
    author: m.author,
    text: m.text,
  };
}

/** `client.send` was called: the message exists from now on (it may or may not be committed). */
export interface SendAttempt {
  readonly seq: number;
  readonly room: string;
  readonly text: string;
  readonly t: number;
}

/** The cluster acknowledged a send: committed at `position` in `room`. */
export interface SendAck {
  readonly seq: number;
  readonly room: string;
  readonly position: number;
  readonly t: number;
}

/** The client library gave up on a send (a non-retryable refusal). */
export interface SendFailure {
  readonly seq: number;
  readonly room: string;
  readonly code: string;
  readonly t: number;
}

/** A `message` event of the client library. */
export interface Received extends MessageRef {
  readonly room: string;
  readonly t: number;
  readonly source: 'live' | 'resume' | 'history';
}

/**
 * One read of a room's history: `history` through the client library (on whatever server it is
 * connected to) or `resume` on a direct connection to one chosen server. `start` is taken
 * before the request goes out and `end` when the answer came back.
 */
export interface ReadRecord {
  readonly kind: 'history' | 'resume';
  readonly via: 'client' | 'direct';
  readonly serverId: number | null;
  readonly room: string;
  readonly start: number;
  readonly end: number;
  readonly ok: boolean;
  readonly error?: string;
  /** The room's newest position in the answer. */
  readonly head?: number;
  readonly messages?: readonly MessageRef[];
}

export interface HistoryResetRecord {
  readonly room: string;
  readonly t: number;
  readonly lastSeen: number;
  readonly missed: { readonly from: number; readonly to: number } | null;
}

/** Everything one load client saw, written to a file when it stops. */
export interface ClientRecord {
  readonly index: number;
  readonly clientId: string;
  readonly user: string;
  readonly rooms: readonly string[];
  /** The room head of the first successful join, per room: deliveries start right after it. */
  readonly anchors: Readonly<Record<string, number>>;
  readonly attempts: readonly SendAttempt[];
  readonly acks: readonly SendAck[];
  readonly failures: readonly SendFailure[];
  readonly received: readonly Received[];
  readonly reads: readonly ReadRecord[];
  readonly resets: readonly HistoryResetRecord[];
  /** Sends still pending when the client stopped (never acknowledged: outcome unknown). */
  readonly pendingAtEnd: number;
  /** Client `error` events (non-fatal ones are normal under faults), counted by code. */
  readonly errors: Readonly<Record<string, number>>;
  /** Connections made (the first one included). */
  readonly connections: number;
  /** Which server the client was connected to, from when (null: looking for one). */
  readonly sessions: readonly { readonly t: number; readonly serverId: number | null }[];
}

/** One replica's view at the end, after the heal. */
export interface ReplicaFinal {
  readonly serverId: number;
  /** The digest at the common slot; null when the replica could not give it. */
  readonly digest: { readonly slot: number; readonly appliedCount: number; readonly hash: string } | null;
  /** Full history per room as this replica serves it; null when it could not be read. */
  readonly history: Readonly<Record<string, readonly MessageRef[]>> | null;
  /** Its /health archive counters (messages archived, fetched from peers after a snapshot install). */
  readonly archive?: { readonly written: number; readonly backfilled: number; readonly snapshot: number };
  readonly error?: string;
}

/** The end of a run: the reference history (from a healthy server) and every replica's state. */
export interface FinalState {
  readonly referenceServer: number;
  readonly history: Readonly<Record<string, readonly MessageRef[]>>;
  readonly replicas: readonly ReplicaFinal[];
}

/** The phases of a run, for availability figures. */
export interface Timeline {
  readonly loadStart: number;
  readonly faultStart: number;
  /** Everything healed (processes resumed/restarted, fault plans cleared). */
  readonly healed: number;
  /** Clients told to stop sending. */
  readonly loadEnd: number;
}

/** One nemesis action, as executed. */
export interface FaultEvent {
  readonly t: number;
  readonly action: 'kill' | 'stop' | 'wipe' | 'recovered' | 'start' | 'pause' | 'resume' | 'plan' | 'heal';
  readonly server: number;
  readonly spec?: string;
  readonly note?: string;
}
