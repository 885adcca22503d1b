import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import {
  AssignResponse,
  AssignUnavailable,
  BalancerError,
  ClusterStatus,
  ERROR_CODES,
  isRetryable,
  PEER_AUTH_HEADERS,
} from '../src/index.js';
import * as limits from '../src/limits.js';
import { CODECS } from './support/codecs.js';

/**
 * docs/protocol.md is the spec for clients in other languages: keep it true. Every kind, error
 * code, limit and header is named there; every JSON example is valid; the MAC examples verify.
 */

const doc = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');
const examples = [...doc.matchAll(/```json\n([\s\S]*?)\n```/g)].map((m) => m[1]!);
const HTTP_BODIES: TSchema[] = [AssignResponse, AssignUnavailable, ClusterStatus];
const SECRET = 'cluster-secret';

/** Which codecs (by name) accept a value, plus "http" for the HTTP bodies. */
function acceptedBy(value: unknown): string[] {
  const names = CODECS.filter((c) => c.codec.check(value).ok).map((c) => c.name);
  if (HTTP_BODIES.some((schema) => Value.Check(schema, value))) names.push('http');
  return names;
}

describe('docs/protocol.md', () => {
  it('has only valid JSON examples', () => {
    expect(examples.length).toBeGreaterThan(50);
    for (const example of examples) {
      const value = JSON.parse(example) as unknown;
      expect(acceptedBy(value), example).not.toEqual([]);
    }
  });

  it('has an example of every message kind', () => {
    const values = examples.map((e) => JSON.parse(e) as Record<string, unknown>);
    for (const c of CODECS) {
      const seen = new Set(values.filter((v) => c.codec.check(v).ok).map((v) => v[c.key]));
      for (const kind of c.codec.kinds) expect(seen.has(kind), `${c.name} ${kind}`).toBe(true);
    }
  });

  it('names every message kind, error code, limit and auth header', () => {
    for (const c of CODECS) for (const kind of c.codec.kinds) expect(doc).toContain(`\`${kind}\``);
    for (const name of Object.keys(limits)) expect(doc, name).toContain(`\`${name}\``);
    for (const header of Object.values(PEER_AUTH_HEADERS)) expect(doc).toContain(`\`${header}\``);
    for (const code of BalancerError.properties.code.anyOf.map((l) => l.const))
      expect(doc).toContain(`\`${code}\``);
  });

  it('states every limit with its value', () => {
    for (const [name, value] of Object.entries(limits)) {
      if (typeof value === 'number') {
        expect(doc, name).toMatch(new RegExp(`\\| \`${name}\` +\\| ${value}\\b`));
      } else {
        expect(doc, name).toContain(`\`${value}\``);
      }
    }
  });

  it('lists every error code with its retryable flag', () => {
    for (const code of Object.keys(ERROR_CODES) as (keyof typeof ERROR_CODES)[]) {
      expect(doc, code).toMatch(new RegExp(`\\| \`${code}\` +\\| ${isRetryable(code) ? 'yes' : 'no'} +\\|`));
    }
  });

  it('gives MAC examples that verify', () => {
    const register = examples
      .map((e) => JSON.parse(e) as Record<string, unknown>)
      .find((v) => v.type === 'register' && 'mac' in v)!;
    const { id, url, ts, nonce, mac } = register;
    const expected = createHmac('sha256', SECRET)
      .update(`quorum-register|${id}|${url}|${ts}|${nonce}`)
      .digest('hex');
    expect(mac).toBe(expected);

    const headers = Object.fromEntries(
      [...doc.matchAll(/^(x-quorum-peer-[a-z]+): (\S+)$/gm)].map((m) => [m[1]!, m[2]!] as const),
    );
    const h = (field: keyof typeof PEER_AUTH_HEADERS) => headers[PEER_AUTH_HEADERS[field]];
    const clusterId = /^x-quorum-cluster-id: (\S+)$/m.exec(doc)?.[1];
    expect(clusterId).toBeDefined();
    const peerMac = createHmac('sha256', SECRET)
      .update(`quorum-peer|${h('from')}|${h('to')}|${h('ts')}|${h('nonce')}|${clusterId}`)
      .digest('hex');
    expect(h('mac')).toBe(peerMac);
  });
});
