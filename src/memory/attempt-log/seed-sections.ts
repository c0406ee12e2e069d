import { readFile, stat } from 'node:fs/promises';
import { isMap, isNode, isSeq, LineCounter, parseDocument, type Document, type Node, type YAMLMap } from 'yaml';
import { recordProblem, type LoggedFailure } from './record.js';
import { forEachChunk } from './read-text.js';
import { tooLargeToParse, type LogWarning } from './scan.js';

/** A quick-fix rule of the Python project's `auto_fixes:` section. */
export interface SeedAutoFix {
  name: string;
  patterns: string[];
  fix_action?: string;
  manual?: boolean;
  message?: string;
  success_rate?: number;
  line: number;
}

/** One known failure of one tool from its `tool_failures:` section. */
export interface SeedToolFailure {
  tool: string;
  error: string;
  fix?: string;
  manual?: boolean;
  not_an_error?: boolean;
  line: number;
}

/** The counters its decorator kept under `stats:` (totals, and per day and week). */
export interface SeedStats {
  total_failures?: number;
  auto_fixed?: number;
  manual_required?: number;
  last_updated?: string | null;
  daily: Record<string, { total?: number; auto_fixed?: number }>;
  weekly: Record<string, { total?: number; auto_fixed?: number }>;
}

export interface SeedSections {
  autoFixes: SeedAutoFix[];
  toolFailures: SeedToolFailure[];
  /** `failure_history:` entries that read as attempt records (normalised). */
  history: LoggedFailure[];
  stats: SeedStats | null;
  warnings: LogWarning[];
}

const SECTION = /^(?:auto_fixes|tool_failures|failure_history|stats):/m;
const EMPTY: SeedSections = { autoFixes: [], toolFailures: [], history: [], stats: null, warnings: [] };

/**
 * The sections the Python project keeps in tool_failures.yaml besides `failures:`: `auto_fixes`,
 * `tool_failures`, `failure_history` and `stats`. Read only, never written: aiw's writer appends to
 * `failures:` and leaves the rest of the file as it is. A file aiw wrote (no such sections) costs a
 * regex test, not a parse. For a log too large to parse, `scanned` may say whether a line starts a
 * section (a line scan of the file found out, `FailureSink.sections`): the file is then not read.
 */
export async function readSeedSections(file: string, scanned?: boolean): Promise<SeedSections> {
  try {
    // A log too large to parse is never read whole either (memory stays bounded): it is only
    // scanned for the sections, and said to have them.
    const size = (await stat(file)).size;
    const tooLarge = tooLargeToParse(size);
    if (tooLarge !== null) {
      return (scanned ?? (await hasSections(file))) ? { ...EMPTY, warnings: [{ file, line: 1, col: 1, message: `the Python project's sections not read: ${tooLarge}` }] } : EMPTY;
    }
    return parseSeedSections(await readFile(file, 'utf8'), file);
  } catch (err) {
    // Missing, unreadable, not a file: the attempt-log reader reports it; there are no sections to show.
    if ((err as NodeJS.ErrnoException).code) return EMPTY;
    throw err;
  }
}

/**
 * Whether `readSeedSections` would only look for the sections in `file` (too large to parse), so a
 * line scan of it can answer instead; false when it is small enough or cannot be read.
 */
export async function sectionsOnlyScanned(file: string): Promise<boolean> {
  try {
    return tooLargeToParse((await stat(file)).size) !== null;
  } catch (err) {
    // readSeedSections reports nothing for such a file either.
    if ((err as NodeJS.ErrnoException).code) return false;
    throw err;
  }
}

const SECTION_NAMES = ['auto_fixes:', 'tool_failures:', 'failure_history:', 'stats:'].map((name) => Buffer.from(name));
// Bytes kept from one chunk for the next: a line break (up to 3 bytes) and the longest name.
const SEAM = 32;

/**
 * Whether any line starts one of the sections, read a chunk at a time: what SECTION finds, without
 * decoding the text and running a multiline regex over it. Line breaks are found with native byte
 * searches, and only the bytes after each are compared.
 */
async function hasSections(file: string): Promise<boolean> {
  let found = false;
  // A newline in front, so the file's first line counts like every other.
  let tail = Buffer.from('\n');
  await forEachChunk(file, (chunk) => {
    // The seam (the last chunk's end with this one's start) alone, then this chunk: no copy of it.
    found = sectionAfterBreak(Buffer.concat([tail, chunk.subarray(0, SEAM)])) || sectionAfterBreak(chunk);
    tail = Buffer.from(chunk.subarray(Math.max(0, chunk.length - SEAM)));
    return !found;
  });
  return found;
}

// What ends a line for SECTION's `^`: \n, \r, U+2028 and U+2029 (E2 80 A8/A9 in UTF-8).
const LF = 0x0a;
const CR = 0x0d;
const E2 = 0xe2;

function sectionAfterBreak(bytes: Buffer): boolean {
  for (const byte of [LF, CR, E2]) {
    for (let i = bytes.indexOf(byte); i >= 0; i = bytes.indexOf(byte, i + 1)) {
      if (byte !== E2) {
        if (startsSection(bytes, i + 1)) return true;
      } else if (bytes[i + 1] === 0x80 && (bytes[i + 2] === 0xa8 || bytes[i + 2] === 0xa9) && startsSection(bytes, i + 3)) {
        return true;
      }
    }
  }
  return false;
}

