import type { Table } from './report.js';

export interface Context {
  readonly quick: boolean;
  /** Load-generator processes. */
  readonly workers: number;
  /** Extra server flags for every cluster of the run (`--retain-per-room N`). */
  readonly serverArgs: readonly string[];
  /** Where this run writes its JSON (and profiles). */
  readonly resultsDir: string;
  readonly stamp: string;
  log(message: string): void;
}

export interface Outcome {
  readonly options: Readonly<Record<string, unknown>>;
  readonly tables: readonly Table[];
  readonly notes: readonly string[];
  readonly data: unknown;
}

export interface Benchmark {
  readonly name: string;
  readonly title: string;
  run(ctx: Context): Promise<Outcome>;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
