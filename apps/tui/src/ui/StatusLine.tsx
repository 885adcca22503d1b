/** The status line: connection, server, leader, pending sends, who is typing, scroll position. */

import { Box, Text } from 'ink';
import { connectionMark, connectionText, typingText } from '../format.js';
import type { TuiState } from '../model.js';
import { currentRoom, pendingCount, typingUsers } from '../selectors.js';

export function StatusLine({ state }: { readonly state: TuiState }) {
  const c = state.connection;
  const { mark, color } = connectionMark(c);
  const pending = pendingCount(state);
  const typing = typingText(typingUsers(state));
  const room = currentRoom(state);
  const leader = c.leaderId === null ? 'no leader' : `leader ${c.leaderId}`;
  return (
    <Box flexShrink={0} backgroundColor="gray">
      <Text wrap="truncate-end" color="whiteBright">
        <Text color={color}>{` ${mark} `}</Text>
        <Text>{connectionText(c)}</Text>
        <Text>{` │ ${leader}`}</Text>
        {pending > 0 ? <Text color="yellowBright">{` │ ${pending} pending`}</Text> : null}
        {room !== null && room.scroll > 0 ? (
          <Text color="yellowBright">{` │ scrolled up ${room.scroll}`}</Text>
        ) : null}
        {state.user !== null ? <Text>{` │ ${state.user}`}</Text> : null}
        {typing !== '' ? <Text italic>{` │ ${typing}`}</Text> : null}
      </Text>
    </Box>
  );
}
