/**
 * The scrollback of the room on screen: timestamp, author, text; our own sends dimmed with a
 * pending mark until acked (then a ✓), failed ones in red with the reason; notices marked -!-.
 * A message with reactions gets a dim line of chips under its text (`👍 2  🎉 1`), ours bold
 * and marked `*`. Only the entries that can fit are rendered; the box clips the oldest at the top.
 */

import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import { formatTime } from '../format.js';
import type { Line, MessageLine, NoticeLine, Reaction, RoomView } from '../model.js';
import { reactionChips } from '../reactions.js';
import { LEVEL_COLORS, nickColor } from './colors.js';

export interface ScrollbackProps {
  readonly room: RoomView | null;
  readonly system: readonly Line[];
  readonly displayNames: ReadonlyMap<string, string>;
  readonly self: string | null;
  /** Rows available: at most this many entries are rendered. */
  readonly height: number;
}

const MIN_NICK_WIDTH = 5;
const MAX_NICK_WIDTH = 16;

function authorLabel(author: string, displayNames: ReadonlyMap<string, string>): string {
  const display = displayNames.get(author);
  return display !== undefined && display !== author ? `${display} (${author})` : author;
}

/** Time and nick in fixed columns, the text wrapping in its own column (weechat style). */
function Row({
  ts,
  nick,
  nickWidth,
  nickColor: color,
  bold,
  dim,
  children,
}: {
  readonly ts: number;
  readonly nick: string;
  readonly nickWidth: number;
  readonly nickColor: string | undefined;
  readonly bold?: boolean;
  readonly dim?: boolean;
  readonly children: ReactNode;
}) {
  return (
    <Box flexShrink={0} flexDirection="row">
      <Box flexShrink={0}>
        <Text dimColor>{`${formatTime(ts)} `}</Text>
      </Box>
      <Box flexShrink={0} width={nickWidth} justifyContent="flex-end">
        <Text color={color} bold={bold === true} dimColor={dim === true} wrap="truncate-end">
          {nick}
        </Text>
      </Box>
      <Box flexShrink={0}>
        <Text dimColor> │ </Text>
      </Box>
      <Box flexGrow={1} flexShrink={1} flexDirection="column">
        {children}
      </Box>
    </Box>
  );
}

/** `👍 2  🎉 1`: dim, except the chips that include us (bold, with a `*` for plain terminals). */
function Reactions({
  reactions,
  self,
}: {
  readonly reactions: readonly Reaction[];
  readonly self: string | null;
}) {
  return (
    <Text wrap="wrap">
      {reactionChips(reactions, self).map((chip, i) => (
        <Text key={chip.emoji} dimColor={!chip.mine} bold={chip.mine}>
          {`${i === 0 ? '' : '  '}${chip.text}${chip.mine ? '*' : ''}`}
        </Text>
      ))}
    </Text>
  );
}

function Message({
  line,
  label,
  self,
  user,
  nickWidth,
}: {
  readonly line: MessageLine;
  readonly label: string;
  /** We wrote it. */
  readonly self: boolean;
  /** Our user name, to mark our reactions. */
  readonly user: string | null;
  readonly nickWidth: number;
}) {
  const pending = line.status === 'pending';
  return (
    <Row
      ts={line.ts}
      nick={label}
      nickWidth={nickWidth}
      nickColor={pending ? undefined : nickColor(line.author)}
      bold={self}
      dim={pending}
    >
      <Text wrap="wrap" dimColor={pending} color={line.mention ? 'yellowBright' : undefined}>
        {line.lines.join('\n')}
        {pending ? <Text>{` ⋯ pending${line.note === null ? '' : ` (${line.note})`}`}</Text> : null}
        {line.status === 'delivered' && line.own ? <Text color="green"> ✓</Text> : null}
        {line.status === 'failed' ? <Text color="red">{` ✗ failed: ${line.note ?? 'refused'}`}</Text> : null}
      </Text>
      {line.reactions.length > 0 ? <Reactions reactions={line.reactions} self={user} /> : null}
    </Row>
  );
}

function Notice({ line, nickWidth }: { readonly line: NoticeLine; readonly nickWidth: number }) {
  const color = LEVEL_COLORS[line.level];
  return (
    <Row ts={line.ts} nick="-!-" nickWidth={nickWidth} nickColor={color}>
      <Text wrap="wrap" color={color}>
        {line.text}
      </Text>
    </Row>
  );
}

export function Scrollback({ room, system, displayNames, self, height }: ScrollbackProps) {
  const all: readonly Line[] = room === null ? system : [...room.lines, ...room.pending];
  const scroll = room?.scroll ?? 0;
  const end = all.length - scroll;
  const visible = all.slice(Math.max(0, end - Math.max(1, height)), end);
  const labels = new Map<string, string>();
  for (const line of visible) {
    if (line.kind === 'message' && !labels.has(line.author))
      labels.set(line.author, authorLabel(line.author, displayNames));
  }
  const nickWidth = Math.min(
    MAX_NICK_WIDTH,
    Math.max(MIN_NICK_WIDTH, ...[...labels.values()].map((l) => l.length)),
  );
  return (
    <Box flexDirection="column" flexGrow={1} justifyContent="flex-end" overflow="hidden">
      {visible.map((line) =>
        line.kind === 'notice' ? (
          <Notice key={line.key} line={line} nickWidth={nickWidth} />
        ) : (
          <Message
            key={line.key}
            line={line}
            label={labels.get(line.author) ?? line.author}
            self={line.author === self}
            user={self}
            nickWidth={nickWidth}
          />
        ),
      )}
      {scroll > 0 ? (
        <Box flexShrink={0}>
          <Text color="yellowBright">{`▼ ${scroll} newer — PgDn to scroll down`}</Text>
        </Box>
      ) : null}
    </Box>
  );
}
