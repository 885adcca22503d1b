/** The input line with its cursor; while a password is asked for, nothing typed is shown. */

import { Text } from 'ink';
import { graphemeAt, type LineState } from '../line-editor.js';
import type { Prompt } from '../model.js';

export function InputLine({
  line,
  prompt,
  room,
}: {
  readonly line: LineState;
  readonly prompt: Prompt | null;
  readonly room: string | null;
}) {
  if (prompt !== null) {
    return (
      <Text wrap="wrap">
        <Text
          color="yellowBright"
          bold
        >{`${prompt.label} (not shown, Enter to confirm, Esc to cancel): `}</Text>
        <Text inverse> </Text>
      </Text>
    );
  }
  const before = line.text.slice(0, line.cursor);
  const at = graphemeAt(line.text, line.cursor);
  const after = line.text.slice(line.cursor + at.length);
  const under = at === '' || at === '\n' ? ' ' : at;
  return (
    <Text wrap="wrap">
      <Text color="cyan" bold>
        {room === null ? '> ' : `[#${room}] `}
      </Text>
      <Text>{before}</Text>
      <Text inverse>{under}</Text>
      <Text>{at === '\n' ? `\n${after}` : after}</Text>
    </Text>
  );
}
