import { describe, expect, it } from 'vitest';
import { parseMetrics } from '../src/cluster.js';
import { renderTable } from '../src/report.js';
import { slope } from '../src/stats.js';

describe('slope', () => {
  it('fits a line', () => {
    expect(
      slope([
        [0, 1],
        [1, 3],
        [2, 5],
        [3, 7],
      ]),
    ).toBeCloseTo(2);
    expect(
      slope([
        [0, 5],
        [10, 5],
      ]),
    ).toBe(0);
    expect(Number.isNaN(slope([[1, 1]]))).toBe(true);
    expect(
      Number.isNaN(
        slope([
          [1, 1],
          [1, 2],
        ]),
      ),
    ).toBe(true);
  });
});

describe('parseMetrics', () => {
  it('reads gauges and sums labelled series', () => {
    const m = parseMetrics(
      [
        '# HELP quorum_applied_slot x',
        '# TYPE quorum_applied_slot gauge',
        'quorum_applied_slot 42',
        'quorum_commands_applied_total{op="post",dedup="false"} 10',
        'quorum_commands_applied_total{op="join",dedup="false"} 5',
        'process_cpu_seconds_total 1.5e-1',
      ].join('\n'),
    );
    expect(m.get('quorum_applied_slot')).toBe(42);
    expect(m.get('quorum_commands_applied_total')).toBe(15);
    expect(m.get('process_cpu_seconds_total')).toBeCloseTo(0.15);
  });
});

describe('renderTable', () => {
  it('right-aligns numeric columns', () => {
    const text = renderTable({
      title: 'T',
      columns: ['name', 'n'],
      rows: [
        ['a', 1],
        ['bb', 22.5],
      ],
    });
    expect(text.split('\n')).toEqual([
      '**T**',
      '',
      '| name |    n |',
      '| :--- | ---: |',
      '| a    |    1 |',
      '| bb   | 22.5 |',
    ]);
  });
});
