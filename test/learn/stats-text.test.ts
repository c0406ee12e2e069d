import { describe, expect, it } from 'vitest';
import { count } from '../../src/learn/stats-text.js';

describe('count', () => {
  it('groups thousands exactly as toLocaleString("en-US") does', () => {
    const numbers = [0, 1, 9, 10, 99, 100, 999, 1_000, 1_001, 9_999, 10_000, 123_456, 999_999, 1_000_000, 12_345_678, 2 ** 31, Number.MAX_SAFE_INTEGER];
    for (let n = 0; n < 5_000; n += 7) numbers.push(n, n * 1_009);
    for (const n of numbers) expect(count(n), String(n)).toBe(n.toLocaleString('en-US'));
  });

  it('leaves other numbers to toLocaleString', () => {
    for (const n of [-1, -1_234, 1.5, 1_234.5678, Number.MAX_SAFE_INTEGER + 2]) expect(count(n)).toBe(n.toLocaleString('en-US'));
  });
});
