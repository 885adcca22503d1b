import { useCallback, useState } from 'react';
import { ADMIN_TOKEN_KEY } from '../lib/faults.js';

/** The admin token for fault injection, kept for this tab only (sessionStorage). */
export function useAdminToken(storage: Storage): [string | null, (token: string | null) => void] {
  const [token, setToken] = useState<string | null>(() => {
    try {
      return storage.getItem(ADMIN_TOKEN_KEY);
    } catch {
      return null;
    }
  });
  const update = useCallback(
    (next: string | null) => {
      try {
        if (next === null) storage.removeItem(ADMIN_TOKEN_KEY);
        else storage.setItem(ADMIN_TOKEN_KEY, next);
      } catch {
        // storage disabled: keep it in memory only
      }
      setToken(next);
    },
    [storage],
  );
  return [token, update];
}
