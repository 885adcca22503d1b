import { describe, expect, it } from 'vitest';
import { DEFAULT_BALANCER, parseCli } from '../src/cli.js';

describe('parseCli', () => {
  it('has defaults', () => {
    expect(parseCli(['--name', 'alice'])).toEqual({
      kind: 'run',
      options: {
        name: 'alice',
        password: null,
        register: false,
        balancers: [DEFAULT_BALANCER],
        room: 'general',
        stateFile: null,
      },
    });
  });

  it('takes repeated and comma-separated balancers, a room, a state file, --register', () => {
    const parsed = parseCli([
      '--name',
      'bob',
      '--register',
      '--balancer',
      'http://a:1,http://b:2',
      '--balancer',
      'http://c:3',
      '--room',
      '#dev',
      '--state-file',
      '/tmp/x.json',
    ]);
    expect(parsed).toMatchObject({
      kind: 'run',
      options: {
        register: true,
        balancers: ['http://a:1', 'http://b:2', 'http://c:3'],
        room: 'dev',
        stateFile: '/tmp/x.json',
      },
    });
  });

  it('reads the password from --password or QUORUM_PASSWORD', () => {
    expect(parseCli(['--name', 'a', '--password', 'pw'], { QUORUM_PASSWORD: 'env' })).toMatchObject({
      options: { password: 'pw' },
    });
    expect(parseCli(['--name', 'a'], { QUORUM_PASSWORD: 'env' })).toMatchObject({
      options: { password: 'env' },
    });
  });

  it('allows no --name (a saved session is used)', () => {
    expect(parseCli([])).toMatchObject({ kind: 'run', options: { name: null } });
  });

  it('refuses bad input with a message', () => {
    expect(parseCli(['--help'])).toEqual({ kind: 'help' });
    expect(parseCli(['-h'])).toEqual({ kind: 'help' });
    expect(parseCli(['--nmae', 'x']).kind).toBe('error');
    expect(parseCli(['--name', 'bad name']).kind).toBe('error');
    expect(parseCli(['--name', 'a', '--room', 'a.b']).kind).toBe('error');
    expect(parseCli(['--name', 'a', '--balancer', 'ftp://x']).kind).toBe('error');
    expect(parseCli(['--name', 'a', '--balancer', 'not a url']).kind).toBe('error');
    expect(parseCli(['--register']).kind).toBe('error');
    expect(parseCli(['stray']).kind).toBe('error');
  });
});
