/** The top bar: the room on screen and every joined room with its number and unread count. */

import { Box, Text } from 'ink';
import type { TuiState } from '../model.js';

export function TitleBar({ state }: { readonly state: TuiState }) {
  const names = [...state.rooms.keys()];
  return (
    <Box flexShrink={0} backgroundColor="blue">
      <Text color="whiteBright" wrap="truncate-end">
        <Text bold>{state.current === null ? ' Quorum Chat ' : ` #${state.current} `}</Text>
        <Text>│ </Text>
        {names.length === 0 ? <Text>no rooms — /join ROOM</Text> : null}
        {names.map((name, i) => {
          const room = state.rooms.get(name);
          const unread = room && room.unread > 0 ? `(${room.unread}${room.mentions > 0 ? '!' : ''})` : '';
          const label = `${i + 1}:${name}${unread}`;
          return name === state.current ? (
            <Text key={name} bold inverse>
              {`[${label}]`}
            </Text>
          ) : (
            <Text key={name} color={room && room.mentions > 0 ? 'yellowBright' : undefined}>
              {` ${label} `}
            </Text>
          );
        })}
      </Text>
    </Box>
  );
}
