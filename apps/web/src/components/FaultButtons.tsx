import { FAULT_PRESETS } from '../lib/faults.js';
import { serverHttpBase } from '../lib/urls.js';
import type { ReplicaRow } from '../state/cluster-model.js';

export interface FaultStatus {
  readonly busy: boolean;
  readonly text: string;
  readonly ok: boolean;
}

/** Preset faults for one server (POST /admin/faults). */
export function FaultButtons({
  row,
  status,
  onFault,
}: {
  row: ReplicaRow;
  status: FaultStatus | undefined;
  onFault: (row: ReplicaRow, spec: string, label: string) => void;
}) {
  const base = serverHttpBase(row.url);
  const down = row.health === 'down';
  return (
    <fieldset className="faults">
      <legend className="sr-only">Inject faults into server {row.id}</legend>
      <div className="fault-buttons">
        {FAULT_PRESETS.map((preset) => (
          <button
            key={preset.id}
            type="button"
            className={`small ${preset.id === 'heal' ? 'heal' : 'fault'}`}
            title={`${preset.explain} (spec "${preset.spec}")`}
            disabled={base === null || down || status?.busy === true}
            onClick={() => onFault(row, preset.spec, preset.label)}
          >
            {preset.label}
          </button>
        ))}
      </div>
      <p className={`fault-status ${status?.ok === false ? 'error-text' : ''}`} role="status">
        {base === null
          ? 'Address unknown (never registered).'
          : down
            ? 'Down: nothing to inject until it is back.'
            : (status?.text ?? '')}
      </p>
    </fieldset>
  );
}
