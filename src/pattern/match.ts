import { AiwError } from '../errors/errors.js';
import { enableLinearFallback } from './linear-fallback.js';
import { alwaysMatches, findBacktrackingHazard, parseRegex, type RegexNode } from './safe-regex.js';

/**
 * The one pattern language of aiw: auto-heal classes, `failed_when`, `detect_failure`, learned fixes
 * and patterns.yaml all use it.
 *
 * - Plain text (`connection refused`): case-insensitive (Unicode lower case); any run of whitespace in the pattern matches
 *   any run of whitespace in the text (error texts wrap); where the pattern starts or ends with a
 *   letter, digit or `_`, that end must sit at a word boundary, so `401` does not match `14012`,
 *   `commit 4013ab9` or `ERR_401`, and `eof` does not match `thereof`. `-`, `:`, `.` and the like are
 *   boundaries, so `401` does match `req-401-abc`. A pattern ending in punctuation (`error:`) needs no
 *   boundary there.
 * - `/regex/flags` (flags from `dgimsuy`): compiled as written; it is case-sensitive unless it says
 *   `i`. `g` is ignored (a match is a yes/no question here). A regex that could backtrack worse than
 *   quadratically (see safe-regex.ts), or that matches the empty string, is refused. A leading `.*` is
 *   dropped because a search already tries every position: the match is the same, found faster, and
 *   the matched text starts where the interesting part does.
 *   A plain pattern shaped like `/dev/sim` therefore reads as a regex: write `dev/sim` instead.
 *
 * Cost: text is matched after `prepareText` caps it to 64 KiB (head and tail), and a pattern runs only
 * when the words or literals it needs occur in the text. Plain patterns are linear; an accepted regex
 * is at worst quadratic in the capped text, so a 1 MB output against 10,000 patterns ends in bounded time.
 */
export interface CompiledPattern {
  readonly source: string;
  readonly kind: 'plain' | 'regex';
  /** The text that matched (possibly empty only for anchored regexes), or null. */
  match(input: string | PreparedText): string | null;
}

/** Text ready to be matched by many patterns: capped once, lower-cased once. */
export interface PreparedText {
  readonly text: string;
  readonly lower: string;
  /** True when the middle of a longer text was left out. */
  readonly truncated: boolean;
}

/** 64 KiB: the first and last 32 KiB of an output hold its errors; the middle is progress noise. */
export const DEFAULT_MAX_TEXT_LENGTH = 64 * 1024;
const REGEX_SOURCE = /^\/(.+)\/([dgimsuy]*)$/s;
const MAX_CACHED = 50_000;
const cache = new Map<string, CompiledPattern>();

