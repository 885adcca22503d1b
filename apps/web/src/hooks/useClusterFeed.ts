import { type Dispatch, useEffect, useReducer } from 'react';
import { fetchClusterStatus } from '../lib/cluster-status.js';
import {
  type ClusterAction,
  type ClusterModel,
  clusterReducer,
  initialClusterModel,
} from '../state/cluster-model.js';

export const POLL_MS = 500;

/**
 * Polls the balancer's `GET /cluster` every POLL_MS (so the view works before login and shows
 * servers that are down); `cluster` events from the chat connection come in through `dispatch`.
 */
export function useClusterFeed(
  balancerUrl: string,
  now: () => number,
  fetchFn: typeof fetch = fetch,
): { model: ClusterModel; dispatch: Dispatch<ClusterAction> } {
  const [model, dispatch] = useReducer(clusterReducer, initialClusterModel);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let controller: AbortController | null = null;
    const poll = async () => {
      if (typeof document !== 'undefined' && document.visibilityState === 'hidden') {
        // Nobody is looking: check again later without loading the balancer.
        timer = setTimeout(poll, POLL_MS * 4);
        return;
      }
      controller = new AbortController();
      const timeout = setTimeout(() => controller?.abort(), 2000);
      try {
        const status = await fetchClusterStatus(balancerUrl, controller.signal, fetchFn);
        if (!stopped) dispatch({ type: 'balancer', status, now: now() });
      } catch (error) {
        if (!stopped)
          dispatch({
            type: 'balancer_error',
            error: error instanceof Error ? error.message : String(error),
            now: now(),
          });
      } finally {
        clearTimeout(timeout);
      }
      if (!stopped) timer = setTimeout(poll, POLL_MS);
    };
    void poll();
    return () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      controller?.abort();
    };
  }, [balancerUrl, now, fetchFn]);
  return { model, dispatch };
}
