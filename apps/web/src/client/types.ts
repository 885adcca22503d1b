import type { QuorumClient, QuorumClientOptions } from '@quorum/client';

/** The part of `QuorumClient` the page uses: tests pass a fake of this shape. */
export type ChatClient = Pick<
  QuorumClient,
  | 'clientId'
  | 'nextSeq'
  | 'serverId'
  | 'on'
  | 'connect'
  | 'close'
  | 'send'
  | 'react'
  | 'typing'
  | 'join'
  | 'leave'
  | 'who'
  | 'rooms'
  | 'history'
  | 'clusterInfo'
  | 'logout'
>;

export type CreateClient = (options: QuorumClientOptions) => ChatClient;
