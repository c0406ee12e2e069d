import { AiwError } from '../errors/errors.js';
import { compilePattern } from './match.js';
import { monotonicMs } from '../model/clock.js';

/**
 * How slow a `/regex/` pattern can be on hostile text, measured rather than guessed: the safety check
 * (safe-regex.ts) refuses exponential backtracking, but accepts quadratic regexes such as `/E+:N?/`,
 * which on a long run of `E` try every start and every length. `aiw validate` runs each regex on
 * long runs of the characters it names and reports the slow ones, so a person can rewrite or
 * remove them; lookups bound the same work with a time budget (learn/known-issues.ts).
 */
const REGEX_SOURCE = /^\/(.+)\/([dgimsuy]*)$/s;
const MAX_PROBES = 12;

export interface RegexCost {
  /** The slowest probe, in milliseconds. */
  worstMs: number;
  /** What the slowest probe was made of, e.g. `"E" × 8192`. */
  probe: string;
}

/** The worst time the regex takes on runs of `length` characters; null for a plain pattern or one that does not compile. */
export function measureRegexCost(source: string, length: number): RegexCost | null {
  const m = REGEX_SOURCE.exec(source.trim());
  if (!m) return null;
  let regex: RegExp;
  try {
    // Never time a regex the safety check refuses: an exponential one would not come back.
    compilePattern(source.trim());
    regex = new RegExp(m[1]!, m[2]!.replace('g', ''));
  } catch (err) {
    if (err instanceof AiwError || err instanceof SyntaxError) return null; // reported by the pattern check
    throw err;
  }
  // Letters, digits and punctuation the regex names, then a few common ones: runs of these are what backtracks.
  const chars = [...new Set([...m[1]!.replace(/\\[dswbDSWB]/g, '').replace(/[\\^$.*+?()[\]{}|/]/g, ''), 'a', '0', ' ', 'x'])].slice(0, MAX_PROBES);
  let worst: RegexCost = { worstMs: 0, probe: '' };
  for (const c of chars) {
    const text = `${c.repeat(length)}\u0000`;
    const started = monotonicMs();
    regex.lastIndex = 0;
    regex.exec(text);
    const ms = monotonicMs() - started;
    if (ms > worst.worstMs) worst = { worstMs: ms, probe: `${JSON.stringify(c)} × ${length}` };
  }
  return worst;
}
