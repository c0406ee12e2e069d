// Types of bench/lib/stats.mjs, for the tests that import it.
export function median(values: readonly number[]): number;
export function medianInterval(values: readonly number[]): { low: number; high: number; coverage: number } | null;
