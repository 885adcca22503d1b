import type { Static } from '@sinclair/typebox';
import { describe, expectTypeOf, it } from 'vitest';
import {
  type BalancerToServer,
  type Ballot,
  balancerToServer,
  type ChatMessage,
  type ClientToServer,
  type ClientToServerOf,
  type ClientToServerType,
  type Codec,
  type Command,
  type CommandOp,
  clientToServer,
  commands,
  type DecodeResult,
  type ERROR_CODES,
  type ErrorCode,
  type ErrorCodeValue,
  type GossipMessage,
  gossipMessages,
  isRetryable,
  type PaxosPhase,
  type PaxosValue,
  type PeerMessage,
  type PeerMessageOf,
  type PeerMessageType,
  type ProtocolError,
  peerMessages,
  phaseOf,
  type ReplicaStatus,
  type ServerToBalancer,
  type ServerToClient,
  type ServerToClientOf,
  type ServerToClientType,
  serverToBalancer,
  serverToClient,
  type Welcome,
} from '../src/index.js';

/**
 * The static types: checked by `tsc -p tsconfig.check.json` (these assertions do nothing at run
 * time). The exact kind lists make a change to a union a deliberate, visible act.
 */

type OkValue<R> = Extract<R, { ok: true }> extends { value: infer V } ? V : never;