function startsSection(bytes: Buffer, at: number): boolean {
  const first = bytes[at];
  // Most lines start with a space or a dash: one byte rules them out.
  if (first !== 0x61 && first !== 0x74 && first !== 0x66 && first !== 0x73) return false;
  return SECTION_NAMES.some((name) => at + name.length <= bytes.length && bytes.compare(name, 0, name.length, at, at + name.length) === 0);
}

export function parseSeedSections(text: string, file: string): SeedSections {
  if (!SECTION.test(text)) return EMPTY;
  const tooLarge = tooLargeToParse(text.length);
  if (tooLarge !== null) return { ...EMPTY, warnings: [{ file, line: 1, col: 1, message: `the Python project's sections not read: ${tooLarge}` }] };
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  // The attempt-log reader reports syntax errors of this file; reading nothing here is enough.
  if (doc.errors.length || !isMap(doc.contents)) return EMPTY;
  const root = doc.contents;
  const lineOf = (node: unknown) => lineCounter.linePos((node as Node | null)?.range?.[0] ?? 0).line;
  const out: SeedSections = { autoFixes: [], toolFailures: [], history: [], stats: null, warnings: [] };
  const warn = (node: unknown, message: string) => {
    const pos = lineCounter.linePos((node as Node | null)?.range?.[0] ?? 0);
    out.warnings.push({ file, line: pos.line, col: pos.col, message });
  };
  const fixes = root.get('auto_fixes', true);
  if (isMap(fixes)) {
    for (const pair of (fixes as YAMLMap).items) {
      const v = toJs(pair.value, doc);
      if (!isObject(v)) continue;
      const fix: SeedAutoFix = { name: String((pair.key as { value?: unknown })?.value ?? pair.key), patterns: strings(v.patterns), line: lineOf(pair.key) };
      if (typeof v.fix_action === 'string') fix.fix_action = v.fix_action;
      if (typeof v.manual === 'boolean') fix.manual = v.manual;
      if (typeof v.message === 'string') fix.message = v.message;
      if (typeof v.success_rate === 'number') fix.success_rate = v.success_rate;
      out.autoFixes.push(fix);
    }
  }
  const perTool = root.get('tool_failures', true);
  if (isMap(perTool)) {
    for (const pair of (perTool as YAMLMap).items) {
      const tool = String((pair.key as { value?: unknown })?.value ?? pair.key);
      if (!isSeq(pair.value)) continue;
      for (const item of pair.value.items) {
        const v = toJs(item, doc);
        if (!isObject(v) || (typeof v.error !== 'string' && typeof v.error !== 'number')) continue;
        const entry: SeedToolFailure = { tool, error: String(v.error), line: lineOf(item) };
        if (typeof v.fix === 'string') entry.fix = v.fix;
        if (typeof v.manual === 'boolean') entry.manual = v.manual;
        if (typeof v.not_an_error === 'boolean') entry.not_an_error = v.not_an_error;
        out.toolFailures.push(entry);
      }
    }
  }
  const history = root.get('failure_history', true);
  if (isSeq(history)) {
    for (const item of history.items) {
      const v = toJs(item, doc);
      const record = isObject(v) ? normalizeSeedRecord(v as LoggedFailure) : v;
      const problem = recordProblem(record);
      if (problem) warn(item, `failure_history entry skipped: ${problem}`);
      else out.history.push(record as LoggedFailure);
    }
  }
  const stats = toJs(root.get('stats', true), doc);
  if (isObject(stats)) {
    out.stats = { daily: counters(stats.daily), weekly: counters(stats.weekly) };
    for (const key of ['total_failures', 'auto_fixed', 'manual_required'] as const) if (typeof stats[key] === 'number') out.stats[key] = stats[key];
    if (typeof stats.last_updated === 'string' || stats.last_updated === null) out.stats.last_updated = stats.last_updated;
  }
  return out;
}

/**
 * A record as the Python project's decorator wrote it (`error_snippet`, `fix_applied`) read with
 * aiw's names (`error`, `fix_attempted`), so views and statistics show its error and its fix.
 * The file is not changed: this is a reading.
 */
export function normalizeSeedRecord<T extends LoggedFailure>(record: T): T {
  const r = record as T & { error_snippet?: unknown; fix_applied?: unknown };
  // Nothing to rename (every entry aiw writes): the same record, not a copy per entry.
  if ((r.error !== undefined || r.error_snippet === undefined) && (r.fix_attempted !== undefined || r.fix_applied === undefined)) return record;
  const out = { ...record };
  if (out.error === undefined && typeof r.error_snippet === 'string') out.error = r.error_snippet;
  if (out.fix_attempted === undefined && typeof r.fix_applied === 'string') out.fix_attempted = r.fix_applied;
  return out;
}

function toJs(node: unknown, doc: Document.Parsed): unknown {
  try {
    return isNode(node) ? node.toJS(doc, { maxAliasCount: 100 }) : node;
  } catch {
    // An alias bomb or a forward alias: this one entry cannot be read (history entries get a
    // warning from the record check); the rest of the file can.
    return undefined;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((s) => typeof s === 'string' || typeof s === 'number').map(String) : [];
}

function counters(v: unknown): Record<string, { total?: number; auto_fixed?: number }> {
  const out: Record<string, { total?: number; auto_fixed?: number }> = {};
  if (!isObject(v)) return out;
  for (const [day, c] of Object.entries(v)) {
    if (!isObject(c)) continue;
    out[day] = {};
    if (typeof c.total === 'number') out[day].total = c.total;
    if (typeof c.auto_fixed === 'number') out[day].auto_fixed = c.auto_fixed;
  }
  return out;
}
