// The statistics of the benchmark's figures, apart from the timing so that tests can hold them.

/** The median (the mean of the two middle values for an even count). */
export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * A 95 % confidence interval of the median of `values` that assumes nothing about their
 * distribution: the order statistics x(k) and x(n+1-k), with k the largest rank such that
 * P(Binomial(n, 1/2) < k) ≤ 2.5 %. `coverage` is what the interval really holds (≥ 95 %, as ranks
 * are whole). Null below 6 values, where no such rank exists.
 */
export function medianInterval(values) {
  const n = values.length;
  const sorted = [...values].sort((x, y) => x - y);
  // P(X = i) for X ~ Binomial(n, 1/2), summed from i = 0 while the tail stays within 2.5 %.
  let term = 0.5 ** n;
  let tail = 0;
  let k = 0;
  while (k < n && tail + term <= 0.025) {
    tail += term;
    term = (term * (n - k)) / (k + 1);
    k++;
  }
  if (k === 0) return null;
  return { low: sorted[k - 1], high: sorted[n - k], coverage: 1 - 2 * tail };
}
