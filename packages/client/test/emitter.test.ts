import { describe, expect, it } from 'vitest';
import { TypedEmitter } from '../src/emitter.js';

interface Events {
  a: number;
  b: { text: string };
}

describe('TypedEmitter', () => {
  it('delivers to listeners in subscription order and unsubscribes', () => {
    const e = new TypedEmitter<Events>();
    const seen: string[] = [];
    const off1 = e.on('a', (n) => seen.push(`1:${n}`));
    e.on('a', (n) => seen.push(`2:${n}`));
    e.emit('a', 1);
    off1();
    e.emit('a', 2);
    expect(seen).toEqual(['1:1', '2:1', '2:2']);
    expect(e.listenerCount('a')).toBe(1);
  });

  it('once fires a single time', () => {
    const e = new TypedEmitter<Events>();
    const seen: string[] = [];
    e.once('b', (p) => seen.push(p.text));
    e.emit('b', { text: 'x' });
    e.emit('b', { text: 'y' });
    expect(seen).toEqual(['x']);
    expect(e.listenerCount('b')).toBe(0);
  });

  it('a throwing listener does not stop the others and is reported', () => {
    const errors: unknown[] = [];
    const e = new TypedEmitter<Events>((error, event) => errors.push([event, (error as Error).message]));
    const seen: number[] = [];
    e.on('a', () => {
      throw new Error('boom');
    });
    e.on('a', (n) => seen.push(n));
    e.emit('a', 7);
    expect(seen).toEqual([7]);
    expect(errors).toEqual([['a', 'boom']]);
  });

  it('a listener removed during emit still sees the current event, not the next', () => {
    const e = new TypedEmitter<Events>();
    const seen: string[] = [];
    let off2: () => void = () => {};
    e.on('a', () => off2());
    off2 = e.on('a', (n) => seen.push(`2:${n}`));
    e.emit('a', 1);
    e.emit('a', 2);
    expect(seen).toEqual(['2:1']);
  });
});
