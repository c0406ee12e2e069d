import { SHAPES, type Shape } from './secret-shapes.js';

/**
 * Which secret shapes could match a text, decided by literal pieces every match holds (each shape's
 * `needs` and `alsoNeeds`). Running fifty regexes over every printed line cost ~35 µs a line, and
 * compiling them on first use ~6 ms of a 70 ms run; most lines hold none of the pieces, so they
 * now cost one scan, and a regex runs (and is compiled) only for text that holds its pieces.
 *
 * Only ever a necessary condition: a gate that says "no" must mean the shape cannot match, so a
 * wrong trigger is a leak, not a slowdown (`test/secrets/shape-triggers.test.ts` guards them).
 */

/** A shape with how its triggers are compared: lower-cased for a case-insensitive regex. */
export interface GatedShape {
  re: RegExp;
  replacement: string;
  caseless: boolean;
  needs: readonly string[];
  alsoNeeds: readonly string[] | undefined;
}

function gated([, re, replacement, needs, alsoNeeds]: Shape): GatedShape {
  return { re, replacement, caseless: re.flags.includes('i'), needs, alsoNeeds };
}

export const GATED: readonly GatedShape[] = SHAPES.map(gated);

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// Without the `u` flag, `i` folds ASCII letters only, and lower-casing folds at least those: both
// kinds of scan below are supersets of "the shape's own regex could match".
const EXACT = [...new Set(GATED.filter((s) => !s.caseless).flatMap((s) => s.needs))];
const CASELESS = [...new Set(GATED.filter((s) => s.caseless).flatMap((s) => s.needs))];

// Two ways to scan for any trigger: `includes` for each literal costs ~2.5 µs a line and nothing to
// set up; one alternation costs ~0.8 µs a line but ~0.6 ms to compile. A short run (a few dozen
// lines) never pays for the compile; a long one switches after this many scans.
const SCANS_BEFORE_REGEX = 256;
let scans = 0;
let union: { exact: RegExp; caseless: RegExp } | undefined;

/** `includes` for every literal: no set-up cost. Exported for the tests, which check both scans. */
export function viaIncludes(text: string): boolean {
  if (holdsOne(text, EXACT)) return true;
  return holdsOne(text.toLowerCase(), CASELESS);
}

/** One alternation per case mode: compiled on first use. Exported for the tests. */
export function viaRegex(text: string): boolean {
  union ??= {
    exact: new RegExp(EXACT.map(escape).join('|')),
    caseless: new RegExp(CASELESS.map(escape).join('|'), 'i'),
  };
  return union.exact.test(text) || union.caseless.test(text);
}

/** False when no shape can match the text: one scan, and none of the shapes' regexes runs. */
export function mayHoldShape(text: string): boolean {
  return ++scans > SCANS_BEFORE_REGEX ? viaRegex(text) : viaIncludes(text);
}

function holdsOne(text: string, literals: readonly string[]): boolean {
  for (const l of literals) if (text.includes(l)) return true;
  return false;
}

/** Whether `shape` could match `text`; `lower` is `text.toLowerCase()`, asked for only when needed. */
export function mayMatch(shape: GatedShape, text: string, lower: () => string): boolean {
  const seen = shape.caseless ? lower() : text;
  return holdsOne(seen, shape.needs) && (!shape.alsoNeeds || holdsOne(seen, shape.alsoNeeds));
}
