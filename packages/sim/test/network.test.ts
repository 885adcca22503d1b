import type { PeerMessage } from '@quorum/protocol';
import { describe, expect, it } from 'vitest';
import { Network, parsePhaseDelays } from '../src/network.js';
import { Prng } from '../src/prng.js';

const accept: PeerMessage = {
  type: 'accept',
  from: 1,
  ballot: { round: 1, node: 1 },
  entries: [{ slot: 1, value: { commands: [] } }],
  committed: 0,
};
const heartbeat: PeerMessage = { type: 'heartbeat', from: 1, ballot: { round: 1, node: 1 }, committed: 0 };
const promise: PeerMessage = {
  type: 'promise',
  from: 2,
  ballot: { round: 2, node: 1 },
  accepted: [{ slot: 3, ballot: { round: 1, node: 1 }, value: { commands: [] } }],
  committed: 2,
  incarnation: 0,
  incarnations: [],
};

describe('Network', () => {
  it('delays within the configured range and copies messages as JSON', () => {
    const net = new Network(new Prng(1), { delay: { min: 5, max: 7 }, dropRate: 0, duplicateRate: 0 });
    for (let i = 0; i < 200; i++) {
      const [d] = net.send(1, 2, accept);
      expect(d).toBeDefined();
      expect(d?.delay).toBeGreaterThanOrEqual(5);
      expect(d?.delay).toBeLessThan(7);
      expect(JSON.parse(d?.text ?? '')).toEqual(accept);
    }
    expect(net.stats.sent.get('accept')).toBe(200);
  });

  it('drops and duplicates at about the configured rates', () => {
    const net = new Network(new Prng(2), { delay: { min: 1, max: 10 }, dropRate: 0.05, duplicateRate: 0.1 });
    let delivered = 0;
    for (let i = 0; i < 10_000; i++) delivered += net.send(1, 2, heartbeat).length;
    expect(net.stats.dropped).toBeGreaterThan(400);
    expect(net.stats.dropped).toBeLessThan(600);
    expect(net.stats.duplicated).toBeGreaterThan(800);
    expect(delivered).toBe(10_000 - net.stats.dropped + net.stats.duplicated);
  });

  it('cuts links one way or both ways, and heals them', () => {
    const net = new Network(new Prng(3));
    net.block(1, 2);
    expect(net.send(1, 2, heartbeat)).toEqual([]);
    expect(net.send(2, 1, heartbeat)).toHaveLength(1);
    expect(net.canDeliver(1, 2)).toBe(false);
    net.partition([3], [1, 2]);
    expect(net.isBlocked(3, 1) && net.isBlocked(1, 3) && net.isBlocked(2, 3)).toBe(true);
    net.join([3], [1]);
    expect(net.isBlocked(3, 1) || net.isBlocked(1, 3)).toBe(false);
    expect(net.isBlocked(3, 2)).toBe(true);
    net.clearPartitions();
    expect(net.partitioned).toBe(false);
  });

  it("adds a replica's phase delay to its own messages of that phase only", () => {
    const net = new Network(new Prng(4), { delay: { min: 1, max: 1 }, dropRate: 0, duplicateRate: 0 });
    net.setPhaseDelays(1, parsePhaseDelays('p:100::a:200::c:300'));
    expect(net.send(1, 2, accept)[0]?.delay).toBe(201);
    expect(net.send(1, 2, heartbeat)[0]?.delay).toBe(1);
    expect(net.send(2, 1, promise)[0]?.delay).toBe(1);
    net.heal();
    expect(net.send(1, 2, accept)[0]?.delay).toBeGreaterThanOrEqual(1);
    expect(net.send(1, 2, accept)[0]?.delay).toBeLessThanOrEqual(10);
  });

  it('runs filters on a private copy: they may rewrite or drop, never touch the original', () => {
    const strip = (_f: number, _t: number, m: PeerMessage): PeerMessage | null =>
      m.type === 'promise' ? { ...m, accepted: [] } : m.type === 'heartbeat' ? null : m;
    const net = new Network(new Prng(5), undefined, [strip]);
    const [d] = net.send(2, 1, promise);
    expect(JSON.parse(d?.text ?? '').accepted).toEqual([]);
    expect(promise.type === 'promise' && promise.accepted.length).toBe(1);
    expect(net.send(1, 2, heartbeat)).toEqual([]);
    expect(net.stats.filtered).toBe(1);
    net.addFilter('no-accepts', (_f, _t, m) => (m.type === 'accept' ? null : m));
    expect(net.send(1, 2, accept)).toEqual([]);
    net.heal();
    expect(net.send(1, 2, accept)).toHaveLength(1);
    expect(net.send(1, 2, heartbeat)).toEqual([]); // a permanent (variant) filter survives the heal
  });

  it("parses the seed's fault modes", () => {
    expect(parsePhaseDelays('p:10::a:20::c:30')).toEqual({ prepare: 10, accept: 20, commit: 30 });
    expect(parsePhaseDelays('d:0')).toEqual({ prepare: 0, accept: 0, commit: 0 });
    expect(parsePhaseDelays('a:5')).toEqual({ accept: 5 });
    expect(() => parsePhaseDelays('x:1')).toThrow(/unknown phase/);
    expect(() => parsePhaseDelays('p:-1')).toThrow(/bad phase delay/);
  });
});
