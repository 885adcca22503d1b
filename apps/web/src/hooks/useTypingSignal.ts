import { useCallback, useEffect, useRef } from 'react';

const RESEND_MS = 3000;
const IDLE_MS = 4000;

/**
 * Tells the room when the user types (at most every RESEND_MS while typing) and when they stop
 * (IDLE_MS without a keystroke, an empty input, or a send). Best effort, like the protocol.
 */
export function useTypingSignal(signal: (active: boolean) => void, now: () => number) {
  const active = useRef(false);
  const lastSent = useRef(0);
  const idle = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const signalRef = useRef(signal);
  signalRef.current = signal;

  const stopTyping = useCallback(() => {
    if (idle.current !== undefined) clearTimeout(idle.current);
    idle.current = undefined;
    if (active.current) {
      active.current = false;
      signalRef.current(false);
    }
  }, []);

  const onText = useCallback(
    (text: string) => {
      if (text.trim() === '') {
        stopTyping();
        return;
      }
      const t = now();
      if (!active.current || t - lastSent.current >= RESEND_MS) {
        active.current = true;
        lastSent.current = t;
        signalRef.current(true);
      }
      if (idle.current !== undefined) clearTimeout(idle.current);
      idle.current = setTimeout(stopTyping, IDLE_MS);
    },
    [now, stopTyping],
  );

  useEffect(() => stopTyping, [stopTyping]);
  return { onText, stopTyping };
}
