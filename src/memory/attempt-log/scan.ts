import { isMap, parseDocument, type YAMLError } from 'yaml';
import { readBlockEntry } from './block-entry.js';
import { readEntryKeys, type EntryKeys } from './fast-entry.js';
import { recordProblem, type LoggedFailure } from './record.js';

/** A problem in the attempt log, where the user can find it. */
export interface LogWarning {
  file: string;
  line: number;
  col: number;
  message: string;
}

/** What a line-level scan of the `failures:` sequence found. */
export interface ScanResult {
  records: LoggedFailure[];
  warnings: LogWarning[];
  /** Entries that are not valid YAML: appending after them would not be safe. */
  syntaxErrors: number;
  /** False when a line does not belong to the sequence (another key, a tab): parse it all instead. */
  fits: boolean;
  /** Indentation of the sequence's `- `, or null when no entry was seen. */
  indent: number | null;
}

/**
 * Largest text the full YAML parser is given. It is far slower than the line scan (a mapping of a
 * million keys takes minutes), so a larger file that is not laid out the way aiw writes it is
 * neither read as a whole nor rewritten: readers warn, writers use the sidecar.
 */
export const FULL_PARSE_LIMIT = 8 * 1024 * 1024;

/** Why a text of `length` UTF-16 units is not given to the full parser, or null when it may be. */
export function tooLargeToParse(length: number): string | null {
  if (length <= FULL_PARSE_LIMIT) return null;
  return `it is ${(length / (1024 * 1024)).toFixed(1)} MB and not laid out as aiw writes it (one entry per line under a last "failures:" key); aiw parses other layouts only up to ${FULL_PARSE_LIMIT / (1024 * 1024)} MB`;
}

const FAILURES_KEY = /^failures:[ \t]*(?:#.*)?\r?$/;
const DASH = 45;
const SPACE = 32;
const BRACE = 123;
const TAB = 9;
const HASH = 35;

/** Index of the top-level `failures:` line whose value is a block on the following lines, or -1. */
export function findFailuresKey(lines: readonly string[]): number {
  return lines.findIndex((line) => FAILURES_KEY.test(line));
}

/** True when lines[0..end) hold nothing but blank lines, comments or a valid mapping without `failures`. */
export function prefixFits(lines: readonly string[], end: number): boolean {
  const prefix = lines.slice(0, end);
  if (prefix.every((line) => isBlankOrComment(line))) return true;
  const text = prefix.join('\n');
  if (tooLargeToParse(text.length) !== null) return false;
  const doc = parseDocument(text);
  return doc.errors.length === 0 && isMap(doc.contents) && !doc.contents.has('failures');
}

/** `line.trimStart()` is empty or starts with `#`, without making the trimmed copy (this runs per line). */
function isBlankOrComment(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (!isWhiteSpace(c)) return c === HASH;
  }
  return true;
}

