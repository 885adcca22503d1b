/**
 * Raw terminal input, as Ink splits it (at escape sequences), handed to `handler`. We read
 * Ink's input stream instead of `useInput` because `useInput` cannot tell Backspace (DEL) from
 * the Delete key; `keys.ts` parses the raw text.
 */

import { useStdin } from 'ink';
import { useEffect, useRef } from 'react';

export function useTerminalInput(handler: (data: string) => void): void {
  const { setRawMode, isRawModeSupported, internal_eventEmitter: events } = useStdin();
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => {
    if (!isRawModeSupported) return;
    setRawMode(true);
    return () => setRawMode(false);
  }, [isRawModeSupported, setRawMode]);
  useEffect(() => {
    const onInput = (data: string) => latest.current(data);
    events.on('input', onInput);
    return () => {
      events.removeListener('input', onInput);
    };
  }, [events]);
}
