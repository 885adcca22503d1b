import type { MachineNote } from './machine.js';

export type Cell = string | number | null;

export interface Table {
  readonly title: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly Cell[])[];
}

export interface BenchResult {
  readonly name: string;
  readonly title: string;
  readonly startedAt: string;
  readonly durationS: number;
  readonly machine: MachineNote;
  readonly options: Readonly<Record<string, unknown>>;
  readonly tables: readonly Table[];
  readonly notes: readonly string[];
  /** Everything measured, for later analysis. */
  readonly data: unknown;
}

/** A number for a table: fixed decimals for small values, thousands unseparated (copy-paste friendly). */
export function fmt(value: number | null | undefined, decimals = 1): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '-';
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 1000) return String(Math.round(value));
  return value.toFixed(decimals);
}

/** µs -> ms with sensible precision. */
export function ms(us: number | null | undefined): string {
  if (us === null || us === undefined || Number.isNaN(us)) return '-';
  const v = us / 1000;
  return v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : String(Math.round(v));
}

export function mib(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || Number.isNaN(bytes)) return '-';
  return (bytes / 1024 / 1024).toFixed(1);
}

/** A Markdown table (GitHub style), numbers right-aligned. */
export function renderTable(table: Table): string {
  const cells = table.rows.map((row) => row.map((c) => (c === null ? '-' : String(c))));
  const widths = table.columns.map((c, i) => Math.max(c.length, 3, ...cells.map((r) => (r[i] ?? '').length)));
  const numeric = table.columns.map((_, i) =>
    cells.every((r) => r[i] === undefined || r[i] === '-' || r[i] === '' || /^-?[\d.]+%?$/.test(r[i] ?? '')),
  );
  const pad = (s: string, i: number) => (numeric[i] ? s.padStart(widths[i]!) : s.padEnd(widths[i]!));
  const line = (r: readonly string[]) => `| ${r.map((s, i) => pad(s, i)).join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (numeric[i] ? `${'-'.repeat(w - 1)}:` : `:${'-'.repeat(w - 1)}`)).join(' | ')} |`;
  return [`**${table.title}**`, '', line(table.columns), rule, ...cells.map(line)].join('\n');
}

export function renderResult(result: BenchResult): string {
  const m = result.machine;
  const parts = [
    `### ${result.title}`,
    '',
    `_${m.cores} cores (${m.cpuModel}), ${mib(m.totalMemoryBytes)} MiB, Node ${m.node}; load average ` +
      `${m.loadAvgStart.join(' ')} at start, ${m.loadAvgEnd?.join(' ') ?? '?'} at end; ${result.durationS.toFixed(0)} s_`,
    '',
  ];
  for (const table of result.tables) parts.push(renderTable(table), '');
  for (const note of result.notes) parts.push(`- ${note}`);
  return parts.join('\n');
}
