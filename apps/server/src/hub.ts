import type { ChatEvent } from '@quorum/chat';
import { type ServerToClient, serverToClient } from '@quorum/protocol';
import { Coalescer } from './coalescer.js';

/** A user's presence in a room changes at most once a second as others see it (flap damping). */
export const PRESENCE_INTERVAL_MS = 1000;
/** Presence keys (room, user) tracked for damping at once. */
const MAX_PRESENCE_KEYS = 100_000;

/** The little a hub needs from a connection. */
export interface Subscriber {
  readonly user: string | null;
  /** `encoded`: the frame already encoded, when many subscribers get the same one. */
  deliver(frame: ServerToClient, encoded?: string): void;
  /** Its session was revoked or expired: close the connection. */
  endSession(): void;
}

/** What the hub asks of the chat state: who may see a user's display name. */
export interface Membership {
  isMember(room: string, user: string): boolean;
}

/**
 * Who is subscribed to which room on this server, and who is online where (this server's
 * connections plus what peers gossip). Fans chat events out to local subscribers; each server
 * applies every command, so each server fans out to its own clients only.
 */
export class Hub {
  private readonly rooms = new Map<string, Set<Subscriber>>();
  private readonly all = new Set<Subscriber>();
  private readonly clusterWatchers = new Set<Subscriber>();
  /** Remote presence: server id -> room -> users online there. */
  private readonly remote = new Map<number, Map<string, Set<string>>>();
  /** Session token hash -> the connections logged in with it here. */
  private readonly sessions = new Map<string, Set<Subscriber>>();
  private readonly sessionOf = new Map<Subscriber, string>();
  /** Logged-in connections per user on this server (for the per-user connection cap). */
  private readonly perUser = new Map<string, number>();
  private readonly userOf = new Map<Subscriber, string>();
  private readonly presence = new Coalescer<boolean>({
    intervalMs: PRESENCE_INTERVAL_MS,
    maxKeys: MAX_PRESENCE_KEYS,
    emit: (key, online) => {
      const [room, user] = key.split('\u0000') as [string, string];
      this.broadcast(room, { type: 'presence', room, user, online });
    },
  });

  constructor(private readonly membership: Membership) {}

  /** Announces a presence change, damped per (room, user). */
  private announcePresence(room: string, user: string, online: boolean): void {
    this.presence.offer(`${room}\u0000${user}`, online);
  }

  add(subscriber: Subscriber): void {
    this.all.add(subscriber);
  }

  /** `subscriber` is logged in with the session whose token hashes to `tokenHash`. */
  bindSession(tokenHash: string, subscriber: Subscriber): void {
    this.unbindSession(this.sessionOf.get(subscriber) ?? '', subscriber);
    let set = this.sessions.get(tokenHash);
    if (set === undefined) {
      set = new Set();
      this.sessions.set(tokenHash, set);
    }
    set.add(subscriber);
    this.sessionOf.set(subscriber, tokenHash);
    if (subscriber.user !== null) {
      this.userOf.set(subscriber, subscriber.user);
      this.perUser.set(subscriber.user, (this.perUser.get(subscriber.user) ?? 0) + 1);
    }
  }

  /** How many connections `user` has logged in on this server. */
  connectionsOf(user: string): number {
    return this.perUser.get(user) ?? 0;
  }

  private forgetUser(subscriber: Subscriber): void {
    const user = this.userOf.get(subscriber);
    if (user === undefined) return;
    this.userOf.delete(subscriber);
    const left = (this.perUser.get(user) ?? 1) - 1;
    if (left <= 0) this.perUser.delete(user);
    else this.perUser.set(user, left);
  }

  unbindSession(tokenHash: string, subscriber: Subscriber): void {
    const set = this.sessions.get(tokenHash);
    if (!set?.delete(subscriber)) return;
    this.sessionOf.delete(subscriber);
    this.forgetUser(subscriber);
    if (set.size === 0) this.sessions.delete(tokenHash);
  }

  /** These sessions were closed or expired in the replicated state: end every connection on them. */
  endSessions(tokenHashes: readonly string[]): void {
    for (const tokenHash of tokenHashes) {
      const set = this.sessions.get(tokenHash);
      if (set === undefined) continue;
      this.sessions.delete(tokenHash);
      for (const subscriber of set) {
        this.sessionOf.delete(subscriber);
        this.forgetUser(subscriber);
        subscriber.endSession();
      }
    }
  }

  remove(subscriber: Subscriber): void {
    this.unbindSession(this.sessionOf.get(subscriber) ?? '', subscriber);
    this.all.delete(subscriber);
    this.clusterWatchers.delete(subscriber);
    for (const [room, set] of this.rooms) {
      if (set.delete(subscriber) && subscriber.user !== null && !this.isOnline(room, subscriber.user)) {
        this.announcePresence(room, subscriber.user, false);
      }
      if (set.size === 0) this.rooms.delete(room);
    }
  }

