import { type AppliedEffect, ChatState } from '@quorum/chat';
import type { CommittedEntry, SnapshotData } from '@quorum/paxos';
import type { StateMachineHost } from './driver.js';

/** The chat state machine behind the replica driver; every applied slot's effects go to `onEffects`. */
export class ChatHost implements StateMachineHost {
  state = new ChatState();

  constructor(private readonly onEffects: (effects: readonly AppliedEffect[]) => void) {}

  apply(entry: CommittedEntry): void {
    this.onEffects(this.state.apply(entry.slot, entry.value));
  }

  install(snapshot: SnapshotData): void {
    // A snapshot that does not parse is corruption: ChatState.restore throws and the server stops.
    this.state = ChatState.restore(snapshot.data);
  }

  snapshot(): string {
    return this.state.snapshot();
  }
}
