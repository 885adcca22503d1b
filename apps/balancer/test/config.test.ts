import { describe, expect, it } from 'vitest';
import { DEFAULT_WEB_DIR, parseConfig } from '../src/config.js';

const ok = (argv: string[], env: Record<string, string> = {}) => {
  const result = parseConfig(argv, env);
  if (result.kind !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(result)}`);
  return result.config;
};
const error = (argv: string[], env: Record<string, string> = {}) => {
  const result = parseConfig(argv, env);
  if (result.kind !== 'error') throw new Error(`expected an error, got ${result.kind}`);
  return result.message;
};

describe('parseConfig', () => {
  it('has sensible defaults', () => {
    const config = ok(['--cluster-size', '3', '--cluster-secret', 's']);
    expect(config).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      servers: [1, 2, 3],
      clusterSecret: 's',
      heartbeatMs: 200,
      deadAfterMs: 1000,
      logLevel: 'info',
      webDir: DEFAULT_WEB_DIR,
    });
    expect(config.balancerId).toMatch(/^balancer-[0-9a-f]{8}$/);
    expect(DEFAULT_WEB_DIR).toMatch(/apps[/\\]web[/\\]dist$/);
  });

  it('reads every flag', () => {
    const config = ok([
      '--port=0',
      '--host',
      '0.0.0.0',
      '--servers',
      '5,2,9',
      '--cluster-secret',
      'x',
      '--heartbeat-ms',
      '100',
      '--dead-after-ms',
      '700',
      '--id',
      'b1',
      '--log-level',
      'debug',
      '--web-dir',
      '/tmp/web',
    ]);
    expect(config).toEqual({
      port: 0,
      host: '0.0.0.0',
      servers: [2, 5, 9],
      clusterSecret: 'x',
      heartbeatMs: 100,
      deadAfterMs: 700,
      balancerId: 'b1',
      logLevel: 'debug',
      webDir: '/tmp/web',
    });
  });

  it('falls back to environment variables, flags winning', () => {
    const env = { QUORUM_CLUSTER_SECRET: 'from-env', QUORUM_CLUSTER_SIZE: '5', QUORUM_BALANCER_PORT: '9000' };
    expect(ok([], env)).toMatchObject({ clusterSecret: 'from-env', servers: [1, 2, 3, 4, 5], port: 9000 });
    expect(ok(['--cluster-secret', 'flag', '--port', '1'], env)).toMatchObject({
      clusterSecret: 'flag',
      port: 1,
    });
  });

  it('requires a secret and a membership', () => {
    expect(error(['--cluster-size', '3'])).toMatch(/QUORUM_CLUSTER_SECRET/);
    expect(error(['--cluster-size', '3'], { QUORUM_CLUSTER_SECRET: '' })).toMatch(/secret is required/);
    expect(error(['--cluster-secret', 's'])).toMatch(/--servers/);
  });

  it('rejects bad values with a clear message', () => {
    const base = ['--cluster-secret', 's'];
    expect(error([...base, '--servers', '1,2', '--cluster-size', '3'])).toMatch(/either/);
    expect(error([...base, '--servers', '1,1'])).toMatch(/twice/);
    expect(error([...base, '--servers', '1,x'])).toMatch(/whole number/);
    expect(error([...base, '--servers', '0'])).toMatch(/between 1 and 65535/);
    expect(error([...base, '--cluster-size', '8'])).toMatch(/between 1 and 7/);
    expect(error([...base, '--cluster-size', '3', '--port', '70000'])).toMatch(/--port/);
    expect(error([...base, '--cluster-size', '3', '--dead-after-ms', '100'])).toMatch(/greater than/);
    expect(error([...base, '--cluster-size', '3', '--log-level', 'loud'])).toMatch(/--log-level/);
    expect(error([...base, '--cluster-size', '3', '--bogus'])).toMatch(/bogus/);
    expect(error([...base, '--cluster-size', '3', '--id', 'x'.repeat(65)])).toMatch(/64/);
  });

  it('prints help', () => {
    const result = parseConfig(['--help'], {});
    expect(result.kind).toBe('help');
    if (result.kind === 'help') expect(result.text).toContain('--cluster-secret');
  });
});
