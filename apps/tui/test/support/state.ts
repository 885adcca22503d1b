import type { StateEvent } from '@quorum/client';
import type { Action } from '../../src/actions.js';
import { initialState, type Line, type TuiState } from '../../src/model.js';
import { reduce } from '../../src/reducer.js';

export const ME = 'alice';
export const MY_CLIENT = 'c-alice-client-01';

export function run(
  actions: readonly Action[],
  state: TuiState = initialState({ user: ME, clientId: MY_CLIENT }),
): TuiState {
  return actions.reduce(reduce, state);
}

export function stateEvent(state: StateEvent['state'], extra: Partial<StateEvent> = {}): Action {
  return { type: 'state', event: { state, serverId: null, url: null, attempt: 0, ...extra }, now: 0 };
}

export function connected(serverId: number): Action {
  return stateEvent('connected', { serverId, url: `ws://127.0.0.1:710${serverId}/ws` });
}

/** A line as text, for compact assertions. */
export function show(line: Line): string {
  if (line.kind === 'notice') return `-!- ${line.text}`;
  const mark = line.status === null ? '' : ` [${line.status}${line.note ? `: ${line.note}` : ''}]`;
  return `<${line.author}> ${line.lines.join(' / ')}${mark}`;
}

export function lines(state: TuiState, room = state.current ?? ''): string[] {
  const view = state.rooms.get(room);
  return view === undefined ? [] : [...view.lines, ...view.pending].map(show);
}
