/**
 * The part of `QuorumClient` the TUI uses. The controller talks to this type so tests can drive
 * it with a fake; `main.ts` passes the real client.
 */

import type { QuorumClient, QuorumClientOptions } from '@quorum/client';

export type ChatClient = Pick<
  QuorumClient,
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
  | 'setDisplayName'
  | 'clusterInfo'
  | 'history'
  | 'clientId'
  | 'nextSeq'
  | 'positions'
  | 'joinedRooms'
  | 'token'
  | 'pending'
>;

export type ClientFactory = (options: QuorumClientOptions) => ChatClient;
