/** The screen state from the controller's store. */

import { useSyncExternalStore } from 'react';
import type { TuiState } from '../model.js';
import type { Store } from '../store.js';

export function useStore(store: Store): TuiState {
  return useSyncExternalStore(store.subscribe, store.getState, store.getState);
}
