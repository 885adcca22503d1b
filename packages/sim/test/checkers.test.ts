import type { Command, PaxosValue } from '@quorum/protocol';
import { describe, expect, it } from 'vitest';
import {
  type Acknowledgement,
  AgreementChecker,
  type ChosenObservation,
  checkAgreement,
  checkDurability,
  checkLiveness,
  checkOnce,
  checkOrder,
  checkPrefixes,
  checkReads,
  type DeliveryEvent,
} from '../src/checkers/index.js';

const cmd = (clientId: string, seq: number): Command => ({
  op: 'post',
  clientId,
  seq,
  ts: 0,
  user: 'u',
  room: 'r',
  text: 'hi',
});
const value = (...keys: [string, number][]): PaxosValue => ({ commands: keys.map(([c, s]) => cmd(c, s)) });
const NOOP: PaxosValue = { commands: [] };
const seen = (
  replica: number,
  slot: number,
  v: PaxosValue,
  time = 0,
  source: ChosenObservation['source'] = 'committed',
): ChosenObservation => ({ time, replica, slot, value: v, source });

describe('agreement checker', () => {
  it('accepts every replica learning the same value per slot', () => {
    const history = [
      seen(1, 1, value(['client-a', 1])),
      seen(2, 1, value(['client-a', 1])),
      seen(3, 1, value(['client-a', 1]), 5, 'persisted'),
      seen(1, 2, NOOP),
      seen(2, 2, { commands: [] }),
    ];
    expect(checkAgreement(history)).toEqual([]);
  });

  it('compares values structurally (key order does not matter)', () => {
    const a = value(['client-a', 1]);
    const c = a.commands[0] as Command;
    const reordered = {
      commands: [
        {
          text: (c as { text: string }).text,
          room: 'r',
          user: 'u',
          ts: 0,
          seq: 1,
          clientId: 'client-a',
          op: 'post',
        },
      ],
    };
    expect(checkAgreement([seen(1, 1, a), seen(2, 1, reordered as PaxosValue)])).toEqual([]);
  });

  it('flags two values chosen for one slot, across replicas and across time', () => {
    const v = checkAgreement([seen(1, 4, value(['client-a', 1]), 10), seen(2, 4, NOOP, 900)]);
    expect(v).toHaveLength(1);
    expect(v[0]?.checker).toBe('agreement');
    expect(v[0]?.message).toMatch(
      /two values chosen for slot 4.*replica 1 committed \[\w+\/client-a#1\].*replica 2 committed no-op/,
    );
  });

  it('flags a persisted chosen record that contradicts a delivered value', () => {
    const v = checkAgreement([
      seen(1, 2, value(['client-a', 1])),
      seen(1, 2, value(['client-b', 1]), 50, 'persisted'),
    ]);
    expect(v[0]?.message).toMatch(/replica 1 persisted/);
  });

  it('remembers the first value per slot', () => {
    const c = new AgreementChecker();
    c.observe(seen(1, 3, NOOP));
    c.observe(seen(2, 1, value(['client-a', 1])));
    expect(c.valueAt(3)).toEqual(NOOP);
    expect(c.slots()).toEqual([1, 3]);
    expect(c.size).toBe(2);
  });
});

describe('order checker (committed in strictly increasing slot order, no gaps)', () => {
  const start = (replica: number, index = 0): DeliveryEvent => ({ kind: 'start', replica, time: 0, index });
  const committed = (replica: number, slot: number): DeliveryEvent => ({
    kind: 'committed',
    replica,
    time: 1,
    slot,
  });
  const install = (replica: number, index: number): DeliveryEvent => ({
    kind: 'install',
    replica,
    time: 1,
    index,
  });

  it('accepts consecutive slots, snapshots ahead, and restarts from scratch', () => {
    const trace = [
      start(1),
      committed(1, 1),
      committed(1, 2),
      install(1, 10),
      committed(1, 11),
      start(1),
      install(1, 10),
      committed(1, 11),
    ];
    expect(checkOrder(trace)).toEqual([]);
  });

  it('flags a gap', () => {
    const v = checkOrder([start(1), committed(1, 1), committed(1, 3)]);
    expect(v[0]?.message).toMatch(/slots 2..2 skipped/);
  });

  it('flags a slot delivered twice or out of order', () => {
    expect(checkOrder([start(2), committed(2, 1), committed(2, 1)])[0]?.message).toMatch(
      /delivered slot 1 again/,
    );
    expect(checkOrder([start(2), committed(2, 1), committed(2, 2), committed(2, 1)])).toHaveLength(1);
  });

  it('flags a delivery before the state machine started, and a snapshot that goes backwards', () => {
    expect(checkOrder([committed(3, 1)])[0]?.message).toMatch(/before it started/);
    expect(checkOrder([start(3), committed(3, 1), committed(3, 2), install(3, 1)])[0]?.message).toMatch(
      /installed a snapshot at 1 below/,
    );
  });
});

describe('prefix checker', () => {
  it('accepts sequences that are prefixes of one another', () => {
    expect(
      checkPrefixes([
        { label: 'r1', keys: ['a', 'b', 'c'] },
        { label: 'r2', keys: ['a', 'b'] },
        { label: 'r3', keys: [] },
        { label: 'r1 before crash', keys: ['a'] },
      ]),
    ).toEqual([]);
  });

  it('flags diverging sequences with the first differing position', () => {
    const v = checkPrefixes([
      { label: 'r1', keys: ['a', 'b', 'c'] },
      { label: 'r2', keys: ['a', 'c'] },
    ]);
    expect(v).toHaveLength(1);
    expect(v[0]?.message).toBe('r2 is not a prefix of r1: position 2 holds c vs b');
  });

  it('flags a pre-crash sequence the survivors do not share', () => {
    const v = checkPrefixes([
      { label: 'r1', keys: ['a', 'b'] },
      { label: 'r2', keys: ['a', 'b'] },
      { label: 'r3 (before its crash)', keys: ['a', 'x'] },
    ]);
    expect(v[0]?.message).toMatch(/r3 \(before its crash\) is not a prefix/);
  });
});

describe('once checker', () => {
  it('accepts sequences without repeats', () => {
    expect(checkOnce([{ label: 'r1', keys: ['a#1', 'a#2', 'b#1'] }])).toEqual([]);
  });

  it('flags a command applied twice', () => {
    const v = checkOnce([
      { label: 'r1', keys: ['a#1', 'b#1', 'a#1'] },
      { label: 'r2', keys: ['a#1'] },
    ]);
    expect(v).toHaveLength(1);
    expect(v[0]?.message).toBe('r1 applied a#1 twice (positions 1 and 3)');
  });
});

describe('durability checker', () => {
  const ack = (key: string, slot = 1): Acknowledgement => ({ key, time: 10, replica: 1, slot });
  it('accepts when every acknowledged command is everywhere', () => {
    expect(checkDurability([ack('a#1'), ack('b#1')], [{ label: 'r1', keys: ['b#1', 'a#1', 'c#1'] }])).toEqual(
      [],
    );
  });

  it('flags an acknowledged command missing from a replica', () => {
    const v = checkDurability(
      [ack('a#1'), ack('b#1', 2)],
      [
        { label: 'r1', keys: ['a#1', 'b#1'] },
        { label: 'r2', keys: ['a#1'] },
      ],
    );
    expect(v).toHaveLength(1);
    expect(v[0]?.message).toMatch(/r2 lost 1 acknowledged command\(s\), e.g. b#1/);
  });
});

describe('reads checker', () => {
  const acks: Acknowledgement[] = [
    { key: 'a#1', time: 10, replica: 1, slot: 5 },
    { key: 'b#1', time: 20, replica: 2, slot: 9 },
  ];
  it('accepts read indexes that cover everything acknowledged before the read began', () => {
    expect(
      checkReads(
        [
          { replica: 1, id: 1, startedAt: 15, index: 5 },
          { replica: 2, id: 2, startedAt: 25, index: 9 },
          { replica: 3, id: 3, startedAt: 5, index: 0 },
        ],
        acks,
      ),
    ).toEqual([]);
  });

  it('flags a stale read', () => {
    const v = checkReads([{ replica: 3, id: 7, startedAt: 30, index: 6 }], acks);
    expect(v[0]?.checker).toBe('reads');
    expect(v[0]?.message).toMatch(
      /stale read: replica 3 read 7 .* index 6, but b#1 was acknowledged from slot 9/,
    );
  });
});

describe('liveness checker', () => {
  const base = {
    healedAt: 1000,
    boundMs: 500,
    finals: [
      { label: 'r1', keys: ['a#1'] },
      { label: 'r2', keys: ['a#1'] },
    ],
    probes: [{ key: 'p#1', replica: 1, sentAt: 1000, ackedAt: 1100 }],
    outstanding: [],
  };
  it('accepts converged replicas and prompt probes', () => {
    expect(checkLiveness(base)).toEqual([]);
  });

  it('flags a probe that never commits or commits too late', () => {
    expect(
      checkLiveness({ ...base, probes: [{ key: 'p#1', replica: 2, sentAt: 1000, ackedAt: null }] })[0]
        ?.message,
    ).toMatch(/never committed/);
    expect(
      checkLiveness({ ...base, probes: [{ key: 'p#1', replica: 2, sentAt: 1000, ackedAt: 1600 }] })[0]
        ?.message,
    ).toMatch(/took 600 ms/);
  });

  it('flags replicas that did not converge and clients still waiting', () => {
    const v = checkLiveness({
      ...base,
      finals: [
        { label: 'r1', keys: ['a#1', 'b#1'] },
        { label: 'r2', keys: ['a#1'] },
      ],
      outstanding: [{ key: 'c#4', since: 200 }],
    });
    expect(v.map((x) => x.message)).toEqual([
      expect.stringMatching(/1 client command\(s\) never acknowledged after the heal, e.g. c#4/),
      expect.stringMatching(/did not converge/),
    ]);
  });
});
