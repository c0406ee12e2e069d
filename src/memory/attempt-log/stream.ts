import { forEachText } from './read-text.js';
import type { EntryKeys } from './fast-entry.js';
import type { LoggedFailure } from './record.js';
import { readFailureFile, sidecarPathFor, unreadableWarning } from './read.js';
import { findFailuresKey, prefixFits, scanSequence, tooLargeToParse, type LogWarning } from './scan.js';
import { WarningSummary } from './summarise.js';
import { isTornEntry, TORN_MESSAGE } from './torn-tail.js';

/** Where streamed entries go. `reset` forgets everything added: the file is then read another way. */
export interface FailureSink {
  add(record: LoggedFailure): void;
  reset(): void;
  /**
   * The entry keys `add` reads, when only some: entries in aiw's own one-line shape then come with
   * just these set (read without the rest, such as the long error text); other entries come whole.
   */
  readonly keys?: EntryKeys;
}

// Lines scanned per batch: small enough that memory stays flat (1,024-line batches were the
// fastest of the sizes tried on a 50 MB log).
const BATCH_LINES = 1024;
const DASH = 45;

/**
 * Read the attempt log and its sidecar entry by entry, in order, giving each entry to `sink`, and
 * return the warnings (summarised). Only a few thousand lines are held at a time, so a log of any
 * size is read in bounded memory; the result is what `readFailures` gives. A log not laid out as
 * aiw writes it (another key after the list, tabs) is read whole instead, after `sink.reset()`.
 */
export async function streamFailures(file: string, sink: FailureSink): Promise<LogWarning[]> {
  const summary = new WarningSummary();
  // A memory folder that is a file hides the sidecar too: one warning is enough.
  if ((await streamOne(file, sink, summary)) === 'no folder') return summary.list();
  const sidecar = sidecarPathFor(file);
  let parked = 0;
  await streamOne(sidecar, { add: (r) => (parked++, sink.add(r)), reset: () => undefined, keys: sink.keys }, summary);
  if (parked > 0) {
    summary.add({
      file: sidecar, line: 1, col: 1,
      message: `${parked} entr${parked === 1 ? 'y is' : 'ies are'} parked here because ${file} could not be written; they are included, and the next run that can write ${file} moves them there`,
    });
  }
  return summary.list();
}

async function streamOne(file: string, sink: FailureSink, summary: WarningSummary): Promise<'no folder' | undefined> {
  const warnings: LogWarning[] = [];
  let fits: boolean;
  try {
    fits = await scanStream(file, sink, (w) => warnings.push(w));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (!code) throw err;
    summary.add(unreadableWarning(file, err));
    return code === 'ENOTDIR' ? 'no folder' : undefined;
  }
  if (!fits) {
    sink.reset();
    const whole = await readFailureFile(file);
    for (const r of whole.records) sink.add(r);
    for (const w of whole.warnings) summary.add(w);
    return undefined;
  }
  for (const w of warnings) summary.add(w);
  return undefined;
}

/** Scan `file` line by line; false as soon as it is not laid out for the line scan. */
async function scanStream(file: string, sink: FailureSink, warn: (w: LogWarning) => void): Promise<boolean> {
  const prefix: string[] = [];
  let prefixSize = 0;
  let keyFound = false;
  let indent: number | null = null;
  let batch: string[] = [];
  let batchFirstLine = 0;
  let lineNo = 0;
  const flush = (end: number): boolean => {
    const scan = scanSequence(batch, 0, end, { file, firstLine: batchFirstLine, indent, keys: sink.keys });
    if (!scan.fits) return false;
    indent = scan.indent;
    for (const r of scan.records) sink.add(r);
    for (const w of scan.warnings) warn(w);
    batch = batch.slice(end);
    batchFirstLine += end;
    return true;
  };
  const take = (line: string): boolean => {
    lineNo++;
    if (!keyFound) {
      if (findFailuresKey([line]) === 0) {
        keyFound = true;
        if (!prefixFits(prefix, prefix.length)) return false;
        batchFirstLine = lineNo + 1;
        return true;
      }
      prefix.push(line);
      prefixSize += line.length + 1;
      return tooLargeToParse(prefixSize) === null;
    }
    batch.push(line);
    // Every BATCH_LINES lines (not on each line: one entry of many lines must not cost a rescan per line).
    if (batch.length % BATCH_LINES !== 0) return true;
    // The list's indentation is that of its first entry, as scanSequence would find it.
    indent ??= firstEntryIndent(batch);
    // Cut before the last entry's first line: every entry before it is complete.
    const cut = indent === null ? -1 : lastEntryStart(batch, indent);
    return cut <= 0 || flush(cut);
  };
  let rest = '';
  const complete = await forEachText(file, (text, last) => {
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      if (!take(text.slice(start, end))) return false;
      start = nl + 1;
    }
    if (last) rest = text.slice(start);
    return true;
  });
  if (!complete) return false;
  const torn = rest !== '' && isTornEntry(rest);
  if (rest !== '' && !take(rest)) return false;
  if (!keyFound) {
    // No `failures:` key: not the line layout (or empty); the whole-file reader decides.
    return prefix.every((l) => l.trim() === '' || l.trimStart().startsWith('#'));
  }
  const lastLine = lineNo;
  return flushAll();

  function flushAll(): boolean {
    const scan = scanSequence(batch, 0, batch.length, { file, firstLine: batchFirstLine, indent, keys: sink.keys });
    if (!scan.fits) return false;
    for (const r of scan.records) sink.add(r);
    for (const w of scan.warnings) warn(torn && w.line === lastLine ? { ...w, message: TORN_MESSAGE } : w);
    return true;
  }
}

/** Index of the last line that starts an entry (`- ` at the list's indentation), or -1. */
function lastEntryStart(lines: readonly string[], indent: number): number {
  for (let i = lines.length - 1; i > 0; i--) {
    if (dashIndent(lines[i] as string) === indent) return i;
  }
  return -1;
}

/** Indentation of the first line that is not blank or a comment, when it starts an entry; else null. */
function firstEntryIndent(lines: readonly string[]): number | null {
  for (const line of lines) {
    const text = line.trimStart();
    if (text === '' || text.startsWith('#')) continue;
    const n = dashIndent(line);
    return n < 0 ? null : n;
  }
  return null;
}

/** The column of the `-` when `line` starts a sequence entry, else -1. */
function dashIndent(line: string): number {
  let n = 0;
  while (line.charCodeAt(n) === 32) n++;
  if (line.charCodeAt(n) !== DASH) return -1;
  const next = line.charCodeAt(n + 1);
  return Number.isNaN(next) || next === 32 ? n : -1;
}
