import { globalWebSocketFactory, QuorumClient } from '@quorum/client';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App, type AppDeps } from './App.js';
import { createDoors } from './lib/doors.js';
import { injectFault } from './lib/faults.js';
import type { LockManagerLike } from './lib/identity.js';
import { balancerUrlFrom, ignoredBalancer } from './lib/urls.js';
import './styles.css';

const webSocket = globalWebSocketFactory();
if (webSocket === null) throw new Error('this browser has no WebSocket');
const ignored = ignoredBalancer(window.location);
if (ignored !== null) {
  console.warn(`Ignoring ?balancer=${ignored}: this page talks only to the balancer that served it.`);
}
// Every request and socket of the page goes through these (see lib/doors.ts).
const doors = createDoors(window.location.origin, (input, init) => fetch(input, init), webSocket);

const deps: AppDeps = {
  createClient: (options) =>
    new QuorumClient({ ...options, fetch: doors.balancerFetch, webSocketFactory: doors.openSocket }),
  balancerUrl: balancerUrlFrom(window.location),
  storage: window.localStorage,
  sessionStorage: window.sessionStorage,
  locks: (navigator.locks as LockManagerLike | undefined) ?? null,
  now: () => Date.now(),
  fetch: doors.balancerFetch,
  inject: (base, token, spec) => injectFault(base, token, spec, doors.serverFetch),
};

const root = document.getElementById('root');
if (root === null) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <App deps={deps} />
  </StrictMode>,
);
