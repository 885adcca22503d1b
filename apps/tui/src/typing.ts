/**
 * Outgoing typing notifications, debounced: the first keystroke sends `typing(room, true)`,
 * more keystrokes only refresh it every `refreshMs` (receivers expire it after a few seconds),
 * and `idleMs` without a keystroke — or sending, clearing the line, switching rooms — sends
 * `typing(room, false)`.
 */

export interface TypingTimers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export class TypingNotifier {
  #room: string | null = null;
  #lastSent = 0;
  #idle: unknown = null;

  constructor(
    private readonly send: (room: string, active: boolean) => void,
    private readonly timers: TypingTimers,
    private readonly idleMs = 3000,
    private readonly refreshMs = 3000,
  ) {}

  /** The user edited the input line of `room`; `text` is the line now. */
  edited(room: string | null, text: string): void {
    if (room === null || text.trim() === '' || text.startsWith('/')) {
      this.stop();
      return;
    }
    if (this.#room !== null && this.#room !== room) this.stop();
    const now = this.timers.now();
    if (this.#room === null || now - this.#lastSent >= this.refreshMs) {
      this.#room = room;
      this.#lastSent = now;
      this.send(room, true);
    }
    if (this.#idle !== null) this.timers.clearTimeout(this.#idle);
    this.#idle = this.timers.setTimeout(() => {
      this.#idle = null;
      this.stop();
    }, this.idleMs);
  }

  /** Stop now (message sent, line cleared, room switched, quitting). */
  stop(): void {
    if (this.#idle !== null) {
      this.timers.clearTimeout(this.#idle);
      this.#idle = null;
    }
    const room = this.#room;
    if (room === null) return;
    this.#room = null;
    this.send(room, false);
  }
}
