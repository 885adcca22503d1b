/**
 * Raw terminal input -> key events. Ink hands us its input split at escape sequences; a chunk
 * may still hold several keys (typed fast or pasted: `"hi\r"`), so this walks it character by
 * character. We parse ourselves because Ink reports the Backspace byte (DEL, 0x7f) as `delete`
 * and cannot tell it from the Delete key. Pure.
 */

export type KeyName =
  | 'enter'
  | 'tab'
  | 'backtab'
  | 'backspace'
  | 'delete'
  | 'left'
  | 'right'
  | 'up'
  | 'down'
  | 'home'
  | 'end'
  | 'pageup'
  | 'pagedown'
  | 'escape';

export type KeyEvent =
  /** Printable text (one key or a pasted run). */
  | { readonly kind: 'text'; readonly text: string }
  /** A named key, with the modifiers the terminal reported. */
  | { readonly kind: 'key'; readonly name: KeyName; readonly ctrl: boolean; readonly alt: boolean }
  /** Ctrl + a letter (`a`..`z`), except the ones that are named keys (Tab, Enter, Backspace). */
  | { readonly kind: 'ctrl'; readonly key: string }
  /** Alt (Meta) + a character: the terminal sends ESC then the character. */
  | { readonly kind: 'alt'; readonly key: string };

const ESC = '\u001b';

function key(name: KeyName, ctrl = false, alt = false): KeyEvent {
  return { kind: 'key', name, ctrl, alt };
}

const CSI_LETTER: Readonly<Record<string, KeyName>> = {
  A: 'up',
  B: 'down',
  C: 'right',
  D: 'left',
  H: 'home',
  F: 'end',
  Z: 'backtab',
};

const CSI_TILDE: Readonly<Record<string, KeyName>> = {
  '1': 'home',
  '7': 'home',
  '4': 'end',
  '8': 'end',
  '3': 'delete',
  '5': 'pageup',
  '6': 'pagedown',
};

/** xterm modifier parameter: 1 + (shift 1 | alt 2 | ctrl 4). */
function modifiers(param: string | undefined): { ctrl: boolean; alt: boolean } {
  const m = param === undefined ? 0 : Number(param) - 1;
  if (!Number.isInteger(m) || m < 0) return { ctrl: false, alt: false };
  return { ctrl: (m & 4) !== 0, alt: (m & 2) !== 0 };
}

/** Parses a CSI/SS3 sequence starting at `i` (at the ESC). Returns the event (or null) and the next index. */
function parseSequence(data: string, i: number): { event: KeyEvent | null; next: number } {
  const intro = data[i + 1];
  let j = i + 2;
  let params = '';
  while (j < data.length && /[0-9;:<=>?]/.test(data[j] ?? '')) params += data[j++];
  while (j < data.length && /[ -/]/.test(data[j] ?? '')) j++;
  const final = data[j];
  if (final === undefined) return { event: null, next: data.length };
  const next = j + 1;
  const parts = params.split(';');
  if (intro === 'O') {
    const name = CSI_LETTER[final];
    return { event: name === undefined ? null : key(name), next };
  }
  if (final === '~') {
    const name = CSI_TILDE[parts[0] ?? ''];
    if (name === undefined) return { event: null, next };
    const m = modifiers(parts[1]);
    return { event: key(name, m.ctrl, m.alt), next };
  }
  const name = CSI_LETTER[final];
  if (name === undefined) return { event: null, next };
  const m = modifiers(parts[1]);
  return { event: key(name, m.ctrl, m.alt), next };
}

function isPrintable(code: number): boolean {
  return code >= 0x20 && code !== 0x7f && !(code >= 0x80 && code <= 0x9f);
}

export function parseKeys(data: string): KeyEvent[] {
  const events: KeyEvent[] = [];
  let text = '';
  const flush = () => {
    if (text !== '') events.push({ kind: 'text', text });
    text = '';
  };
  let i = 0;
  while (i < data.length) {
    const ch = data[i] as string;
    const code = ch.charCodeAt(0);
    if (isPrintable(code)) {
      text += ch;
      i++;
      continue;
    }
    flush();
    if (ch === ESC) {
      const next = data[i + 1];
      if (next === '[' || next === 'O') {
        const parsed = parseSequence(data, i);
        if (parsed.event !== null) events.push(parsed.event);
        i = parsed.next;
      } else if (next === ESC && (data[i + 2] === '[' || data[i + 2] === 'O')) {
        // ESC ESC [ A: some terminals' Alt+arrow.
        const parsed = parseSequence(data, i + 1);
        if (parsed.event?.kind === 'key') events.push({ ...parsed.event, alt: true });
        i = parsed.next;
      } else if (next === '\u007f' || next === '\b') {
        events.push(key('backspace', false, true));
        i += 2;
      } else if (next !== undefined && next !== ESC && isPrintable(next.charCodeAt(0))) {
        const cp = String.fromCodePoint(data.codePointAt(i + 1) ?? 0);
        events.push({ kind: 'alt', key: cp });
        i += 1 + cp.length;
      } else if (next === '\r') {
        events.push(key('enter', false, true));
        i += 2;
      } else {
        events.push(key('escape'));
        i++;
      }
      continue;
    }
    if (ch === '\r') {
      events.push(key('enter'));
      i += data[i + 1] === '\n' ? 2 : 1;
    } else if (ch === '\n') {
      events.push(key('enter'));
      i++;
    } else if (ch === '\t') {
      events.push(key('tab'));
      i++;
    } else if (ch === '\u007f' || ch === '\b') {
      events.push(key('backspace'));
      i++;
    } else if (code >= 1 && code <= 26) {
      events.push({ kind: 'ctrl', key: String.fromCharCode(code + 96) });
      i++;
    } else {
      // NUL, Ctrl+\ ] ^ _, C1 controls: nothing we use.
      i++;
    }
  }
  flush();
  return events;
}
