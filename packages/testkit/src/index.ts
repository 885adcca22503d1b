export * from './cluster.js';
export * from './ports.js';
export * from './pty.js';
export * from './raw-client.js';
export * from './wait.js';
