import { patternKind, regexNeedles } from '../pattern/match.js';

/**
 * The lookup prefilter: a needle is text an error must contain (lower-cased, whitespace runs as one
 * space) for a pattern to have any chance of matching it. Only rows whose needle the error holds are
 * read and matched in full; the cache indexes needles by one of their three-character grams, so a
 * lookup does not even visit the others.
 */

// Joins the pieces of a regex's needle: a plain needle has its whitespace collapsed to spaces, and a
// regex's pieces have none, so a tab never occurs inside a piece.
const PIECES = '\t';

/** A pattern's prefilter needle, or null when the pattern must always be tested in full. */
export function needleOf(pattern: string | null): string | null {
  if (pattern === null) return null;
  const p = pattern.trim();
  // A regex's needle is every literal it cannot match without; outside ASCII, toLowerCase and a
  // regex's case folding may disagree, so such patterns are always tested in full.
  if (patternKind(p) === 'regex') return regexNeedles(p).join(PIECES) || null;
  if (!/^[\x20-\x7e\t\n\r]*$/.test(p)) return null;
  return p.toLowerCase().replace(/\s+/g, ' ');
}

/** The lower-cased error text as needles are compared with it: whitespace runs are one space, as in a plain pattern. */
export function haystackOf(lower: string): string {
  return lower.replace(/\s+/g, ' ');
}

/** Whether `hay` (from haystackOf) holds every piece of `needle` (from needleOf), so the pattern may match. */
export function holdsNeedle(hay: string, needle: string): boolean {
  let start = 0;
  for (;;) {
    const tab = needle.indexOf(PIECES, start);
    if (tab < 0) return hay.includes(start === 0 ? needle : needle.slice(start));
    if (!hay.includes(needle.slice(start, tab))) return false;
    start = tab + 1;
  }
}

/**
 * Each three-character gram of a needle within its pieces, passed to `visit`; a hay that holds the
 * needle holds every one of them. Needles are ASCII (needleOf), so 7 bits a character; a gram with a
 * tab (between pieces) or anything else no hay gram has is left out.
 */
export function forEachNeedleGram(needle: string, visit: (gram: number) => void): void {
  for (let i = 0; i + 3 <= needle.length; i++) {
    const a = needle.charCodeAt(i);
    const b = needle.charCodeAt(i + 1);
    const c = needle.charCodeAt(i + 2);
    if ((a | b | c) < 128 && a !== 9 && b !== 9 && c !== 9) visit(gram(a, b, c));
  }
}

/** Each gram of `hay` once, passed to `visit`; grams with a character outside ASCII are in no needle and left out. */
export function forEachGram(hay: string, visit: (gram: number) => void): void {
  for (let i = 0; i + 3 <= hay.length; i++) {
    const a = hay.charCodeAt(i);
    const b = hay.charCodeAt(i + 1);
    const c = hay.charCodeAt(i + 2);
    if ((a | b | c) < 128) visit(gram(a, b, c));
  }
}

function gram(a: number, b: number, c: number): number {
  return (a << 14) | (b << 7) | c;
}

/** The bucket of a gram among 2^bits: a multiplicative hash, the same when the cache is written and read. */
export function bucketOf(gram: number, bits: number): number {
  return Math.imul(gram, 0x9e3779b1) >>> (32 - bits);
}
