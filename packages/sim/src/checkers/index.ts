export * from './agreement.js';
export * from './durability.js';
export * from './liveness.js';
export * from './once.js';
export * from './order.js';
export * from './prefix.js';
export * from './reads.js';
export * from './types.js';
