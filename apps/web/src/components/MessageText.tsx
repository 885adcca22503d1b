import { linkify } from '../lib/linkify.js';

/**
 * Chat text as text: React escapes it; only http(s) URLs become links. A link whose text does
 * not plainly show where it goes (user info, another spelling of the host, look-alike letters)
 * is followed by its real host, so the reader sees where a click leads before clicking.
 */
export function MessageText({ text }: { text: string }) {
  return (
    <>
      {linkify(text).map((segment, i) =>
        segment.kind === 'link' ? (
          // biome-ignore lint/suspicious/noArrayIndexKey: segments never reorder
          <span key={i}>
            <a href={segment.href} title={segment.href} target="_blank" rel="noopener noreferrer nofollow">
              {segment.text}
            </a>
            {segment.realHost !== undefined && (
              <span className="link-host" title="Where this link really goes">
                {' '}
                (goes to <strong>{segment.realHost}</strong>)
              </span>
            )}
          </span>
        ) : (
          // biome-ignore lint/suspicious/noArrayIndexKey: segments never reorder
          <span key={i}>{segment.text}</span>
        ),
      )}
    </>
  );
}
