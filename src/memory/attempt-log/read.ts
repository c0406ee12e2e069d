import { readFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { AiwError } from '../../errors/errors.js';
import { summariseWarnings } from './summarise.js';
import { isTornEntry, TORN_MESSAGE } from './torn-tail.js';
import { recordProblem, type LoggedFailure } from './record.js';
import { findFailuresKey, prefixFits, scanSequence, tooLargeToParse, yamlWarning, type LogWarning } from './scan.js';

/** Every entry that could be read safely, and a warning with `file:line:col` for each one that could not. */
export interface ReadFailuresResult {
  records: LoggedFailure[];
  warnings: LogWarning[];
}

/**
 * Read the attempt log. A missing file is an empty log. The file is never rejected as a whole:
 * a broken or wrong-shaped entry is skipped with a warning naming its line, and the rest is read.
 * A file that cannot be read (permissions, a folder, a memory folder that is a file) is a warning at
 * `file:1:1`; MEMORY_READ is thrown only for other errors (I/O).
 */
export async function readFailures(file: string): Promise<ReadFailuresResult> {
  const [main, sidecar] = await Promise.all([readFailureFile(file), readFailureFile(sidecarPathFor(file))]);
  // A memory folder that is a file hides both: one warning is enough.
  if (main.records.length === 0 && main.warnings[0]?.message.includes('is a file')) return main;
  if (sidecar.records.length === 0 && sidecar.warnings.length === 0) return main;
  const parked = sidecar.records.length;
  const note: LogWarning = {
    file: sidecarPathFor(file), line: 1, col: 1,
    message: `${parked} entr${parked === 1 ? 'y is' : 'ies are'} parked here because ${file} could not be written; they are included, and the next run that can write ${file} moves them there`,
  };
  const records = main.records;
  for (const r of sidecar.records) records.push(r);
  const warnings = main.warnings;
  for (const w of [...sidecar.warnings, ...(parked > 0 ? [note] : [])]) warnings.push(w);
  return { records, warnings };
}

/** `tool_failures.yaml` -> `tool_failures.unsaved.yaml`: same format, so it can be read and merged. */
export function sidecarPathFor(file: string): string {
  const ext = extname(file);
  const stem = basename(file, ext);
  return join(dirname(file), `${stem}.unsaved${ext || '.yaml'}`);
}

/**
 * A log that cannot be read is the user's to fix, not aiw's (permissions, a folder, a memory folder
 * that is a file): a warning at `file:1:1`, and the rest of memory goes on. Other errors (I/O) throw.
 */
export function unreadableWarning(file: string, err: unknown): LogWarning {
  const code = (err as NodeJS.ErrnoException).code;
  const why = code === 'EACCES' || code === 'EPERM' ? `it cannot be read (${code}: permission denied; check its owner and mode)`
    : code === 'EISDIR' ? 'it is a folder, not a file'
    : code === 'ENOTDIR' ? 'a folder on its path is a file (is the memory folder a file?)'
    : undefined;
  if (why) return { file, line: 1, col: 1, message: `skipped: ${why}` };
  throw new AiwError('MEMORY_READ', `cannot read ${file}: ${(err as Error).message}`, { cause: err, location: { file } });
}

/** One log file alone (the log or its sidecar), as `readFailures` describes. */
export async function readFailureFile(file: string): Promise<ReadFailuresResult> {
  let text: string;
  try {
    // Read at once: the parse after it holds the thread far longer, and a promise-based read stays
    // listed as active work until it is garbage collected, which keeps the CLI from exiting at once.
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], warnings: [] };
    return { records: [], warnings: [unreadableWarning(file, err)] };
  }
  const result = parseFailureLog(text, file);
  return { records: result.records, warnings: summariseWarnings(result.warnings) };
}

/**
 * Parse the text of an attempt log. The usual file (comments, then `failures:` and its entries) is
 * read line by line with `JSON.parse`, which keeps 100,000 entries well under a second; anything
 * else (other keys after the list, flow style, junk) goes through the full `yaml` parser.
 */
export function parseFailureLog(text: string, file: string): ReadFailuresResult {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  // CRLF files (written on Windows) read the same: a line's `\r` would otherwise stay in the entry.
  const lines = source.includes('\r') ? source.split(/\r?\n/) : source.split('\n');
  const key = findFailuresKey(lines);
  if (key >= 0 && prefixFits(lines, key)) {
    const scan = scanSequence(lines, key + 1, lines.length, { file, firstLine: 1, indent: null });
    if (scan.fits) {
      // An unfinished last line (no newline after it) is a write cut short: say so, not "bad YAML".
      const last = lines.length;
      if (!source.endsWith('\n') && isTornEntry(lines[last - 1] ?? '')) {
        const torn = scan.warnings.find((w) => w.line === last);
        if (torn) torn.message = TORN_MESSAGE;
      }
      return { records: scan.records, warnings: scan.warnings };
    }
  }
  return parseWhole(source, file);
}

/** The attempt log read by the full YAML parser alone, as a file not laid out as aiw writes it is. */
export function parseWhole(text: string, file: string): ReadFailuresResult {
  const tooLarge = tooLargeToParse(text.length);
  if (tooLarge !== null) return { records: [], warnings: [{ file, line: 1, col: 1, message: `not read: ${tooLarge}` }] };
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const warnings = doc.warnings.map((w) => yamlWarning(w, file, 1));
  if (doc.errors.length > 0) {
    // With a syntax error nothing in the file can be trusted to be what it looks like.
    return { records: [], warnings: [...doc.errors.map((e) => yamlWarning(e, file, 1)), ...warnings] };
  }
  const at = (node: Node | null | undefined, message: string): LogWarning => {
    const pos = lineCounter.linePos(node?.range?.[0] ?? 0);
    return { file, line: pos.line, col: pos.col, message };
  };
  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) return { records: [], warnings };
  if (!isMap(root)) return { records: [], warnings: [...warnings, at(root, 'expected a mapping with a "failures" list')] };
  const list = root.get('failures', true);
  if (list === undefined || (isScalar(list) && list.value === null)) return { records: [], warnings };
  if (!isSeq(list)) return { records: [], warnings: [...warnings, at(list as Node, '"failures" must be a list of entries')] };
  const records: LoggedFailure[] = [];
  for (const item of list.items) {
    let value: unknown;
    try {
      value = isNode(item) ? item.toJS(doc) : item;
    } catch (err) {
      // toJS throws on what only shows when resolving: an alias to a later anchor, an alias bomb.
      warnings.push(at(item as Node, `entry skipped: ${(err as Error).message}`));
      continue;
    }
    const problem = recordProblem(value);
    if (problem) warnings.push(at(item as Node, `entry skipped: ${problem}`));
    else records.push(value as LoggedFailure);
  }
  return { records, warnings };
}
