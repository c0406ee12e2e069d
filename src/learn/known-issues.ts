import type { Classification, KnownIssueMatch } from '../model/run.js';
import { errorMessage } from '../errors/errors.js';
import { compileClassifier, precompileClassifier, type FailureClasses } from '../heal/classify.js';
import { compilePattern, patternKind, prepareText, type PreparedText } from '../pattern/match.js';
import type { LogWarning } from '../memory/attempt-log/attempt-log.js';
import type { ToolFix } from '../memory/fix-store.js';
import { fileStore } from '../memory/file-store.js';
import type { MemoryStore } from '../memory/store.js';
import type { Table } from '../memory/cache-table.js';
import { haystackOf } from '../memory/memory-cache.js';
import { shellQuote } from '../tools/shell-quote.js';
import type { PatternEntry } from '../memory/patterns-store.js';
import { monotonicMs } from '../model/clock.js';

/** What a lookup found, best first, and what it had to skip on the way (never silently). */
export interface LookupResult {
  matches: KnownIssueMatch[];
  /** Matches before `limit` was applied. */
  total: number;
  warnings: string[];
}

interface Hit<E> {
  row: number;
  /** 3: tool and pattern match; 2: pattern only; 1: tool only. */
  score: number;
  length: number;
  matched?: string;
  /** Read already when its pattern had to be tested. */
  entry?: E;
}

export const DEFAULT_MATCH_LIMIT = 20;

/**
 * Known issues for a tool and/or an error text (check_known_issues): learned fixes for the tool,
 * and fixes and patterns whose pattern matches the error (word boundaries, `/regex/flags`, the
 * classifier's rules). Ranked: tool and pattern > pattern > tool only; learned fixes before
 * general patterns, then longer (more specific) patterns first.
 */
export async function lookupKnownIssues(memory: string | MemoryStore, tool: string | undefined, errorText: string | undefined, limit = DEFAULT_MATCH_LIMIT): Promise<LookupResult> {
  const store = storeOf(memory);
  const warnings: string[] = [];
  const fixesFile = store.fixesLocation;
  const patternsFile = store.patternsLocation;
  const outer = await store.withFixes(async (fixes) => {
    const inner = await store.withPatterns(async (patterns) => {
      const budget = new RegexBudget();
      const fixHits = await scan(fixes, tool, errorText, (e) => e.error_pattern, fixesFile, warnings, budget);
      const patternHits = errorText === undefined ? [] : await scan(patterns, undefined, errorText, (e) => e.pattern, patternsFile, warnings, budget);
      budget.report(warnings);
      const ranked = [...fixHits.map((hit) => ({ hit, fix: true as const })), ...patternHits.map((hit) => ({ hit, fix: false as const }))];
      // Stable sort: fixes come first, so at equal rank a learned fix stays ahead of a general pattern.
      ranked.sort((a, b) => b.hit.score - a.hit.score);
      const kept = ranked.slice(0, limit);
      const fixEntries = await entriesOf(fixes, kept.filter((k) => k.fix).map((k) => k.hit as Hit<ToolFix>));
      const patternEntries = await entriesOf(patterns, kept.filter((k) => !k.fix).map((k) => k.hit as Hit<PatternEntry>));
      const matches = kept.map((k) => (k.fix ? fixMatch(fixEntries.get(k.hit)!, k.hit) : patternMatch(patternEntries.get(k.hit)!, k.hit)));
      return { matches, total: ranked.length };
    });
    if (inner.cacheWarning) warnings.push(inner.cacheWarning);
    return inner.value;
  });
  if (outer.cacheWarning) warnings.push(outer.cacheWarning);
  return { ...outer.value, warnings };
}

/** The best-ranked learned fix for `tool` whose pattern matches `errorText` and that carries a remedy. */
export async function findLearnedRemedy(memory: string | MemoryStore, tool: string, errorText: string, warnings: string[] = []): Promise<ToolFix | undefined> {
  const store = storeOf(memory);
  const { value, cacheWarning } = await store.withFixes(async (table) => {
    const budget = new RegexBudget();
    const hits = await scan(table, tool, errorText, (e) => e.error_pattern, store.fixesLocation, warnings, budget);
    budget.report(warnings);
    return hits.find((h) => h.score === 3 && h.entry?.remedy)?.entry;
  });
  if (cacheWarning) warnings.push(cacheWarning);
  return value;
}

/** A memory folder means the file store, as before the store interface. */
function storeOf(memory: string | MemoryStore): MemoryStore {
  return typeof memory === 'string' ? fileStore(memory) : memory;
}

/**
 * Rows of `table` that match, best first. The table gives the rows of the tool and the rows whose
 * needle occurs in the error; an entry is read, and its pattern compiled and run, only for the latter.
 */
async function scan<E>(table: Table<E>, tool: string | undefined, text: string | undefined, patternOf: (e: E) => string, file: string, warnings: string[], budget: RegexBudget): Promise<Hit<E>[]> {
  for (const w of table.warnings) warnings.push(formatWarning(w));
  // Capped and lower-cased once, as the matcher itself sees the text.
  const prepared = text === undefined ? undefined : prepareText(text);
  const candidates = prepared === undefined ? [] : table.candidates(haystackOf(prepared.lower));
  const toolRows = new Set(tool === undefined ? [] : table.rowsOf(tool));
  const hits: Hit<E>[] = [];
  const tested = new Set(candidates);
  for (const row of toolRows) if (!tested.has(row)) hits.push({ row, score: 1, length: 0 });
  const entries = await table.read(candidates);
  candidates.forEach((row, i) => {
    const entry = entries[i]!;
    const pattern = patternOf(entry);
    const toolHit = toolRows.has(row);
    const result = budget.match(pattern, prepared!, text!, file);
    if (result.error) warnings.push(`${file}: pattern '${pattern}' is skipped: ${result.error}`);
    if (result.matched !== null) hits.push({ row, score: toolHit ? 3 : 2, length: pattern.length, matched: result.matched, entry });
    else if (toolHit) hits.push({ row, score: 1, length: 0, entry });
  });
  return hits.sort((a, b) => b.score - a.score || b.length - a.length || a.row - b.row);
}

