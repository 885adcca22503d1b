import { QuorumClient } from '@quorum/client';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App, type AppDeps } from './App.js';
import type { LockManagerLike } from './lib/identity.js';
import { balancerUrlFrom } from './lib/urls.js';
import './styles.css';

const deps: AppDeps = {
  createClient: (options) => new QuorumClient(options),
  balancerUrl: balancerUrlFrom(window.location),
  storage: window.localStorage,
  sessionStorage: window.sessionStorage,
  locks: (navigator.locks as LockManagerLike | undefined) ?? null,
  now: () => Date.now(),
  fetch: (input, init) => fetch(input, init),
};

const root = document.getElementById('root');
if (root === null) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <App deps={deps} />
  </StrictMode>,
);
