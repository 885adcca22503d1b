import { render } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { MessageText } from '../src/components/MessageText.js';
import { deceptiveHost } from '../src/lib/link-host.js';
import { linkify } from '../src/lib/linkify.js';

/** linkify's view of one link: what it shows, where it goes, and the real host if shown. */
function link(text: string) {
  const segment = linkify(text).find((s) => s.kind === 'link');
  if (segment?.kind !== 'link') throw new Error(`no link in ${text}`);
  return segment;
}

describe('the real host of a link', () => {
  it('is not shown when the text shows the host plainly', () => {
    for (const text of [
      'https://example.com/a?b=1',
      'http://x.org',
      'HTTPS://Example.COM/path',
      'https://example.com:443/',
      'http://127.0.0.1:7100/cluster',
      'http://[::1]:8080/',
      'https://paypal.com.example.net/login',
    ]) {
      expect(link(text).realHost, text).toBeUndefined();
    }
  });

  it('is shown when user info hides it', () => {
    expect(link('https://bank.example@evil.example/login').realHost).toBe('evil.example');
    expect(link('https://bank.example:443@evil.example/').realHost).toBe('evil.example');
  });

  it('is shown when the host is written in another form', () => {
    expect(link('https://%65vil.example/').realHost).toBe('evil.example');
    expect(link('http://0x7f.1/').realHost).toBe('127.0.0.1');
    expect(link('https://example\u3002com/').realHost).toBe('example.com');
  });

  it('is shown, in punycode, when the host mixes scripts or is punycode', () => {
    // A Cyrillic "а" in place of the Latin one.
    expect(link('https://ex\u0430mple.com/').realHost).toBe('xn--exmple-4nf.com');
    expect(link('https://xn--exmple-4nf.com/').realHost).toBe('xn--exmple-4nf.com');
    expect(link('https://раураl.com/').realHost).toBe(new URL('https://раураl.com/').host);
    expect(deceptiveHost('https://пример.рф/', 'https://xn--e1afmkfd.xn--p1ai/')).toBe(
      'xn--e1afmkfd.xn--p1ai',
    );
  });

  it('is rendered next to the link, in the message', () => {
    const { container } = render(
      <MessageText text="log in at https://bank.example@evil.example/login now" />,
    );
    const anchor = container.querySelector('a');
    expect(anchor?.getAttribute('href')).toBe('https://bank.example@evil.example/login');
    expect(container.querySelector('.link-host')?.textContent).toBe(' (goes to evil.example)');
    expect(container.textContent).toBe(
      'log in at https://bank.example@evil.example/login (goes to evil.example) now',
    );
    const plain = render(<MessageText text="see https://example.com/" />);
    expect(plain.container.querySelector('.link-host')).toBeNull();
  });
});
