/** The member list on the right: online members first, with a presence mark. */

import { Box, Text } from 'ink';
import type { RoomView } from '../model.js';

export const MEMBER_LIST_WIDTH = 20;

export function MemberList({
  room,
  displayNames,
  self,
}: {
  readonly room: RoomView | null;
  readonly displayNames: ReadonlyMap<string, string>;
  readonly self: string | null;
}) {
  const members = room === null ? [] : [...room.members];
  const rank = (online: boolean | null) => (online === true ? 0 : online === null ? 1 : 2);
  members.sort(([a, ma], [b, mb]) => rank(ma.online) - rank(mb.online) || a.localeCompare(b));
  const online = members.filter(([, m]) => m.online === true).length;
  return (
    <Box
      flexDirection="column"
      width={MEMBER_LIST_WIDTH}
      flexShrink={0}
      borderStyle="single"
      borderTop={false}
      borderBottom={false}
      borderRight={false}
      overflow="hidden"
    >
      <Text bold wrap="truncate-end">{`members ${online}/${members.length}`}</Text>
      {members.map(([user, m]) => {
        const display = displayNames.get(user);
        const label = display !== undefined && display !== user ? `${user} (${display})` : user;
        return (
          <Text key={user} wrap="truncate-end" dimColor={m.online === false}>
            <Text color={m.online === true ? 'green' : 'gray'}>
              {m.online === true ? '●' : m.online === false ? '○' : '·'}
            </Text>
            <Text bold={user === self}>{` ${label}`}</Text>
          </Text>
        );
      })}
    </Box>
  );
}
