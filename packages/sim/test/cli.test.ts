import { describe, expect, it } from 'vitest';
import { main, parseCli } from '../src/cli.js';

function capture(argv: string[]): { code: number; text: string } {
  const lines: string[] = [];
  const code = main(argv, (line) => lines.push(line));
  return { code, text: lines.join('\n') };
}

describe('CLI argument parsing', () => {
  it('has sensible defaults', () => {
    expect(parseCli([])).toMatchObject({
      seeds: 100,
      start: 1,
      seed: null,
      replicas: null,
      schedule: null,
      variant: null,
    });
  });

  it('reads every option', () => {
    expect(
      parseCli([
        '--seeds',
        '20',
        '--start',
        '5',
        '--steps',
        '50',
        '--replicas',
        '5',
        '--schedule',
        'lossy',
        '--variant',
        'no-dedup',
        '--keep-going',
      ]),
    ).toEqual({
      seeds: 20,
      start: 5,
      seed: null,
      steps: 50,
      replicas: 5,
      schedule: 'lossy',
      variant: 'no-dedup',
      fuzz: false,
      params: undefined,
      keepGoing: true,
      help: false,
    });
    expect(parseCli(['--seed', '9'])).toMatchObject({ seed: 9, seeds: 1 });
  });

  it('reads --fuzz and --params JSON', () => {
    expect(parseCli(['--fuzz', '--params', '{"replica":{"window":2},"clients":1}'])).toMatchObject({
      fuzz: true,
      params: { replica: { window: 2 }, clients: 1 },
    });
    expect(() => parseCli(['--params', '{nope'])).toThrow(/--params must be JSON/);
    expect(() => parseCli(['--params', '[1]'])).toThrow(/JSON object/);
  });

  it('refuses bad input with a readable message', () => {
    expect(() => parseCli(['--replicas', '4'])).toThrow(/3 or 5/);
    expect(() => parseCli(['--seeds', 'x'])).toThrow(/integer/);
    expect(() => parseCli(['--schedule', 'nope'])).toThrow(/unknown schedule "nope"/);
    expect(() => parseCli(['--variant', 'nope'])).toThrow(/unknown variant/);
    expect(() => parseCli(['--bogus'])).toThrow();
  });
});

describe('CLI runs', () => {
  it('--help lists the schedules and exits 0', () => {
    const { code, text } = capture(['--help']);
    expect(code).toBe(0);
    expect(text).toMatch(/rolling-restarts/);
    expect(text).toMatch(/--variant NAME/);
  });

  it('bad arguments exit 2 with the usage', () => {
    const { code, text } = capture(['--replicas', '7']);
    expect(code).toBe(2);
    expect(text).toMatch(/Usage: npm run sim/);
  });

  it('--seeds prints a line per seed and the figures', () => {
    const { code, text } = capture(['--seeds', '3', '--steps', '100']);
    expect(code).toBe(0);
    expect(text.match(/^ok {3}seed/gm)).toHaveLength(3);
    expect(text).toMatch(/seeds\/s: /);
    expect(text).toMatch(/simulated commits\/s: /);
    expect(text).toMatch(/messages per commit: /);
    expect(text).toMatch(/worst time to elect a leader: [\d.]+ ticks/);
  });

  it('--seed prints a trace summary', () => {
    const { code, text } = capture(['--seed', '3', '--replicas', '3', '--schedule', 'leader-dies']);
    expect(code).toBe(0);
    expect(text).toMatch(/trace hash [0-9a-f]{8}/);
    expect(text).toMatch(/crash replica \d \(leader\)/);
    expect(text).toMatch(/result: ok/);
  });

  it('the replay line carries --steps, --fuzz and --params when the run used them', () => {
    const { code, text } = capture([
      '--seeds',
      '1',
      '--steps',
      '200',
      '--fuzz',
      '--params',
      '{"clients":2}',
      '--schedule',
      'rolling-restarts',
      '--variant',
      'no-persist',
    ]);
    expect(code).toBe(1);
    expect(text).toMatch(
      /replay: npm run sim -- --seed 1 --replicas 3 --schedule rolling-restarts --variant no-persist --steps 200 --fuzz --params '\{"clients":2\}'/,
    );
  });

  it('a failure prints the seed, schedule, violation and replay command, and exits 1', () => {
    const { code, text } = capture([
      '--seeds',
      '5',
      '--schedule',
      'rolling-restarts',
      '--variant',
      'forget-promise',
    ]);
    expect(code).toBe(1);
    expect(text).toMatch(/FAILED: seed 1, 3 replicas, schedule rolling-restarts, variant forget-promise/);
    expect(text).toMatch(/violation \[\w+\]: /);
    expect(text).toMatch(
      /replay: npm run sim -- --seed 1 --replicas 3 --schedule rolling-restarts --variant forget-promise/,
    );
    expect(text).not.toMatch(/seed {5}2/); // stops at the first failure
  });
});
