export { type BalancerOptions, createBalancer } from './app.js';
export {
  createRegistrationVerifier,
  DEFAULT_MAX_CLOCK_SKEW_MS,
  NonceCache,
  type RegistrationClaim,
  type RegistrationRefusal,
  registrationMac,
  registrationPayload,
} from './auth.js';
export { CLOSE_POLICY_VIOLATION, CLOSE_REPLACED } from './cluster-socket.js';
export { type BalancerConfig, parseConfig } from './config.js';
export { compareBallots, pickLeader } from './leader.js';
export { type AssignResult, Registry, type ServerReport } from './registry.js';
