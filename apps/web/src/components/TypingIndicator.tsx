import { typingText } from '../state/timeline.js';

export function TypingIndicator({ users }: { users: readonly string[] }) {
  const text = typingText(users);
  return (
    <div className="typing" aria-hidden={text === null}>
      {text}
    </div>
  );
}
