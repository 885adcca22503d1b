import { useEffect, useState } from 'react';

/** The page's clock, re-read every `intervalMs` (for "seen 2.1 s ago" and highlights that fade). */
export function useNow(intervalMs: number, clock: () => number): number {
  const [now, setNow] = useState(clock);
  useEffect(() => {
    const timer = setInterval(() => setNow(clock()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs, clock]);
  return now;
}
