/**
 * The one timer a connection (and a dialect probe) keeps for the earliest
 * deadline of its requests: a later deadline never postpones it, an earlier
 * one brings it forward, the quit wait (`hold`) is not moved by deadlines,
 * and `clear` leaves nothing pending.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeadlineTimer } from '../src/connection/deadline-timer';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('DeadlineTimer', () => {
  it('fires once, at the earliest deadline it was given', () => {
    const fired: number[] = [];
    const t = new DeadlineTimer(() => fired.push(performance.now()));
    const t0 = performance.now();
    t.arm(t0 + 100);
    t.arm(t0 + 300); // later: ignored
    t.arm(t0 + 50); // earlier: brings it forward
    expect(t.at).toBe(t0 + 50);
    vi.advanceTimersByTime(49);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual([t0 + 50]);
    expect(t.at).toBe(Number.POSITIVE_INFINITY);
    vi.advanceTimersByTime(1000);
    expect(fired).toHaveLength(1);
  });

  it('arms nothing for an infinite deadline', () => {
    const t = new DeadlineTimer(() => {});
    t.arm(Number.POSITIVE_INFINITY);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('can be armed again from its own callback (the sweep re-arms it)', () => {
    let calls = 0;
    const t: DeadlineTimer = new DeadlineTimer(() => {
      calls++;
      if (calls < 3) t.arm(performance.now() + 10);
    });
    t.arm(performance.now() + 10);
    vi.advanceTimersByTime(100);
    expect(calls).toBe(3);
  });

  it('a hold is not moved by deadlines, and clear leaves no timer', () => {
    const fired: string[] = [];
    const t = new DeadlineTimer(() => fired.push('deadline'));
    t.arm(performance.now() + 500);
    t.hold(() => fired.push('hold'), 100);
    t.arm(performance.now() + 10); // held: ignored
    vi.advanceTimersByTime(1000);
    expect(fired).toEqual(['hold']);
    t.arm(performance.now() + 10);
    t.clear();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(1000);
    expect(fired).toEqual(['hold']);
  });
});
