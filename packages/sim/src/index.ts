/**
 * @quorum/sim: a deterministic simulator for the Multi-Paxos replica. One seed drives N
 * replicas, their disks, the network, the clients and a fault schedule; checkers verify
 * agreement, ordering, prefix consistency, durability, exactly-once effect, read freshness and
 * liveness after the heal.
 */
export * from './canonical.js';
export * from './checkers/index.js';
export { type DiskMode, SimDisk } from './disk.js';
export { EventQueue } from './event-queue.js';
export * from './network.js';
export { defaultParams, type RunParams } from './params.js';
export { hashString, Prng } from './prng.js';
export * from './run.js';
export type { FaultControl, Schedule } from './schedule.js';
export { PHASE_MODES, SCHEDULE_NAMES, SCHEDULES, scheduleByName } from './schedules.js';
export * from './simulation.js';
export { type ApplyOutcome, commandKey, RegisterMachine } from './state-machine.js';
export { isVariant, VARIANTS, type VariantName, variantSetup } from './variants.js';
