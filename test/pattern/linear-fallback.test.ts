import { describe, expect, it } from 'vitest';
import { enableLinearFallback } from '../../src/pattern/linear-fallback.js';
import { compilePattern } from '../../src/pattern/match.js';

describe('the linear-time regex fallback', () => {
  it('is on once a /regex/ pattern is compiled: a regex that backtracks exponentially ends at once', () => {
    compilePattern('/timeout after \\d+s/');
    // Built directly, around the safety check that would refuse it: 2^40 backtracking steps
    // without the fallback (the test would time out); V8 switches to its linear engine instead.
    const hostile = new RegExp('(a+)+b');
    expect(hostile.test('a'.repeat(40))).toBe(false);
  });

  it('can be asked for again without harm', () => {
    enableLinearFallback();
    enableLinearFallback();
    expect(new RegExp('(x+x+)+y').test('x'.repeat(40))).toBe(false);
  });
});