  /** Live cluster view: watchers get a `cluster` frame on every status round. */
  watchCluster(subscriber: Subscriber, on: boolean): void {
    if (on) this.clusterWatchers.add(subscriber);
    else this.clusterWatchers.delete(subscriber);
  }

  /** `build` runs only when someone watches (a status round happens whether or not anyone does). */
  pushCluster(build: () => ServerToClient): void {
    if (this.clusterWatchers.size === 0) return;
    const frame = build();
    const encoded = serverToClient.encode(frame);
    for (const watcher of this.clusterWatchers) watcher.deliver(frame, encoded);
  }

  get connections(): number {
    return this.all.size;
  }

  subscribe(room: string, subscriber: Subscriber): void {
    let set = this.rooms.get(room);
    if (!set) {
      set = new Set();
      this.rooms.set(room, set);
    }
    const user = subscriber.user;
    const wasOnline = user !== null && this.isOnline(room, user);
    set.add(subscriber);
    if (user !== null && !wasOnline) this.announcePresence(room, user, true);
  }

  unsubscribe(room: string, subscriber: Subscriber): void {
    const set = this.rooms.get(room);
    if (!set?.delete(subscriber)) return;
    if (set.size === 0) this.rooms.delete(room);
    const user = subscriber.user;
    if (user !== null && !this.isOnline(room, user)) this.announcePresence(room, user, false);
  }

  isSubscribed(room: string, subscriber: Subscriber): boolean {
    return this.rooms.get(room)?.has(subscriber) ?? false;
  }

  /** Sends every event of an applied command to the connections that should see it. */
  publish(events: readonly ChatEvent[]): void {
    for (const event of events) {
      if (event.type === 'display_name') this.publishDisplayName(event);
      else this.broadcast(event.type === 'message' ? event.message.room : event.room, event);
    }
  }

  /**
   * A display name goes to the user's own connections and to the subscribers of rooms the user
   * is a member of, each once: not to every connection on the server (a stranger learns nothing,
   * and a rename is delivered only where the name can be seen).
   */
  private publishDisplayName(event: Extract<ServerToClient, { type: 'display_name' }>): void {
    const recipients = new Set<Subscriber>();
    for (const [subscriber, user] of this.userOf) if (user === event.user) recipients.add(subscriber);
    for (const [room, set] of this.rooms) {
      if (!this.membership.isMember(room, event.user)) continue;
      for (const subscriber of set) recipients.add(subscriber);
    }
    if (recipients.size === 0) return;
    const encoded = serverToClient.encode(event);
    for (const subscriber of recipients) subscriber.deliver(event, encoded);
  }

  /** To the room's subscribers here; with `exceptUser`, not to that user's own connections (their own typing, say). */
  broadcast(room: string, frame: ServerToClient, exceptUser?: string): void {
    const set = this.rooms.get(room);
    if (!set || set.size === 0) return;
    // Encoded once for the whole room, not once per member.
    const encoded = serverToClient.encode(frame);
    for (const subscriber of set)
      if (exceptUser === undefined || subscriber.user !== exceptUser) subscriber.deliver(frame, encoded);
  }

  isOnline(room: string, user: string): boolean {
    for (const s of this.rooms.get(room) ?? []) if (s.user === user) return true;
    for (const rooms of this.remote.values()) if (rooms.get(room)?.has(user)) return true;
    return false;
  }

  /** This server's presence, for gossip: room -> users with a live connection here. */
  localPresence(): { room: string; users: string[] }[] {
    const out: { room: string; users: string[] }[] = [];
    for (const [room, set] of this.rooms) {
      const users = new Set<string>();
      for (const s of set) if (s.user !== null) users.add(s.user);
      if (users.size > 0) out.push({ room, users: [...users] });
    }
    return out;
  }

  /** A peer's full presence replaced; announce users who came or went as a result. */
  setRemotePresence(server: number, rooms: readonly { room: string; users: readonly string[] }[]): void {
    const before = this.remote.get(server) ?? new Map<string, Set<string>>();
    const after = new Map(rooms.map((r) => [r.room, new Set(r.users)]));
    const touched = new Set([...before.keys(), ...after.keys()]);
    const wasOnline = new Map<string, boolean>();
    for (const room of touched) {
      for (const user of new Set([...(before.get(room) ?? []), ...(after.get(room) ?? [])])) {
        wasOnline.set(`${room}\u0000${user}`, this.isOnline(room, user));
      }
    }
    this.remote.set(server, after);
    for (const [k, was] of wasOnline) {
      const [room, user] = k.split('\u0000') as [string, string];
      const now = this.isOnline(room, user);
      if (now !== was) this.announcePresence(room, user, now);
    }
  }

  forgetServer(server: number): void {
    this.setRemotePresence(server, []);
    this.remote.delete(server);
  }
}
