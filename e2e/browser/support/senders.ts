/**
 * A person typing steadily into a page: one message every `everyMs` until stopped. The pause
 * between messages is pacing (how fast someone types), not a wait for a condition.
 */

import type { ChatPage } from './chat-page.js';

export interface Sender {
  /** The texts sent so far, in order. */
  readonly sent: readonly string[];
  /** Stops after the message being typed; resolves with everything sent. */
  stop(): Promise<string[]>;
}

export function startSending(chat: ChatPage, prefix: string, everyMs = 150): Sender {
  const sent: string[] = [];
  let stopped = false;
  const loop = (async () => {
    for (let i = 1; !stopped; i++) {
      const text = `${prefix} #${i}`;
      await chat.send(text);
      sent.push(text);
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  // A failed send surfaces in stop(); until then, keep it from counting as unhandled.
  loop.catch(() => undefined);
  return {
    sent,
    async stop() {
      stopped = true;
      await loop;
      return [...sent];
    },
  };
}
