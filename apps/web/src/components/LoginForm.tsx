import { type FormEvent, useId, useState } from 'react';
import type { ConnectionView } from '../state/chat-state.js';

const USER_NAME = /^[A-Za-z0-9_-]{1,32}$/;
const MIN_PASSWORD = 8;

interface Props {
  busy: boolean;
  connection: ConnectionView;
  error: string | null;
  onSubmit: (user: string, password: string, register: boolean) => void;
  onCancel: () => void;
  onOpenCluster: () => void;
}

/** Log in or create an account. The password only goes to the cluster, never to storage. */
export function LoginForm({ busy, connection, error, onSubmit, onCancel, onOpenCluster }: Props) {
  const [mode, setMode] = useState<'login' | 'register'>('login');
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const userId = useId();
  const passwordId = useId();
  const errorId = useId();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!USER_NAME.test(user)) {
      setProblem('User names are 1–32 letters, digits, - or _.');
      return;
    }
    if (password.length < (mode === 'register' ? MIN_PASSWORD : 1)) {
      setProblem(
        mode === 'register'
          ? `Choose a password of at least ${MIN_PASSWORD} characters.`
          : 'Enter your password.',
      );
      return;
    }
    setProblem(null);
    onSubmit(user, password, mode === 'register');
  };

  const shown = problem ?? error;
  const progress =
    connection.state === 'connecting' || connection.state === 'reconnecting' || connection.state === 'offline'
      ? `Looking for a server${connection.attempt > 0 ? ` (attempt ${connection.attempt + 1})` : ''}…`
      : 'Connecting…';

  return (
    <div className="login">
      <form className="card login-card" onSubmit={submit} aria-describedby={shown ? errorId : undefined}>
        <h1>{mode === 'login' ? 'Log in to Quorum Chat' : 'Create your account'}</h1>
        <p className="muted">
          A chat that keeps every acknowledged message while a minority of its servers fail.
        </p>
        <div className="segmented" role="radiogroup" aria-label="Mode">
          <label className={mode === 'login' ? 'selected' : ''}>
            <input
              type="radio"
              name="mode"
              value="login"
              checked={mode === 'login'}
              onChange={() => setMode('login')}
              disabled={busy}
            />
            Log in
          </label>
          <label className={mode === 'register' ? 'selected' : ''}>
            <input
              type="radio"
              name="mode"
              value="register"
              checked={mode === 'register'}
              onChange={() => setMode('register')}
              disabled={busy}
            />
            Create account
          </label>
        </div>
        <label htmlFor={userId}>User name</label>
        <input
          id={userId}
          name="username"
          value={user}
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          maxLength={32}
          disabled={busy}
          onChange={(event) => setUser(event.target.value)}
        />
        <label htmlFor={passwordId}>Password</label>
        <input
          id={passwordId}
          name="password"
          type="password"
          value={password}
          autoComplete={mode === 'login' ? 'current-password' : 'new-password'}
          maxLength={256}
          disabled={busy}
          onChange={(event) => setPassword(event.target.value)}
        />
        {shown && (
          <p id={errorId} className="form-error" role="alert">
            {shown}
          </p>
        )}
        <div className="form-actions">
          <button type="submit" className="primary" disabled={busy}>
            {busy ? progress : mode === 'login' ? 'Log in' : 'Create account'}
          </button>
          {busy && (
            <button type="button" className="ghost" onClick={onCancel}>
              Cancel
            </button>
          )}
        </div>
      </form>
      <p className="login-aside muted">
        Here to watch Paxos work? The{' '}
        <button type="button" className="link-button" onClick={onOpenCluster}>
          live cluster view
        </button>{' '}
        works without logging in.
      </p>
    </div>
  );
}
