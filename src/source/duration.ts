import { AiwError } from '../errors/errors.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `90s`, `500ms`, `2m`, `1h`, or a number of seconds, as milliseconds. */
export function parseDuration(value: number | string | undefined, what: string, fallbackMs?: number): number | undefined {
  if (value === undefined || value === null) return fallbackMs;
  if (typeof value === 'number') return Math.round(value * 1000);
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(value);
  if (!m) throw new AiwError('INPUT', `${what}: '${value}' is not a duration (use e.g. 500ms, 30s, 2m, 1h)`);
  return Math.round(Number(m[1]) * UNIT_MS[m[2] ?? 's']!);
}
