import type { ChatMessage } from '@quorum/protocol';
import type { PendingSend } from './chat-state.js';

/**
 * Matching our own sends with the messages that come back. A message carries no client identity
 * (other people's clientIds never reach a client), so the sure match is the position the ack
 * reports. The message itself usually arrives a moment *before* the ack (the server broadcasts
 * it when it applies the command, and answers the sender after); to avoid showing the line twice
 * meanwhile, an own message with the same text provisionally claims the oldest unconfirmed line
 * (`shownAt`), which the ack then confirms or refutes.
 */

/** Marks the oldest unclaimed, unacknowledged line with `message`'s text as probably shown by it. */
export function claimByText(pending: readonly PendingSend[], message: ChatMessage): readonly PendingSend[] {
  const index = pending.findIndex(
    (p) =>
      p.position === undefined && p.shownAt === undefined && p.state !== 'failed' && p.text === message.text,
  );
  if (index < 0) return pending;
  const next = [...pending];
  next[index] = { ...(pending[index] as PendingSend), shownAt: message.position };
  return next;
}

/**
 * The line at `index` after an outbox change (`snapshot`): gone once its message is on the list
 * (the ack's position is there), otherwise updated. A provisional claim survives until the ack;
 * an ack elsewhere, or a failure, makes the line visible again.
 */
export function afterAck(
  pending: readonly PendingSend[],
  index: number,
  snapshot: PendingSend,
  messages: readonly ChatMessage[],
): readonly PendingSend[] {
  const line = pending[index];
  if (line === undefined) return pending;
  const position = snapshot.position;
  if (position !== undefined && messages.some((m) => m.position === position)) {
    return pending.filter((_, i) => i !== index);
  }
  const keepClaim = line.shownAt !== undefined && position === undefined && snapshot.state !== 'failed';
  const next = [...pending];
  next[index] = keepClaim ? { ...snapshot, shownAt: line.shownAt } : snapshot;
  return next;
}
