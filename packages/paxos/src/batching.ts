import { MAX_BATCH_COMMANDS, MAX_ENTRIES_PER_MESSAGE, type SlotEntry } from '@quorum/protocol';

/**
 * Splits slot entries into groups that each fit one peer message: at most
 * MAX_ENTRIES_PER_MESSAGE slots and at most MAX_BATCH_COMMANDS commands (a command is at most a
 * few KiB, so this keeps a frame well under MAX_PEER_FRAME_BYTES).
 */
export function chunkEntries<T extends SlotEntry>(entries: readonly T[]): T[][] {
  const groups: T[][] = [];
  let group: T[] = [];
  let commands = 0;
  for (const entry of entries) {
    const size = entry.value.commands.length;
    if (
      group.length > 0 &&
      (group.length >= MAX_ENTRIES_PER_MESSAGE || commands + size > MAX_BATCH_COMMANDS)
    ) {
      groups.push(group);
      group = [];
      commands = 0;
    }
    group.push(entry);
    commands += size;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}
