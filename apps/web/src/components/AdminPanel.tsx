import { type FormEvent, useId, useState } from 'react';
import type { ReplicaRow } from '../state/cluster-model.js';

const SPEC = /^[A-Za-z0-9:.,\s]{1,256}$/;

/** The admin token (this tab only) and a free-form fault spec for one server. */
export function AdminPanel({
  token,
  onToken,
  rows,
  onFault,
}: {
  token: string | null;
  onToken: (token: string | null) => void;
  rows: readonly ReplicaRow[];
  onFault: (row: ReplicaRow, spec: string, label: string) => void;
}) {
  const [draft, setDraft] = useState('');
  const [server, setServer] = useState<number | ''>('');
  const [spec, setSpec] = useState('');
  const [specError, setSpecError] = useState<string | null>(null);
  const tokenId = useId();
  const serverId = useId();
  const specId = useId();

  const saveToken = (event: FormEvent) => {
    event.preventDefault();
    if (draft.trim() !== '') onToken(draft.trim());
    setDraft('');
  };
  const apply = (event: FormEvent) => {
    event.preventDefault();
    const row = rows.find((r) => r.id === server);
    if (row === undefined) {
      setSpecError('Pick a server.');
      return;
    }
    if (!SPEC.test(spec)) {
      setSpecError('A spec looks like a:2, d:0, drop:0.05, jitter:1000, p:1::to:2,3 or none.');
      return;
    }
    setSpecError(null);
    onFault(row, spec.trim(), `custom "${spec.trim()}"`);
  };

  return (
    <section className="admin card" aria-label="Fault injection">
      <h2 className="section-heading">Fault injection</h2>
      {token === null ? (
        <form onSubmit={saveToken} className="admin-token">
          <label htmlFor={tokenId}>Admin token</label>
          <p className="muted small-text">
            Printed by <code>npm start</code>. Kept for this tab only. With it, each server card gets buttons
            to delay, drop or heal its outgoing Paxos messages.
          </p>
          <div className="row">
            <input
              id={tokenId}
              type="password"
              autoComplete="off"
              value={draft}
              onChange={(event) => setDraft(event.target.value)}
            />
            <button type="submit" className="small">
              Use token
            </button>
          </div>
        </form>
      ) : (
        <>
          <p className="muted small-text">
            Admin token set for this tab.{' '}
            <button type="button" className="link-button" onClick={() => onToken(null)}>
              Forget it
            </button>
          </p>
          <form onSubmit={apply} className="custom-fault">
            <div className="field">
              <label htmlFor={serverId}>Server</label>
              <select
                id={serverId}
                value={server}
                onChange={(event) => setServer(event.target.value === '' ? '' : Number(event.target.value))}
              >
                <option value="">choose…</option>
                {rows.map((r) => (
                  <option key={r.id} value={r.id}>
                    Server {r.id}
                  </option>
                ))}
              </select>
            </div>
            <div className="field grow">
              <label htmlFor={specId}>Custom spec</label>
              <input
                id={specId}
                value={spec}
                placeholder="p:1::a:2::to:2,3"
                spellCheck={false}
                autoComplete="off"
                onChange={(event) => setSpec(event.target.value)}
              />
            </div>
            <button type="submit" className="small">
              Apply
            </button>
          </form>
          {specError && <p className="field-error">{specError}</p>}
          <p className="muted small-text">
            <code>p:S</code>/<code>a:S</code>/<code>c:S</code> delay prepare/accept/commit by S seconds ·{' '}
            <code>d:0</code> drop everything · <code>drop:R</code> loss rate · <code>jitter:MS</code> ·{' '}
            <code>to:1,3</code> only toward these peers · <code>none</code> heals. Join parts with{' '}
            <code>::</code>.
          </p>
        </>
      )}
    </section>
  );
}
