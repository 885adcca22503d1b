/** Stable colours for nick names (the same user always gets the same colour). */

const NICK_COLORS = [
  'cyan',
  'green',
  'yellow',
  'magenta',
  'blue',
  'red',
  'cyanBright',
  'greenBright',
] as const;

export function nickColor(name: string): string {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
  return NICK_COLORS[h % NICK_COLORS.length] as string;
}

export const LEVEL_COLORS = { info: 'cyan', warn: 'yellow', error: 'red' } as const;
