/** A minimal external store for the screen state (read by React through useSyncExternalStore). */

import type { Action } from './actions.js';
import type { TuiState } from './model.js';
import { reduce } from './reducer.js';

export interface Store {
  getState(): TuiState;
  dispatch(action: Action): void;
  subscribe(listener: () => void): () => void;
}

export function createStore(initial: TuiState): Store {
  let state = initial;
  const listeners = new Set<() => void>();
  return {
    getState: () => state,
    dispatch(action) {
      const next = reduce(state, action);
      if (next === state) return;
      state = next;
      for (const listener of [...listeners]) listener();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
