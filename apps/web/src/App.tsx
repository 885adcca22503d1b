import { useState } from 'react';
import type { CreateClient } from './client/types.js';
import { ChatView } from './components/ChatView.js';
import { ClusterView, type InjectFault } from './components/ClusterView.js';
import { ConnectionBanner } from './components/ConnectionBanner.js';
import { Header, type Tab } from './components/Header.js';
import { LoginForm } from './components/LoginForm.js';
import { useAdminToken } from './hooks/useAdminToken.js';
import { useChat } from './hooks/useChat.js';
import { useClusterFeed } from './hooks/useClusterFeed.js';
import { NARROW_QUERY, useMediaQuery } from './hooks/useMediaQuery.js';
import { useNow } from './hooks/useNow.js';
import type { LockManagerLike } from './lib/identity.js';
import { replicaRows } from './state/cluster-model.js';

export interface AppDeps {
  readonly createClient: CreateClient;
  readonly balancerUrl: string;
  readonly storage: Storage;
  readonly sessionStorage: Storage;
  readonly locks: LockManagerLike | null;
  readonly now: () => number;
  readonly fetch: typeof fetch;
  readonly inject?: InjectFault;
}

export function App({ deps }: { deps: AppDeps }) {
  const [tab, setTab] = useState<Tab>('chat');
  const narrow = useMediaQuery(NARROW_QUERY);
  const cluster = useClusterFeed(deps.balancerUrl, deps.now, deps.fetch);
  const chat = useChat({
    createClient: deps.createClient,
    balancerUrl: deps.balancerUrl,
    storage: deps.storage,
    locks: deps.locks,
    now: deps.now,
    cluster: cluster.dispatch,
  });
  const [adminToken, setAdminToken] = useAdminToken(deps.sessionStorage);
  const now = Math.max(useNow(500, deps.now), cluster.model.balancerAt ?? 0, cluster.model.watchAt ?? 0);
  const rows = replicaRows(cluster.model, now);
  const { state } = chat;

  return (
    <div className="app">
      <Header
        tab={tab}
        onTab={setTab}
        state={state}
        leaderId={cluster.model.leaderId ?? state.connection.leaderId}
        onLogout={chat.logout}
      />
      <ConnectionBanner banner={state.banner} />
      <main>
        <div id="panel-chat" role="tabpanel" aria-labelledby="tab-chat" hidden={tab !== 'chat'}>
          {state.phase === 'in' ? (
            <ChatView
              chat={chat}
              rows={rows}
              narrow={narrow}
              visible={tab === 'chat'}
              now={now}
              clock={deps.now}
              onOpenCluster={() => setTab('cluster')}
            />
          ) : (
            <LoginForm
              busy={state.phase === 'starting'}
              connection={state.connection}
              error={state.authError}
              onSubmit={chat.login}
              onCancel={chat.cancel}
              onOpenCluster={() => setTab('cluster')}
            />
          )}
        </div>
        <div id="panel-cluster" role="tabpanel" aria-labelledby="tab-cluster" hidden={tab !== 'cluster'}>
          <ClusterView
            model={cluster.model}
            now={now}
            connectedServerId={state.connection.state === 'connected' ? state.connection.serverId : null}
            adminToken={adminToken}
            onAdminToken={setAdminToken}
            {...(deps.inject ? { inject: deps.inject } : {})}
          />
        </div>
      </main>
    </div>
  );
}
