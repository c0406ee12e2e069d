/**
 * Milliseconds from a fixed point in the past, for measuring durations: what `performance.now()`
 * gives, without touching the `performance` global, whose first use loads perf_hooks (~1.5 ms of a
 * start whose budget is a few tens).
 */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
