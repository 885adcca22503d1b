import { deceptiveHost } from './link-host.js';

/**
 * Splits chat text into plain text and links. Only absolute http(s) URLs become links; anything
 * else (`javascript:`, `data:`, `www.example.com`) stays plain text. The result is rendered by
 * React as text nodes and `<a>` elements, so the text is never interpreted as HTML. A link whose
 * text does not plainly show where it goes carries `realHost`, which the page shows next to it.
 */
export type TextSegment =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'link'; readonly text: string; readonly href: string; readonly realHost?: string };

const URL_CANDIDATE = /\bhttps?:\/\/[^\s<>"'`]+/gi;
/** Punctuation that usually ends a sentence rather than a URL. */
const TRAILING = /[.,;:!?)\]}]+$/;

export function safeHttpUrl(candidate: string): string | null {
  try {
    const url = new URL(candidate);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    if (url.hostname === '') return null;
    return url.href;
  } catch {
    return null;
  }
}

export function linkify(text: string): TextSegment[] {
  const segments: TextSegment[] = [];
  let last = 0;
  const push = (plain: string) => {
    if (plain === '') return;
    const previous = segments[segments.length - 1];
    if (previous?.kind === 'text')
      segments[segments.length - 1] = { kind: 'text', text: previous.text + plain };
    else segments.push({ kind: 'text', text: plain });
  };
  for (const match of text.matchAll(URL_CANDIDATE)) {
    const start = match.index;
    let candidate = match[0];
    // Keep a closing parenthesis that belongs to the URL, e.g. a Wikipedia link.
    const trailing = TRAILING.exec(candidate)?.[0] ?? '';
    if (trailing !== '') candidate = candidate.slice(0, candidate.length - trailing.length);
    if (trailing.startsWith(')') && candidate.includes('(')) {
      candidate += ')';
    }
    const href = safeHttpUrl(candidate);
    if (href === null) continue;
    push(text.slice(last, start));
    const realHost = deceptiveHost(candidate, href);
    segments.push(
      realHost === null
        ? { kind: 'link', text: candidate, href }
        : { kind: 'link', text: candidate, href, realHost },
    );
    last = start + candidate.length;
  }
  push(text.slice(last));
  return segments;
}
