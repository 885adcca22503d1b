import { useCallback, useEffect, useRef } from 'react';

const RESEND_MS = 3000;
const IDLE_MS = 4000;

/**
 * Tells the room when the user types (at most every RESEND_MS while typing) and when they stop
 * (IDLE_MS without a keystroke, an empty input, a send, or a switch to another room). The stop
 * goes to the room the typing started in, not to whichever room is open by then. Best effort,
 * like the protocol.
 */
export function useTypingSignal(
  room: string | null,
  signal: (room: string, active: boolean) => void,
  now: () => number,
) {
  /** The room told that we are typing, or null. */
  const typingIn = useRef<string | null>(null);
  const lastSent = useRef(0);
  const idle = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const signalRef = useRef(signal);
  signalRef.current = signal;
  const roomRef = useRef(room);
  roomRef.current = room;

  const stopTyping = useCallback(() => {
    if (idle.current !== undefined) clearTimeout(idle.current);
    idle.current = undefined;
    const was = typingIn.current;
    if (was !== null) {
      typingIn.current = null;
      signalRef.current(was, false);
    }
  }, []);

  const onText = useCallback(
    (text: string) => {
      const here = roomRef.current;
      if (text.trim() === '' || here === null) {
        stopTyping();
        return;
      }
      if (typingIn.current !== null && typingIn.current !== here) stopTyping();
      const t = now();
      if (typingIn.current === null || t - lastSent.current >= RESEND_MS) {
        typingIn.current = here;
        lastSent.current = t;
        signalRef.current(here, true);
      }
      if (idle.current !== undefined) clearTimeout(idle.current);
      idle.current = setTimeout(stopTyping, IDLE_MS);
    },
    [now, stopTyping],
  );

  // Leaving the room (or the page) ends the typing there.
  // biome-ignore lint/correctness/useExhaustiveDependencies: `room` is the trigger, read through roomRef
  useEffect(() => stopTyping, [room, stopTyping]);
  return { onText, stopTyping };
}
