/**
 * The input line -> what to do: a chat message or a slash command, checked against the
 * protocol's name rules before anything goes on the wire. Pure.
 */

import {
  LINE_PATTERN,
  MAX_DISPLAY_NAME_LENGTH,
  MAX_EMOJI_LENGTH,
  MAX_ROOM_NAME_LENGTH,
  MAX_USERNAME_LENGTH,
  NAME_PATTERN,
} from '@quorum/protocol';
import { isTerminalSafe } from './sanitize.js';

export type Command =
  | { readonly kind: 'none' }
  | { readonly kind: 'say'; readonly text: string }
  | { readonly kind: 'join'; readonly room: string }
  | { readonly kind: 'leave'; readonly room: string | null }
  | { readonly kind: 'switch'; readonly target: string | number }
  | { readonly kind: 'rooms' }
  | { readonly kind: 'who'; readonly room: string | null }
  | { readonly kind: 'nick'; readonly name: string }
  /** Toggle `emoji` on the `nth` newest posted message of the room on screen (1: the newest). */
  | { readonly kind: 'react'; readonly nth: number; readonly emoji: string }
  | { readonly kind: 'login'; readonly user: string }
  | { readonly kind: 'register'; readonly user: string }
  | { readonly kind: 'clear' }
  | { readonly kind: 'help'; readonly topic: string | null }
  | { readonly kind: 'quit' }
  | { readonly kind: 'error'; readonly message: string };

export interface CommandInfo {
  readonly name: string;
  readonly aliases: readonly string[];
  readonly usage: string;
  readonly help: string;
}

export const COMMANDS: readonly CommandInfo[] = [
  {
    name: 'join',
    aliases: ['j'],
    usage: '/join ROOM',
    help: 'join a room (created if new) and switch to it',
  },
  {
    name: 'leave',
    aliases: ['part'],
    usage: '/leave [ROOM]',
    help: 'leave a room (default: the current one)',
  },
  {
    name: 'switch',
    aliases: ['s'],
    usage: '/switch ROOM|N',
    help: 'show another joined room (also Alt+1..9, Ctrl+N / Ctrl+P)',
  },
  { name: 'rooms', aliases: ['list'], usage: '/rooms', help: 'list the rooms on the server' },
  {
    name: 'who',
    aliases: ['names'],
    usage: '/who [ROOM]',
    help: 'list the members of a room and who is online',
  },
  {
    name: 'react',
    aliases: ['r'],
    usage: '/react [N] EMOJI',
    help: 'add EMOJI to the newest message (N: the N-th newest), or take yours back (yours are marked *)',
  },
  { name: 'nick', aliases: [], usage: '/nick NAME', help: 'set your display name' },
  {
    name: 'login',
    aliases: [],
    usage: '/login USER',
    help: 'log in as another user (asks for the password)',
  },
  {
    name: 'register',
    aliases: [],
    usage: '/register USER',
    help: 'create an account and log in with it (asks for a password)',
  },
  { name: 'clear', aliases: [], usage: '/clear', help: 'clear the scrollback of this room (on screen only)' },
  { name: 'help', aliases: ['h', '?'], usage: '/help [COMMAND]', help: 'this help' },
  {
    name: 'quit',
    aliases: ['exit', 'q'],
    usage: '/quit',
    help: 'save the session and leave (also Ctrl+C / Ctrl+D)',
  },
];

/** Every command name with its slash, for Tab completion (aliases left out). */
export const COMMAND_NAMES: readonly string[] = COMMANDS.map((c) => `/${c.name}`);

const NAME = new RegExp(NAME_PATTERN);
const LINE = new RegExp(LINE_PATTERN);
// biome-ignore lint/suspicious/noControlCharactersInRegex: display names must not contain control characters
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

function lookup(word: string): CommandInfo | undefined {
  const w = word.toLowerCase();
  return COMMANDS.find((c) => c.name === w || c.aliases.includes(w));
}