/** Cap a text to its head and tail (`maxTextLength` characters in all) and lower-case it once. */
export function prepareText(text: string, maxTextLength = DEFAULT_MAX_TEXT_LENGTH): PreparedText {
  if (text.length <= maxTextLength) return { text, lower: text.toLowerCase(), truncated: false };
  const half = Math.floor(maxTextLength / 2);
  const head = text.slice(0, half - (isHighSurrogate(text.charCodeAt(half - 1)) ? 1 : 0));
  const tailStart = text.length - half + (isHighSurrogate(text.charCodeAt(text.length - half - 1)) ? 1 : 0);
  const capped = `${head}\n…\n${text.slice(tailStart)}`;
  return { text: capped, lower: capped.toLowerCase(), truncated: true };
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** Whether a pattern source is read as a regex (`/…/flags`) or as plain text. */
export function patternKind(source: string): 'plain' | 'regex' {
  return REGEX_SOURCE.test(source) ? 'regex' : 'plain';
}

/**
 * Compile a pattern once per process (cached by source). `origin` (e.g. `skills/x.yaml:12:5`) names
 * where it came from in errors. Throws AiwError('PATTERN') for an empty, invalid or unsafe pattern.
 *
 * `vetted`: a pattern aiw ships (the built-in failure classes), which its tests hold safe. It still
 * passes the safety check, but compiling it does not turn on V8's linear-time fallback
 * (linear-fallback.ts), which is there for patterns from memory and config. Turning that on changes
 * V8's flags, and Node then compiles every built-in module loaded later without its code cache: a
 * failing run, which classifies its error before it records the attempt, loaded `node:crypto` and
 * the file modules for the record that way (~7 ms).
 */
export function compilePattern(source: string, origin?: string, vetted = false): CompiledPattern {
  const cached = cache.get(source);
  if (cached) return cached;
  const regex = REGEX_SOURCE.exec(source);
  const compiled = regex ? compileRegex(source, regex[1]!, regex[2]!, origin, vetted) : compilePlain(source, origin);
  if (cache.size >= MAX_CACHED) cache.clear(); // bounded: a long-lived process cannot grow it forever
  cache.set(source, compiled);
  return compiled;
}

/** Compile a list of patterns; errors name the list's origin and the pattern's position in it. */
export function compilePatterns(sources: readonly string[], origin?: string): CompiledPattern[] {
  return sources.map((source, i) => compilePattern(source, origin === undefined ? undefined : `${origin}, pattern ${i + 1}`));
}

/** The first pattern that matches the text, with the matched text; the text is prepared once. */
export function firstMatch(patterns: readonly CompiledPattern[], input: string | PreparedText): { pattern: CompiledPattern; matched: string } | null {
  const prepared = typeof input === 'string' ? prepareText(input) : input;
  for (const pattern of patterns) {
    const matched = pattern.match(prepared);
    if (matched !== null) return { pattern, matched };
  }
  return null;
}

function problem(source: string, origin: string | undefined, what: string, hint?: string, cause?: unknown): AiwError {
  return new AiwError('PATTERN', `pattern ${JSON.stringify(source)}${origin ? ` (${origin})` : ''} ${what}`, { hint, cause });
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function compilePlain(source: string, origin: string | undefined): CompiledPattern {
  const words = source.trim().split(/\s+/u).filter(Boolean);
  if (!words.length) throw problem(source, origin, 'is empty', 'write the text to look for, or /regex/ for a regular expression');
  const text = words.join(' ');
  const before = isWordCodePoint(text.codePointAt(0)!, false);
  const after = isWordCodePoint(Array.from(text).at(-1)!.codePointAt(0)!, false);
  // Every word must occur in the lower-cased text before the regex runs: with thousands of plain
  // patterns against one error, almost all are rejected by a substring search.
  const needles = words.map((w) => w.toLowerCase()).sort((a, b) => b.length - a.length);
  let regex: RegExp | undefined;
  return {
    source,
    kind: 'plain',
    match(input) {
      const prepared = typeof input === 'string' ? prepareText(input) : input;
      if (!needles.every((n) => prepared.lower.includes(n))) return null;
      regex ??= new RegExp(words.map(escapeRegex).join('\\s+'), 'giu');
      return boundedMatch(regex, prepared.text, before, after);
    },
  };
}

/**
 * The first match of `regex` (flags `giu`) that no word character (`[\p{L}\p{N}_]`, case-folded as
 * under `iu`) touches at the start when `before`, nor at the end when `after`: what
 * `(?<![\p{L}\p{N}_])…(?![\p{L}\p{N}_])` finds, without compiling those Unicode classes into every
 * pattern's regex (about a millisecond each). A plain pattern matches at most one way at a given
 * start (its words hold no whitespace, and no whitespace case-folds to anything else), so trying
 * the starts in order, one code point apart, gives the same leftmost match.
 */
function boundedMatch(regex: RegExp, text: string, before: boolean, after: boolean): string | null {
  regex.lastIndex = 0;
  for (let m = regex.exec(text); m !== null; m = regex.exec(text)) {
    const start = m.index;
    const end = start + m[0].length;
    if (!(before && isWordBefore(text, start)) && !(after && isWordAt(text, end))) return m[0];
    // Next try one code point on (a match of an empty string cannot happen: a pattern has a word).
    regex.lastIndex = start + (text.codePointAt(start)! > 0xffff ? 2 : 1);
  }
  return null;
}

// Made on first use: V8 parses a Unicode class when the regex is made (~0.5 ms each), and most texts
// are ASCII.
const wordClass: { exact?: RegExp; folded?: RegExp } = {};

/**
 * Whether the code point `cp` is in `[\p{L}\p{N}_]` (`folded`: as a regex with `iu` sees it, which
 * also takes a few marks that fold to letters); ASCII without a regex.
 */
function isWordCodePoint(cp: number, folded = true): boolean {
  if (cp < 128) return (cp >= 48 && cp <= 57) || (cp >= 65 && cp <= 90) || (cp >= 97 && cp <= 122) || cp === 95;
  const re = folded ? (wordClass.folded ??= /^[\p{L}\p{N}_]$/iu) : (wordClass.exact ??= /^[\p{L}\p{N}_]$/u);
  return re.test(String.fromCodePoint(cp));
}

function isWordBefore(text: string, at: number): boolean {
  if (at === 0) return false;
  const low = text.charCodeAt(at - 1);
  // A lookbehind in a `u` regex reads a whole surrogate pair.
  if (low >= 0xdc00 && low <= 0xdfff && at >= 2 && isHighSurrogate(text.charCodeAt(at - 2))) return isWordCodePoint(text.codePointAt(at - 2)!);
  return isWordCodePoint(low);
}

function isWordAt(text: string, at: number): boolean {
  return at < text.length && isWordCodePoint(text.codePointAt(at)!);
}

function compileRegex(source: string, body: string, allFlags: string, origin: string | undefined, vetted: boolean): CompiledPattern {
  const flags = allFlags.replace('g', '');
  if (!vetted) enableLinearFallback();
  let regex = build(source, body, flags, origin);
  let ast = parseRegex(body, flags);
  const first = ast.type === 'seq' ? ast.items[0] : undefined;
  if (!flags.includes('y') && first && isLeadingDotStar(first, body) && body.slice(first.end)) {
    body = body.slice(first.end);
    regex = build(source, body, flags, origin);
    ast = parseRegex(body, flags);
  }
  if (alwaysMatches(ast)) throw problem(source, origin, 'matches the empty string, so it would match every text', 'make it require at least one character');
  const hazard = findBacktrackingHazard(ast, body);
  if (hazard) {
    throw problem(source, origin, `can backtrack catastrophically (${hazard.reason}); rewrite it so that each piece of text can be matched one way only`,
      'e.g. (a+)+ as a+, (\\w+\\s?)* as (\\w+\\s)*\\w*, (a|aa)+ as a+, a.*b.*c as a.*c; or use a plain-text pattern');
  }
  const fold = flags.includes('i');
  const needles = requiredLiterals(ast, fold && flags.includes('u')).map((n) => (fold ? n.toLowerCase() : n));
  return {
    source,
    kind: 'regex',
    match(input) {
      const prepared = typeof input === 'string' ? prepareText(input) : input;
      const haystack = fold ? prepared.lower : prepared.text;
      if (!needles.every((n) => haystack.includes(n))) return null;
      regex.lastIndex = 0; // a sticky regex starts at the beginning every time
      return regex.exec(prepared.text)?.[0] ?? null;
    },
  };
}

function build(source: string, body: string, flags: string, origin: string | undefined): RegExp {
  try {
    return new RegExp(body, flags);
  } catch (err) {
    throw problem(source, origin, `is not a valid regular expression: ${(err as Error).message}`, 'plain text needs no slashes; a regex is /source/flags', err);
  }
}

function isLeadingDotStar(node: RegexNode, body: string): boolean {
  return node.type === 'repeat' && node.min === 0 && node.max === Infinity && ['.', '[^]', '[\\s\\S]'].includes(body.slice(node.body.start, node.body.end));
}

/**
 * A lower-case ASCII string that any text a `/regex/` pattern matches must contain (lower-cased),
 * for prefilters kept outside the process (the memory lookup cache); null when the pattern is not a
 * valid, safe regex or has no such literal. The longest of `regexNeedles`.
 */
export function regexNeedle(source: string): string | null {
  return regexNeedles(source)[0] ?? null;
}

/**
 * Every whitespace-free lower-case ASCII piece (2+ characters) that any text a `/regex/` pattern
 * matches must contain once lower-cased, longest first; empty when the pattern is not a valid, safe
 * regex or has no such literal. A prefilter that asks for all of them skips far more rows than one
 * asking for the longest: `/registry (?:mismatch|failed) after \d+ ?ms E1457/i` needs `e1457` too.
 */
export function regexNeedles(source: string): string[] {
  const m = REGEX_SOURCE.exec(source.trim());
  if (!m) return [];
  try {
    compilePattern(source.trim()); // refused patterns get no needle: the lookup reports them in full
  } catch (err) {
    if (err instanceof AiwError) return [];
    throw err;
  }
  const flags = m[2]!.replace('g', '');
  const literals = requiredLiterals(parseRegex(m[1]!, flags), flags.includes('i') && flags.includes('u'));
  // The cache compares needles with whitespace-collapsed text, so only whitespace-free pieces qualify.
  const usable = literals.flatMap((l) => l.toLowerCase().split(/\s+/)).filter((l) => l.length >= 2);
  // Stable sort: at equal length the piece met first stays first.
  return [...new Set(usable)].sort((a, b) => b.length - a.length);
}

/**
 * Runs of literal ASCII characters the regex cannot match without, for a cheap substring pre-check.
 * Under `iu` an `s` also matches the long s (ſ), which lower-casing does not map, so it ends a run.
 */
function requiredLiterals(ast: RegexNode, foldsLongS: boolean): string[] {
  const items = (n: RegexNode): RegexNode[] => (n.type === 'seq' ? n.items.flatMap(items) : n.type === 'group' && !n.look ? items(n.body) : [n]);
  const runs: string[] = [''];
  for (const item of items(ast)) {
    const lit = item.type === 'char' ? item.literal : undefined;
    if (lit !== undefined && lit.charCodeAt(0) < 128 && !(foldsLongS && /s/i.test(lit))) runs[runs.length - 1] += lit;
    else if (runs.at(-1)) runs.push('');
  }
  return runs.filter((r) => r.length >= 2);
}
