import { type KeyboardEvent, useEffect, useId, useRef, useState } from 'react';

const MAX_TEXT = 4000;

interface Props {
  room: string;
  /** False while another tab is shown: the focus comes back here when it is shown again. */
  active?: boolean;
  /** Returns false when the message could not be queued (the text stays). */
  onSend: (text: string) => boolean;
  onTyping: (text: string) => void;
  onStopTyping: () => void;
}

/**
 * The message input. Enter sends, Shift+Enter adds a line, Esc clears; the focus stays here.
 * Sending never waits for the network: the message shows as pending until the cluster commits it.
 */
export function Composer({ room, active = true, onSend, onTyping, onStopTyping }: Props) {
  const [text, setText] = useState('');
  const input = useRef<HTMLTextAreaElement>(null);
  const hintId = useId();
  const inputId = useId();

  // biome-ignore lint/correctness/useExhaustiveDependencies: refocus when the room changes or the chat is shown
  useEffect(() => {
    if (active) input.current?.focus();
  }, [room, active]);

  const send = () => {
    const body = text.replace(/\s+$/, '');
    if (body.trim() === '') return;
    if (onSend(body)) {
      setText('');
      onStopTyping();
    }
    input.current?.focus();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      send();
    } else if (event.key === 'Escape') {
      event.preventDefault();
      setText('');
      onStopTyping();
    }
  };

  const rows = Math.min(6, Math.max(1, text.split('\n').length));
  const remaining = MAX_TEXT - text.length;

  return (
    <form
      className="composer"
      onSubmit={(event) => {
        event.preventDefault();
        send();
      }}
    >
      <label htmlFor={inputId} className="sr-only">
        Message #{room}
      </label>
      <textarea
        id={inputId}
        ref={input}
        value={text}
        rows={rows}
        maxLength={MAX_TEXT}
        placeholder={`Message #${room}`}
        aria-describedby={hintId}
        onChange={(event) => {
          setText(event.target.value);
          onTyping(event.target.value);
        }}
        onKeyDown={onKeyDown}
      />
      <button type="submit" className="primary" disabled={text.trim() === ''}>
        Send
      </button>
      <p id={hintId} className="composer-hint">
        <kbd>Enter</kbd> send · <kbd>Shift</kbd>+<kbd>Enter</kbd> new line · <kbd>Esc</kbd> clear
        {remaining < 500 && (
          <span className={remaining < 100 ? 'warn' : ''}> · {remaining} characters left</span>
        )}
      </p>
    </form>
  );
}
