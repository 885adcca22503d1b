import type { ReplicaStatusView } from '@quorum/paxos';
import type { PaxosValue } from '@quorum/protocol';
import type { Network } from './network.js';
import type { RunParams } from './params.js';
import type { Prng } from './prng.js';

/** What a fault schedule may look at and do while the fault phase runs. */
export interface FaultControl {
  readonly n: number;
  /** Failures tolerated: n = 2f + 1. */
  readonly f: number;
  readonly members: readonly number[];
  readonly params: Readonly<RunParams>;
  /** The fault phase ends (and the heal starts) at this simulated time. */
  readonly faultEnd: number;
  readonly network: Network;
  now(): number;
  /** Runs `action` at simulated time `time` (ignored at or after `faultEnd`). */
  at(time: number, action: () => void): void;
  /** The live replica leading at the highest ballot, if any. */
  leader(): number | null;
  up(): number[];
  down(): number[];
  isUp(id: number): boolean;
  /** Crash: the replica loses everything not on its disk (including a write in progress). */
  crash(id: number): void;
  /** Restart from the disk. */
  restart(id: number): void;
  /** The disk is lost: kill, new empty disk (a higher incarnation), restart. */
  wipe(id: number): void;
  /** Replicas whose disk has not finished recovery, up or down: they do not vote. */
  recovering(): number[];
  /**
   * A liveness bound checked at the end of the run: some client command must be acknowledged
   * within `withinMs` of now (a violation otherwise).
   */
  requireProgress(label: string, withinMs: number): void;
  /** Stops the replica's process for `ms` (SIGSTOP, then SIGCONT): its inputs wait, nothing is lost. */
  pause(id: number, ms: number): void;
  status(id: number): ReplicaStatusView | null;
  /** True while the replica's host has a durable write in progress (a crash now loses it). */
  persisting(id: number): boolean;
  /** Highest slot any replica has learned chosen. */
  chosenMax(): number;
  chosen(slot: number): PaxosValue | undefined;
  /** Records a number for tests (e.g. which slot was skipped). */
  mark(name: string, value: number): void;
  note(text: string): void;
}

/** A named, seedable fault schedule. */
export interface Schedule {
  readonly name: string;
  readonly summary: string;
  /** Adjusts the run's parameters for this schedule (before anything runs). */
  readonly tune?: (params: RunParams, n: number, rng: Prng) => void;
  /** Plans the faults of the fault phase (usually with `ctl.at`). */
  readonly plan: (ctl: FaultControl, rng: Prng) => void;
}