describe('static types', () => {
  it('gives each codec the union it was built from', () => {
    expectTypeOf(clientToServer).toEqualTypeOf<Codec<ClientToServer>>();
    expectTypeOf(serverToClient).toEqualTypeOf<Codec<ServerToClient>>();
    expectTypeOf(peerMessages).toEqualTypeOf<Codec<PeerMessage>>();
    expectTypeOf(serverToBalancer).toEqualTypeOf<Codec<ServerToBalancer>>();
    expectTypeOf(balancerToServer).toEqualTypeOf<Codec<BalancerToServer>>();
    expectTypeOf(commands).toEqualTypeOf<Codec<Command>>();
    expectTypeOf(clientToServer.decode).returns.toEqualTypeOf<DecodeResult<ClientToServer>>();
    expectTypeOf<OkValue<ReturnType<typeof clientToServer.decode>>>().toEqualTypeOf<ClientToServer>();
    expectTypeOf<OkValue<ReturnType<typeof peerMessages.check>>>().toEqualTypeOf<PeerMessage>();
    expectTypeOf(serverToClient.encode).parameter(0).toEqualTypeOf<ServerToClient>();
    expectTypeOf(clientToServer.kinds).toEqualTypeOf<readonly string[]>();
  });

  it('narrows a decode result on ok', () => {
    const result = clientToServer.decode('{"type":"ping","rid":1}');
    if (result.ok) {
      expectTypeOf(result.value).toEqualTypeOf<ClientToServer>();
      if (result.value.type === 'send') expectTypeOf(result.value).toEqualTypeOf<ClientToServerOf<'send'>>();
    } else {
      expectTypeOf(result.error).toEqualTypeOf<ProtocolError>();
      expectTypeOf(result.error.code).toEqualTypeOf<
        'frame_too_large' | 'malformed_frame' | 'unknown_type' | 'invalid_message'
      >();
      expectTypeOf(result.error.path).toEqualTypeOf<string | undefined>();
    }
  });

  it('types the client messages', () => {
    expectTypeOf<ClientToServerType>().toEqualTypeOf<
      | 'hello'
      | 'register'
      | 'login'
      | 'resume_session'
      | 'logout'
      | 'join'
      | 'leave'
      | 'send'
      | 'react'
      | 'history'
      | 'resume'
      | 'typing'
      | 'set_display_name'
      | 'rooms'
      | 'who'
      | 'cluster_info'
      | 'ping'
    >();
    expectTypeOf<ClientToServerOf<'send'>>().toEqualTypeOf<{
      type: 'send';
      rid: number;
      room: string;
      clientId: string;
      seq: number;
      text: string;
    }>();
    expectTypeOf<ClientToServerOf<'send'>['clientId']>().toEqualTypeOf<string>();
    expectTypeOf<ClientToServerOf<'send'>['seq']>().toEqualTypeOf<number>();
    expectTypeOf<ClientToServerOf<'history'>['before']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<ClientToServerOf<'hello'>>().toHaveProperty('version').toEqualTypeOf<number>();
    expectTypeOf<ClientToServerOf<'cluster_info'>['watch']>().toEqualTypeOf<boolean | undefined>();
    expectTypeOf<ClientToServerOf<'typing'>>().not.toHaveProperty('rid');
  });

  it('types the server messages', () => {
    expectTypeOf<ServerToClientType>().toEqualTypeOf<
      | 'welcome'
      | 'auth_ok'
      | 'ok'
      | 'joined'
      | 'ack'
      | 'message'
      | 'history_page'
      | 'resume_result'
      | 'reaction'
      | 'membership'
      | 'presence'
      | 'typing'
      | 'room_list'
      | 'who_result'
      | 'display_name'
      | 'cluster'
      | 'pong'
      | 'error'
    >();
    expectTypeOf<ServerToClientOf<'ack'>>().toMatchObjectType<{
      rid: number;
      clientId: string;
      seq: number;
      position: number;
    }>();
    expectTypeOf<ServerToClientOf<'message'>['message']>().toEqualTypeOf<ChatMessage>();
    expectTypeOf<ServerToClientOf<'resume_result'>['messages']>().toEqualTypeOf<ChatMessage[]>();
    expectTypeOf<ServerToClientOf<'error'>['code']>().toEqualTypeOf<ErrorCode>();
    expectTypeOf<ServerToClientOf<'error'>['rid']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<ServerToClientOf<'welcome'>['leaderId']>().toEqualTypeOf<number | null>();
    expectTypeOf<ServerToClientOf<'cluster'>['replicas']>().toEqualTypeOf<ReplicaStatus[]>();
    expectTypeOf<Static<typeof Welcome>>().toEqualTypeOf<ServerToClientOf<'welcome'>>();
  });

  it('includes every Paxos message in PeerMessage', () => {
    expectTypeOf<PeerMessageType>().toEqualTypeOf<
      | 'prepare'
      | 'promise'
      | 'accept'
      | 'accepted'
      | 'commit'
      | 'nack'
      | 'heartbeat'
      | 'heartbeat_ack'
      | 'forward'
      | 'read_index_req'
      | 'read_index_resp'
      | 'catchup_req'
      | 'catchup'
      | 'snapshot_req'
      | 'snapshot_chunk'
      | 'recover'
      | 'recover_ack'
    >();
    expectTypeOf<
      'prepare' | 'promise' | 'accept' | 'accepted' | 'commit' | 'nack'
    >().toExtend<PeerMessageType>();
    expectTypeOf<PeerMessageOf<'prepare'>>().toEqualTypeOf<{
      type: 'prepare';
      from: number;
      ballot: Ballot;
      fromSlot: number;
    }>();
    expectTypeOf<PeerMessageOf<'accept'>['entries'][number]['value']>().toEqualTypeOf<PaxosValue>();
    expectTypeOf<PeerMessageOf<'forward'>['commands']>().toEqualTypeOf<Command[]>();
    expectTypeOf<PeerMessageOf<'read_index_resp'>['index']>().toEqualTypeOf<number | null>();
    expectTypeOf<PeerMessageOf<'heartbeat'>['readId']>().toEqualTypeOf<number | undefined>();
    expectTypeOf(phaseOf).parameter(0).toEqualTypeOf<PeerMessageType>();
    expectTypeOf(phaseOf).returns.toEqualTypeOf<PaxosPhase>();
    expectTypeOf<Ballot>().toEqualTypeOf<{ round: number; node: number }>();
    expectTypeOf(gossipMessages).toEqualTypeOf<Codec<GossipMessage>>();
    expectTypeOf<GossipMessage['type']>().toEqualTypeOf<
      'presence' | 'typing' | 'status' | 'archive_req' | 'archive_page'
    >();
  });

  it('types the commands and the error codes', () => {
    expectTypeOf<CommandOp>().toEqualTypeOf<
      | 'post'
      | 'react'
      | 'register'
      | 'open_session'
      | 'close_session'
      | 'join'
      | 'leave'
      | 'set_display_name'
      | 'set_password_hash'
    >();
    expectTypeOf<PaxosValue>().toEqualTypeOf<{ commands: Command[] }>();
    expectTypeOf<ErrorCode>().toEqualTypeOf<keyof typeof ERROR_CODES>();
    expectTypeOf<ErrorCodeValue>().toEqualTypeOf<ErrorCode>();
    expectTypeOf<ErrorCode>().toEqualTypeOf<
      | 'frame_too_large'
      | 'malformed_frame'
      | 'unknown_type'
      | 'invalid_message'
      | 'unsupported_version'
      | 'hello_required'
      | 'not_authenticated'
      | 'already_authenticated'
      | 'auth_failed'
      | 'user_exists'
      | 'session_invalid'
      | 'unknown_room'
      | 'not_member'
      | 'too_many_rooms'
      | 'text_too_long'
      | 'unknown_message'
      | 'rate_limited'
      | 'unavailable'
      | 'timeout'
      | 'shutting_down'
      | 'slow_consumer'
      | 'too_many_connections'
      | 'forbidden'
      | 'quota_exceeded'
      | 'seq_expired'
      | 'internal'
    >();
    expectTypeOf(isRetryable).parameter(0).toEqualTypeOf<ErrorCode>();
    expectTypeOf<ProtocolError['code']>().toExtend<ErrorCode>();
  });
});