export function findCommand(word: string): CommandInfo | undefined {
  return lookup(word.replace(/^\//, ''));
}

/** A room argument: `#` prefix allowed, protocol name rules enforced. */
export function checkRoom(arg: string): { room: string } | { error: string } {
  const room = arg.replace(/^#/, '');
  if (room === '') return { error: 'a room name is required' };
  if (room.length > MAX_ROOM_NAME_LENGTH)
    return { error: `room names have at most ${MAX_ROOM_NAME_LENGTH} characters` };
  if (!NAME.test(room))
    return { error: `"${room}" is not a valid room name (letters, digits, _ and - only)` };
  return { room };
}

export function checkUser(arg: string): { user: string } | { error: string } {
  if (arg === '') return { error: 'a user name is required' };
  if (arg.length > MAX_USERNAME_LENGTH)
    return { error: `user names have at most ${MAX_USERNAME_LENGTH} characters` };
  if (!NAME.test(arg)) return { error: `"${arg}" is not a valid user name (letters, digits, _ and - only)` };
  return { user: arg };
}

/** An emoji argument, checked against the protocol's Emoji rule (and shown safely when it comes back). */
export function checkEmoji(arg: string): { emoji: string } | { error: string } {
  if (arg === '') return { error: 'an emoji is required' };
  if (arg.length > MAX_EMOJI_LENGTH)
    return { error: `an emoji has at most ${MAX_EMOJI_LENGTH} characters (UTF-16 units)` };
  // The protocol refuses control characters; bidi controls would be removed from the chip when
  // it comes back, and then /react with the same text could not find it to toggle it off.
  if (!LINE.test(arg) || !isTerminalSafe(arg))
    return { error: 'an emoji cannot contain control or text-direction characters' };
  return { emoji: arg };
}

function usage(info: CommandInfo): Command {
  return { kind: 'error', message: `usage: ${info.usage}` };
}

/** `/react [N] EMOJI`: N counts posted messages back from the newest (1). */
function parseReact(info: CommandInfo, args: readonly string[]): Command {
  if (args.length > 2) return usage(info);
  const [first = '', second] = args;
  if (second === undefined && (first === '' || /^\d+$/.test(first))) {
    return { kind: 'error', message: `which emoji? usage: ${info.usage}` };
  }
  let nth = 1;
  if (second !== undefined) {
    nth = /^\d+$/.test(first) ? Number(first) : Number.NaN;
    if (!Number.isSafeInteger(nth) || nth < 1) {
      return {
        kind: 'error',
        message: `"${first}" is not a message number: N is 1 for the newest message, 2 for the one before…`,
      };
    }
  }
  const checked = checkEmoji(second ?? first);
  return 'error' in checked
    ? { kind: 'error', message: checked.error }
    : { kind: 'react', nth, emoji: checked.emoji };
}

/** Parses one submitted input line. A line starting with `//` sends the text after the first slash. */
export function parseCommand(line: string): Command {
  if (line.trim() === '') return { kind: 'none' };
  if (!line.startsWith('/')) return { kind: 'say', text: line };
  if (line.startsWith('//')) return { kind: 'say', text: line.slice(1) };
  const body = line.slice(1).trim();
  const [word = '', ...rest] = body.split(/\s+/);
  const args = rest.filter((a) => a !== '');
  const restText = body.slice(word.length).trim();
  const info = lookup(word);
  if (info === undefined) {
    return {
      kind: 'error',
      message: `unknown command "/${word}" — type /help for the list of commands (start a message with // to send a slash)`,
    };
  }
  switch (info.name) {
    case 'join': {
      if (args.length !== 1) return usage(info);
      const checked = checkRoom(args[0] as string);
      return 'error' in checked
        ? { kind: 'error', message: checked.error }
        : { kind: 'join', room: checked.room };
    }
    case 'leave': {
      if (args.length > 1) return usage(info);
      if (args.length === 0) return { kind: 'leave', room: null };
      const checked = checkRoom(args[0] as string);
      return 'error' in checked
        ? { kind: 'error', message: checked.error }
        : { kind: 'leave', room: checked.room };
    }
    case 'switch': {
      if (args.length !== 1) return usage(info);
      const arg = args[0] as string;
      if (/^\d+$/.test(arg)) return { kind: 'switch', target: Number(arg) };
      const checked = checkRoom(arg);
      return 'error' in checked
        ? { kind: 'error', message: checked.error }
        : { kind: 'switch', target: checked.room };
    }
    case 'who': {
      if (args.length > 1) return usage(info);
      if (args.length === 0) return { kind: 'who', room: null };
      const checked = checkRoom(args[0] as string);
      return 'error' in checked
        ? { kind: 'error', message: checked.error }
        : { kind: 'who', room: checked.room };
    }
    case 'nick': {
      if (restText === '') return usage(info);
      if (restText.length > MAX_DISPLAY_NAME_LENGTH)
        return { kind: 'error', message: `display names have at most ${MAX_DISPLAY_NAME_LENGTH} characters` };
      if (CONTROL.test(restText))
        return { kind: 'error', message: 'display names cannot contain control characters' };
      return { kind: 'nick', name: restText };
    }
    case 'login':
    case 'register': {
      if (args.length !== 1) return usage(info);
      const checked = checkUser(args[0] as string);
      if ('error' in checked) return { kind: 'error', message: checked.error };
      return info.name === 'login'
        ? { kind: 'login', user: checked.user }
        : { kind: 'register', user: checked.user };
    }
    case 'react':
      return parseReact(info, args);
    case 'rooms':
      return args.length === 0 ? { kind: 'rooms' } : usage(info);
    case 'clear':
      return args.length === 0 ? { kind: 'clear' } : usage(info);
    case 'help':
      return { kind: 'help', topic: args[0]?.replace(/^\//, '') ?? null };
    default:
      return { kind: 'quit' };
  }
}

/** Key bindings, for /help and the README. */
export const KEY_HELP: readonly (readonly [string, string])[] = [
  ['Enter', 'send the line (or run the command)'],
  [
    'Tab / Shift+Tab',
    'complete a command, user or room name, or an emoji after /react; press again to cycle',
  ],
  ['Up / Down', 'input history'],
  ['Alt+Enter', 'a line break in the message'],
  ['PgUp / PgDn', 'scroll the scrollback up / down'],
  ['Alt+1..9, Alt+0', 'switch to room 1..9, 10 (numbers in the title bar)'],
  ['Ctrl+N / Ctrl+P', 'next / previous room (also Alt+Right / Alt+Left)'],
  ['Ctrl+A / Ctrl+E', 'start / end of line (also Home / End)'],
  ['Left / Right', 'move by character; Ctrl+Left/Right or Alt+B/F by word'],
  ['Backspace / Delete', 'delete before / under the cursor'],
  ['Ctrl+W / Alt+D', 'delete the word before / after the cursor'],
  ['Ctrl+U / Ctrl+K', 'delete to the start / end of the line'],
  ['Ctrl+Y', 'paste what was last deleted'],
  ['Ctrl+T', 'swap the two characters at the cursor'],
  ['Ctrl+C', 'clear the line; on an empty line: quit'],
  ['Ctrl+D', 'delete under the cursor; on an empty line: quit'],
];

/** The /help text, line by line. */
export function helpLines(topic: string | null): string[] {
  if (topic !== null && topic !== '') {
    const info = lookup(topic);
    if (info === undefined) return [`no command "/${topic}" — /help lists them all`];
    const aliases = info.aliases.length > 0 ? ` (also ${info.aliases.map((a) => `/${a}`).join(', ')})` : '';
    return [`${info.usage} — ${info.help}${aliases}`];
  }
  const width = Math.max(...COMMANDS.map((c) => c.usage.length));
  const keyWidth = Math.max(...KEY_HELP.map(([k]) => k.length));
  return [
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.usage.padEnd(width)}  ${c.help}`),
    `  ${'//text'.padEnd(width)}  send a message that starts with a slash`,
    'Keys:',
    ...KEY_HELP.map(([k, h]) => `  ${k.padEnd(keyWidth)}  ${h}`),
  ];
}
