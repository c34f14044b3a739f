import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TrainingScheduler, type TrainTrigger } from './scheduler.js';

/** A scheduler wired like the manager: each fire starts a "run" that the test ends by hand. */
function setup(opts: { periodSeconds: number; afterEvents: number }) {
  const fired: TrainTrigger[] = [];
  let end: (() => void) | null = null;
  const s: TrainingScheduler = new TrainingScheduler(async (trigger) => {
    if (end) return; // single flight, as the manager does
    fired.push(trigger);
    s.runStarted();
    await new Promise<void>((r) => (end = r));
    end = null;
    s.runEnded();
  }, opts);
  return { s, fired, finish: async () => (end?.(), await Promise.resolve(), await Promise.resolve()) };
}

describe('TrainingScheduler', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('fires every periodSeconds once started, and not after stop', async () => {
    const { s, fired, finish } = setup({ periodSeconds: 60, afterEvents: 0 });
    vi.advanceTimersByTime(120_000);
    expect(fired).toEqual([]); // not started
    s.start();
    vi.advanceTimersByTime(59_000);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1_000);
    expect(fired).toEqual(['timer']);
    await finish();
    vi.advanceTimersByTime(60_000);
    expect(fired).toEqual(['timer', 'timer']);
    await finish();
    s.stop();
    vi.advanceTimersByTime(600_000);
    expect(fired).toHaveLength(2);
  });

  it('fires after afterEvents events; events during a run count towards the next one', async () => {
    const { s, fired, finish } = setup({ periodSeconds: 0, afterEvents: 100 });
    s.start();
    s.noteEvents(60);
    expect(fired).toEqual([]);
    s.noteEvents(40);
    expect(fired).toEqual(['events']);
    expect(s.pendingEvents).toBe(0);
    s.noteEvents(150); // during the run: no second run now
    expect(fired).toHaveLength(1);
    await finish(); // run ends with 150 pending: the next starts at once
    expect(fired).toEqual(['events', 'events']);
    await finish();
    s.noteEvents(99);
    expect(fired).toHaveLength(2);
  });

  it('afterEvents 0 disables the event trigger; events noted before start trigger on start', () => {
    const off = setup({ periodSeconds: 0, afterEvents: 0 });
    off.s.start();
    off.s.noteEvents(1e9);
    expect(off.fired).toEqual([]);
    const on = setup({ periodSeconds: 0, afterEvents: 10 });
    on.s.noteEvents(10);
    expect(on.fired).toEqual([]);
    on.s.start();
    expect(on.fired).toEqual(['events']);
  });
});