/** What `String.prototype.trimStart` removes: ASCII white space, line ends, and Unicode spaces. */
function isWhiteSpace(c: number): boolean {
  if (c === SPACE || (c >= TAB && c <= 13)) return true;
  if (c < 0xa0) return false;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

function indentOf(line: string): number {
  let i = 0;
  while (line.charCodeAt(i) === SPACE) i++;
  return i;
}

/**
 * Read the entries of a block sequence from `lines[start..end)`. One-line `- {...}` entries go
 * through `JSON.parse` (the fast path, which is what aiw writes), or with `keys` through
 * `readEntryKeys` first (faster still, for readers of a few keys); any other entry is parsed alone
 * with `yaml`, so a broken entry costs only itself. `firstLine` is the 1-based line of `lines[0]`.
 * With `midEntry`, lines before the first `- ` may continue an entry that began before the window.
 */
export function scanSequence(
  lines: readonly string[],
  start: number,
  end: number,
  opts: { file: string; firstLine: number; indent: number | null; midEntry?: boolean; keys?: EntryKeys },
): ScanResult {
  const result: ScanResult = { records: [], warnings: [], syntaxErrors: 0, fits: true, indent: opts.indent };
  let entryStart = -1;
  let skipping = opts.midEntry === true;
  const flush = (stop: number): void => {
    if (entryStart >= 0) readEntry(lines, entryStart, stop, result, opts);
    entryStart = -1;
  };
  for (let i = start; i < end; i++) {
    const line = lines[i] as string;
    if (isBlankOrComment(line)) continue;
    const indent = indentOf(line);
    // A tab in indentation is a YAML error; let the full parser report it with its position.
    if (line.charCodeAt(indent) === TAB) {
      result.fits = false;
      return result;
    }
    const isDash = line.charCodeAt(indent) === DASH && (indent + 1 === line.length || line.charCodeAt(indent + 1) === SPACE || line[indent + 1] === '\r');
    if (result.indent === null && isDash && !skipping) result.indent = indent;
    if (isDash && indent === result.indent) {
      flush(i);
      skipping = false;
      entryStart = i;
    } else if (result.indent !== null && indent > result.indent && (entryStart >= 0 || skipping)) {
      continue;
    } else {
      result.fits = false;
      return result;
    }
  }
  flush(end);
  return result;
}

function readEntry(lines: readonly string[], from: number, to: number, result: ScanResult, opts: { file: string; firstLine: number; keys?: EntryKeys }): void {
  const line = lines[from] as string;
  const indent = result.indent ?? 0;
  const lineNo = opts.firstLine + from;
  let oneLine = true;
  for (let i = from + 1; i < to && oneLine; i++) oneLine = isBlankOrComment(lines[i] as string);
  let value: unknown;
  let parsed = false;
  if (oneLine && line.charCodeAt(indent + 2) === BRACE) {
    const entry = opts.keys ? readEntryKeys(line, indent + 2, opts.keys) : undefined;
    if (entry !== undefined) {
      result.records.push(entry);
      return;
    }
    try {
      value = JSON.parse(line.slice(indent + 2));
      parsed = true;
    } catch {
      // Not strict JSON (a hand edit, a comment after it): yaml below decides, and reports.
    }
  } else if (line.charCodeAt(indent + 2) !== BRACE) {
    value = readBlockEntry(lines, from, to, indent);
    parsed = value !== undefined;
  }
  if (!parsed) {
    // Every line up to the next entry: a block scalar may end in lines that look like comments.
    const doc = parseDocument(lines.slice(from, to).join('\n'));
    const error = doc.errors[0];
    if (error) {
      // The first error is the cause; the rest are the parser losing its footing after it.
      result.syntaxErrors++;
      result.warnings.push(yamlWarning(error, opts.file, lineNo));
      return;
    }
    for (const warning of doc.warnings) result.warnings.push(yamlWarning(warning, opts.file, lineNo));
    try {
      value = (doc.toJS() as unknown[])[0];
    } catch (err) {
      // toJS throws on what only shows when resolving, e.g. an alias to an anchor in another entry.
      result.syntaxErrors++;
      result.warnings.push({ file: opts.file, line: lineNo, col: indent + 1, message: (err as Error).message });
      return;
    }
  }
  const problem = recordProblem(value);
  if (problem) result.warnings.push({ file: opts.file, line: lineNo, col: indent + 3, message: `entry skipped: ${problem}` });
  else result.records.push(value as LoggedFailure);
}

/** A yaml error as a warning, its line shifted by where the parsed text starts in the file. */
export function yamlWarning(err: YAMLError, file: string, firstLine: number): LogWarning {
  const pos = err.linePos?.[0];
  return { file, line: firstLine + (pos ? pos.line - 1 : 0), col: pos?.col ?? 1, message: yamlMessage(err) };
}

/** A yaml error's first line without its own "at line N, column M:" (we report positions ourselves). */
export function yamlMessage(err: YAMLError): string {
  const first = err.message.split('\n')[0] ?? err.message;
  return first.replace(/ at line \d+, column \d+:?$/, '');
}
