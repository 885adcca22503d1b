import { describe, expect, it } from 'vitest';
import { TypingNotifier } from '../src/typing.js';

function fakeTimers() {
  let now = 0;
  let next = 1;
  const timers = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => now,
    setTimeout: (fn: () => void, ms: number) => {
      const id = next++;
      timers.set(id, { at: now + ms, fn });
      return id;
    },
    clearTimeout: (id: unknown) => timers.delete(id as number),
    advance(ms: number) {
      now += ms;
      for (const [id, t] of [...timers]) {
        if (t.at <= now) {
          timers.delete(id);
          t.fn();
        }
      }
    },
  };
}

describe('TypingNotifier', () => {
  it('sends one "typing" per burst, refreshes it, and stops after a pause', () => {
    const sent: string[] = [];
    const timers = fakeTimers();
    const t = new TypingNotifier((room, active) => sent.push(`${room}:${active}`), timers, 3000, 3000);
    t.edited('general', 'h');
    timers.advance(500);
    t.edited('general', 'he');
    timers.advance(500);
    t.edited('general', 'hel');
    expect(sent).toEqual(['general:true']);
    timers.advance(2500);
    t.edited('general', 'hell'); // 3.5 s after the first: refreshed
    expect(sent).toEqual(['general:true', 'general:true']);
    timers.advance(3000);
    expect(sent).toEqual(['general:true', 'general:true', 'general:false']);
  });

  it('stops when the line is emptied, is a command, or the room changes', () => {
    const sent: string[] = [];
    const timers = fakeTimers();
    const t = new TypingNotifier((room, active) => sent.push(`${room}:${active}`), timers);
    t.edited('a', 'x');
    t.edited('a', '');
    t.edited('a', 'y');
    t.edited('b', 'y');
    t.edited('b', '/join');
    expect(sent).toEqual(['a:true', 'a:false', 'a:true', 'a:false', 'b:true', 'b:false']);
    t.stop();
    expect(sent.length).toBe(6);
  });
});