/** The entries of the kept hits, reading those not read yet in one go. */
async function entriesOf<E>(table: Table<E>, hits: Hit<E>[]): Promise<Map<Hit<unknown>, E>> {
  const missing = hits.filter((h) => !h.entry);
  const read = await table.read(missing.map((h) => h.row));
  missing.forEach((h, i) => (h.entry = read[i]));
  return new Map(hits.map((h) => [h as Hit<unknown>, h.entry!]));
}

// compilePattern caches what compiles; this remembers what does not, so a bad pattern costs one try per process.
const refused = new Map<string, string>();

/** Regexes from memory see at most this much of the error text (its head and tail): each is at worst quadratic in it. */
export const MEMORY_REGEX_TEXT = 8 * 1024;
/** Total time one lookup may spend running `/regex/` patterns from memory; the rest are skipped, with a warning. */
export const REGEX_BUDGET_MS = 250;

/**
 * Bounds the regex work of one lookup: memory is shared data, and 2,000 entries of an accepted but
 * quadratic regex (`/E+:N?/`) made one failing call take 24 s. Each distinct pattern runs once per
 * lookup, on a capped text; once the budget is spent, further regexes are skipped and named.
 * Plain patterns are linear and always run.
 */
class RegexBudget {
  private spentMs = 0;
  private readonly results = new Map<string, { matched: string | null; error?: string }>();
  private readonly skipped: string[] = [];
  private small: PreparedText | undefined;

  match(pattern: string, prepared: PreparedText, text: string, file: string): { matched: string | null; error?: string } {
    const known = this.results.get(pattern);
    if (known) return known;
    if (patternKind(pattern) === 'plain') return matchPattern(pattern, prepared);
    if (this.spentMs >= REGEX_BUDGET_MS) {
      this.skipped.push(`${file}: ${pattern}`);
      return { matched: null };
    }
    this.small ??= text.length > MEMORY_REGEX_TEXT ? prepareText(text, MEMORY_REGEX_TEXT) : prepared;
    const started = monotonicMs();
    const result = matchPattern(pattern, this.small);
    this.spentMs += monotonicMs() - started;
    this.results.set(pattern, result);
    return result;
  }

  report(warnings: string[]): void {
    if (!this.skipped.length) return;
    warnings.push(`the lookup spent its ${REGEX_BUDGET_MS} ms for /regex/ patterns; ${this.skipped.length} more were not tried (first: ${this.skipped[0]}); run aiw validate to find the slow ones`);
  }
}

function matchPattern(pattern: string, text: PreparedText): { matched: string | null; error?: string } {
  const known = refused.get(pattern);
  if (known !== undefined) return { matched: null, error: known };
  try {
    return { matched: compilePattern(pattern).match(text) };
  } catch (err) {
    refused.set(pattern, errorMessage(err));
    return { matched: null, error: errorMessage(err) };
  }
}

function fixMatch(fix: ToolFix, hit: Hit<unknown>): KnownIssueMatch {
  const m: KnownIssueMatch = { source: 'tool_fixes', tool_name: fix.tool_name, pattern: fix.error_pattern, times_prevented: fix.times_prevented };
  if (fix.root_cause) m.root_cause = fix.root_cause;
  if (fix.fix_applied) m.fix = fix.fix_applied;
  if (fix.remedy) m.commands = [remedyCommand(fix.remedy.tool, fix.remedy.args)];
  if (hit.matched !== undefined) m.matched = hit.matched;
  return m;
}

function patternMatch(p: PatternEntry, hit: Hit<unknown>): KnownIssueMatch {
  const m: KnownIssueMatch = { source: 'patterns', category: p.category, pattern: p.pattern, commands: p.commands };
  if (p.meaning) m.meaning = p.meaning;
  if (p.fix) m.fix = p.fix;
  if (hit.matched !== undefined) m.matched = hit.matched;
  return m;
}

// What aiw itself prints when it stops a tool at its time limit (tools/run-process.ts).
const AIW_TIMEOUT = /\btimed out after \d+ ms and was stopped\b/;

/** The failure class of an error text under the project's `auto_heal.classes`, as the heal loop sees it. */
export function classifyError(config: Record<string, unknown>, text: string): Classification | null {
  return compileClassifier(configuredClasses(config)).classify({ text, timedOut: AIW_TIMEOUT.test(text) });
}

/** Compile what classifyError needs in the event loop's idle turns (see precompileClassifier). */
export function precompileClassifierOf(config: Record<string, unknown>): Promise<void> {
  return precompileClassifier(configuredClasses(config));
}

function configuredClasses(config: Record<string, unknown>): FailureClasses | undefined {
  return (config.auto_heal as { classes?: FailureClasses } | undefined)?.classes;
}

/** The command a person would type to run a remedy by hand. */
export function remedyCommand(tool: string, args: Record<string, unknown>): string {
  const pairs = Object.entries(args).map(([k, v]) => `-a ${shellQuote(`${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)}`);
  return ['aiw tool', shellQuote(tool), ...pairs].join(' ');
}


export { shellQuote };

export function formatWarning(w: LogWarning): string {
  return `${w.file}:${w.line}:${w.col}: ${w.message}`;
}
