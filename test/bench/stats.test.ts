import { describe, expect, it } from 'vitest';
import { median, medianInterval } from '../../bench/lib/stats.mjs';

describe('bench statistics', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('bounds the median of 21 values by the 6th and 16th of them (97.3 % coverage)', () => {
    const values = Array.from({ length: 21 }, (_, i) => 21 - i); // 21 … 1, unsorted on purpose
    expect(medianInterval(values)).toEqual({ low: 6, high: 16, coverage: expect.closeTo(1 - 2 * 27896 / 2 ** 21, 12) });
  });

  it('uses the extremes for 6 values and has no interval below that', () => {
    expect(medianInterval([5, 1, 4, 2, 6, 3])).toEqual({ low: 1, high: 6, coverage: expect.closeTo(1 - 2 / 64, 12) });
    expect(medianInterval([1, 2, 3, 4, 5])).toBeNull();
  });

  it('never covers less than 95 %, and narrows as the count grows', () => {
    let width = Infinity;
    for (const n of [6, 10, 15, 21, 50, 100, 300]) {
      const interval = medianInterval(Array.from({ length: n }, (_, i) => i));
      expect(interval!.coverage).toBeGreaterThanOrEqual(0.95);
      const w = (interval!.high - interval!.low) / n;
      expect(w).toBeLessThan(width);
      width = w;
    }
  });
});
