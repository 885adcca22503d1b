/**
 * The whole screen: title bar, scrollback with the member list on its right (hidden when the
 * terminal is narrow), status line, input line. Keys go through `keys.ts` and `input.ts`; the
 * effects they produce are handed to the controller.
 */

import { QUICK_REACTIONS } from '@quorum/client';
import { Box } from 'ink';
import { useRef, useState } from 'react';
import { COMMAND_NAMES } from '../commands.js';
import type { Controller } from '../controller.js';
import { EMPTY_INPUT, handleKey, type InputContext, type InputEffect, type InputState } from '../input.js';
import { parseKeys } from '../keys.js';
import type { TuiState } from '../model.js';
import { currentRoom, usedEmoji } from '../selectors.js';
import { InputLine } from './InputLine.js';
import { MemberList } from './MemberList.js';
import { Scrollback } from './Scrollback.js';
import { StatusLine } from './StatusLine.js';
import { TitleBar } from './TitleBar.js';
import { useStore } from './use-store.js';
import { useTerminalInput } from './use-terminal-input.js';
import { useTerminalSize } from './use-terminal-size.js';

/** Below this many columns the member list is hidden. */
export const MEMBER_LIST_MIN_COLUMNS = 70;

export interface AppProps {
  readonly controller: Controller;
  /** Override the terminal size (tests). */
  readonly columns?: number;
  readonly rows?: number;
}

function completionSources(state: TuiState): InputContext['sources'] {
  const room = currentRoom(state);
  const names = room === null ? [] : [...room.members.keys()];
  return {
    commands: COMMAND_NAMES,
    names,
    rooms: [...state.rooms.keys(), ...state.knownRooms],
    emoji: [...QUICK_REACTIONS, ...(room === null ? [] : usedEmoji(room))],
  };
}

export function App({ controller, columns, rows }: AppProps) {
  const state = useStore(controller.store);
  const size = useTerminalSize();
  const width = columns ?? size.columns;
  // One row less than the terminal: Ink redraws the whole screen on every frame otherwise.
  const height = Math.max(5, (rows ?? size.rows) - 1);
  const scrollHeight = Math.max(1, height - 3);
  const inputRef = useRef<InputState>(EMPTY_INPUT);
  const [input, setInput] = useState<InputState>(EMPTY_INPUT);

  const run = (effect: InputEffect) => {
    switch (effect.type) {
      case 'submit':
        controller.submit(effect.text);
        return;
      case 'secret':
        controller.submitSecret(effect.text);
        return;
      case 'cancel':
        controller.cancelPrompt();
        return;
      case 'quit':
        controller.quit();
        return;
      case 'switch':
        controller.switchRoom(effect.target);
        return;
      case 'scroll':
        controller.scroll(effect.direction, Math.max(1, scrollHeight - 2));
        return;
      case 'edited':
        controller.edited(effect.text);
        return;
    }
  };

  useTerminalInput((data) => {
    for (const event of parseKeys(data)) {
      const s = controller.store.getState();
      const result = handleKey(inputRef.current, event, {
        secret: s.prompt !== null,
        sources: completionSources(s),
      });
      inputRef.current = result.state;
      for (const effect of result.effects) run(effect);
    }
    setInput(inputRef.current);
  });

  const room = currentRoom(state);
  const showMembers = width >= MEMBER_LIST_MIN_COLUMNS && room !== null;
  return (
    <Box flexDirection="column" width={width} height={height}>
      <TitleBar state={state} />
      <Box flexDirection="row" flexGrow={1} overflow="hidden">
        <Scrollback
          room={room}
          system={state.system}
          displayNames={state.displayNames}
          self={state.user}
          height={scrollHeight}
        />
        {showMembers ? <MemberList room={room} displayNames={state.displayNames} self={state.user} /> : null}
      </Box>
      <StatusLine state={state} />
      <Box flexShrink={0}>
        <InputLine line={input.line} prompt={state.prompt} room={state.current} />
      </Box>
    </Box>
  );
}
