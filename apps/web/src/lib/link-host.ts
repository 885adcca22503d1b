/**
 * Where a link really goes, when its text does not plainly say so. A reader trusts the host
 * written in the link text; the browser goes to the host the URL parser finds. The two differ
 * when the text hides the host behind user info (`https://bank.example@evil.example/`), writes
 * it in another form (`https://%65vil.example`, `http://0x7f.1`, a full-width dot), or spells it
 * with letters of other scripts that look like Latin ones (`https://exаmple.com` with a Cyrillic
 * `а` goes to `xn--exmple-4nf.com`). In those cases the page shows the real host next to the link.
 * A host in punycode (`xn--`) is always shown that way: mixed scripts are exactly what it hides.
 */

/** The real host (`url.host`, ASCII) when the link text does not show it plainly, else null. */
export function deceptiveHost(text: string, href: string): string | null {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return null;
  }
  const punycode = url.hostname.split('.').some((label) => label.startsWith('xn--'));
  return punycode || !sameHost(writtenHost(text), url) ? url.host : null;
}

/** The host as a reader sees it in the text: after `//`, up to the first `/`, `?`, `#` or `\`. */
function writtenHost(text: string): string {
  const start = text.indexOf('//');
  const rest = start < 0 ? text : text.slice(start + 2);
  return (rest.split(/[/?#\\]/, 1)[0] ?? '').toLowerCase();
}

function sameHost(written: string, url: URL): boolean {
  if (written === url.host) return true;
  // `https://example.com:443` names the same place as `https://example.com`.
  const defaultPort = url.protocol === 'https:' ? '443' : '80';
  return written === `${url.hostname}:${defaultPort}`;
}
