/**
 * Milliseconds from a fixed point in the past, for measuring durations: what `performance.now()`
 * gives, without touching the `performance` global, whose first use loads perf_hooks (~1.5 ms of a
 * start whose budget is a few tens).
 */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/**
 * Resolves in a later turn of the event loop, after the I/O that is ready now has been handled: CPU
 * work that awaits it between slices lets a network conversation (a PostgreSQL login) go on.
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
