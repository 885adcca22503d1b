import { renderHook } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { useTypingSignal } from '../src/hooks/useTypingSignal.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('useTypingSignal', () => {
  it('sends the stop to the room the typing started in when the user switches rooms', () => {
    const signals: [string, boolean][] = [];
    const signal = (room: string, active: boolean) => signals.push([room, active]);
    const now = () => 1000;
    const { result, rerender } = renderHook(({ room }) => useTypingSignal(room, signal, now), {
      initialProps: { room: 'general' as string | null },
    });
    result.current.onText('hel');
    expect(signals).toEqual([['general', true]]);
    rerender({ room: 'random' });
    expect(signals).toEqual([
      ['general', true],
      ['general', false],
    ]);
    // Typing in the new room starts there; clearing the input stops it there.
    result.current.onText('hi');
    result.current.onText('');
    expect(signals.slice(2)).toEqual([
      ['random', true],
      ['random', false],
    ]);
  });

  it('stops by itself after a pause in typing, and once at most', () => {
    vi.useFakeTimers();
    const signals: [string, boolean][] = [];
    const { result, unmount } = renderHook(() =>
      useTypingSignal(
        'general',
        (room, active) => signals.push([room, active]),
        () => Date.now(),
      ),
    );
    result.current.onText('a');
    result.current.onText('ab');
    expect(signals).toEqual([['general', true]]);
    vi.advanceTimersByTime(4000);
    expect(signals).toEqual([
      ['general', true],
      ['general', false],
    ]);
    unmount();
    expect(signals).toHaveLength(2);
  });
});
