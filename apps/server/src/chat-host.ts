import { type AppliedEffect, ChatState, type ChatStateOptions } from '@quorum/chat';
import type { CommittedEntry, SnapshotData } from '@quorum/paxos';
import type { SnapshotWriter, StateMachineHost } from './driver.js';

/**
 * The chat state machine behind the replica driver; every applied slot's effects go to
 * `onEffects`, and `onInstall` hears of a snapshot replacing the state.
 */
export class ChatHost implements StateMachineHost {
  state: ChatState;

  constructor(
    options: ChatStateOptions,
    private readonly onEffects: (effects: readonly AppliedEffect[]) => void,
    private readonly onInstall: () => void = () => {},
  ) {
    this.state = new ChatState(options);
  }

  apply(entry: CommittedEntry): void {
    this.onEffects(this.state.apply(entry.slot, entry.value));
  }

  install(snapshot: SnapshotData): void {
    // A snapshot that does not parse is corruption: ChatState.restore throws and the server stops.
    this.state = ChatState.restore(snapshot.data);
    this.onInstall();
  }

  snapshotWriter(): SnapshotWriter {
    return this.state.snapshotWriter();
  }
}
