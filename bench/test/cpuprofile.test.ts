import { describe, expect, it } from 'vitest';
import { type CpuProfile, moduleOf, summarizeProfile } from '../src/cpuprofile.js';

const frame = (functionName: string, url = '', lineNumber = 0) => ({
  functionName,
  url,
  lineNumber,
  columnNumber: 0,
});

describe('summarizeProfile', () => {
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame('(root)'), children: [2, 3, 4] },
      { id: 2, callFrame: frame('(idle)') },
      { id: 3, callFrame: frame('flush', 'file:///work/main/apps/server/dist/driver.js', 9) },
      { id: 4, callFrame: frame('put', 'file:///work/main/node_modules/lmdb/write.js', 99) },
    ],
    startTime: 0,
    endTime: 10_000,
    // samples at t = 0, 1000, 4000, 6000 (µs): durations 1000, 3000, 2000, 4000 (to endTime)
    samples: [2, 3, 4, 3],
    timeDeltas: [0, 1000, 3000, 2000],
  };

  it('attributes each sample the gap to the next one and leaves idle out of the shares', () => {
    const s = summarizeProfile(profile);
    expect(s.wallMs).toBe(10);
    expect(s.idleMs).toBe(1);
    expect(s.busyMs).toBe(9);
    expect(s.functions[0]).toEqual({ name: 'flush apps/server/driver.js:10', selfMs: 7, percent: 77.8 });
    expect(s.functions[1]).toEqual({ name: 'put lmdb/write.js:100', selfMs: 2, percent: 22.2 });
    expect(s.modules.map((m) => m.name)).toEqual(['apps/server', 'lmdb']);
  });
});

describe('moduleOf', () => {
  it('names packages, workspaces and internals', () => {
    expect(moduleOf('file:///x/node_modules/@fastify/websocket/index.js', 'f')).toBe('@fastify/websocket');
    expect(moduleOf('file:///x/packages/paxos/dist/replica.js', 'f')).toBe('@quorum/paxos');
    expect(moduleOf('node:internal/streams/writable', 'f')).toBe('node internals');
    expect(moduleOf('', 'JSON.stringify')).toBe('(V8 builtins / native)');
    expect(moduleOf('', '(garbage collector)')).toBe('(garbage collector)');
  });
});
