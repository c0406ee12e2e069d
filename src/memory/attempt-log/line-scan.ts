import { EntryByteReader } from './byte-entry.js';
import type { EntryKeys } from './fast-entry.js';
import type { LoggedFailure } from './record.js';
import { findFailuresKey, prefixFits, scanSequence, tooLargeToParse, type LogWarning } from './scan.js';
import { isTornEntry, TORN_MESSAGE } from './torn-tail.js';

// Lines of text held before they are read (1,024-line batches were the fastest of the sizes tried
// on a 50 MB log), and bytes decoded at a time: below V8's large-object size even as two-byte text,
// as large strings are freed only by a full collection.
const BATCH_LINES = 1024;
const PIECE = 48 * 1024;
const LF = 0x0a;
const CR = 0x0d;
const TAB = 0x09;
const SPACE = 0x20;
const HASH = 0x23;
const DASH = 0x2d;
const BRACE = 0x7b;
const SHORT_LINE = 96;
/** A line that starts one of the Python project's sections (seed-sections.ts), after any line break JavaScript knows. */
const SECTION = /^(?:auto_fixes|tool_failures|failure_history|stats):/m;

/**
 * The line scan of an attempt log, fed a chunk of whole lines at a time (`forEachLines`). With
 * `keys`, an entry in aiw's own one-line shape is read from the bytes (`EntryByteReader`) and never
 * decoded; every other line is decoded and read by `scanSequence`, as all lines were before, so the
 * records, warnings and line numbers are the same whichever way a line goes. A one-line entry is
 * only taken once the next line starts an entry (or the file ends): a line that continues it makes
 * it a multi-line entry, which the text readers read whole.
 */
export class LineScan {
  private keyFound = false;
  private readonly prefix: string[] = [];
  private prefixSize = 0;
  /** Column of the list's `- `, once known; a line read from bytes must start an entry there. */
  private indent: number | null = null;
  /** Whether a line that may not be blank or a comment came before the first entry. */
  private significant = false;
  // Lines of text waiting for scanSequence, and the line number of the first.
  private batch: string[] = [];
  private batchFirstLine = 0;
  private lineNo = 0;
  // The last entry read from bytes, held until the next line shows it is whole. Its line is kept
  // as bytes in the chunk (start, end) or, once the chunk is gone, as text.
  private pending: LoggedFailure | undefined;
  private pendingStart = -1;
  private pendingEnd = -1;
  private pendingText = '';
  private pendingLine = 0;
  // The lines to decode: bytes [runStart, ...) of the chunk, from line runLine on.
  private runStart = -1;
  private runLine = 0;
  private torn = false;
  private sectionSeen = false;
  private done = false;
  private bytes: Buffer = Buffer.alloc(0);
  private readonly reader: EntryByteReader | undefined;

  constructor(
    private readonly file: string,
    private readonly add: (record: LoggedFailure) => void,
    private readonly warn: (warning: LogWarning) => void,
    private readonly keys?: EntryKeys,
  ) {
    this.reader = keys ? new EntryByteReader(keys) : undefined;
  }

  /**
   * Whether a line of the file starts one of the Python project's sections (`stats:` and the
   * others), as seed-sections.ts looks for them; known once the whole file was scanned. A line read
   * from bytes never does: it starts with its indentation and holds no line break.
   */
  get sections(): boolean | undefined {
    return this.done ? this.sectionSeen : undefined;
  }

  /**
   * Take one chunk of whole lines (`last`: the end of the file, after its last newline; `bom`: a
   * BOM was dropped before it); false when the file is not laid out for the line scan.
   */
  chunk(bytes: Buffer, last: boolean, bom = false): boolean {
    this.bytes = bytes;
    const n = bytes.length;
    const reader = this.reader;
    let s = 0;
    while (s < n && !this.keyFound) {
      const nl = bytes.indexOf(LF, s);
      const stop = nl < 0 ? n : nl;
      const line = bytes.toString('utf8', s, nl > s && bytes[nl - 1] === CR ? nl - 1 : stop);
      // The file's first line does not start a section after a BOM, as in the file's bytes.
      if (!this.sectionSeen) this.sectionSeen = SECTION.test(bom && s === 0 && this.lineNo === 0 ? `\ufeff${line}` : line);
      s = stop + 1;
      if (nl < 0) this.torn = line !== '' && isTornEntry(line);
      if (!this.takePrefix(line)) return false;
    }
    // Without a reader every line goes to the text readers: the chunk is decoded a piece at a time.
    if (reader === undefined && s < n && !this.textOnly(bytes, s, n)) return false;
    // The text of the byte reader, a piece at a time (see PIECE), up to a line end.
    let textEnd = s;
    while (reader !== undefined && s < n) {
      const entry = this.startsEntry(bytes, s, n);
      if (entry && reader !== undefined && bytes[s + (this.indent as number) + 2] === BRACE) {
        if (s >= textEnd) {
          const nl = s + PIECE < n ? bytes.indexOf(LF, s + PIECE) : -1;
          textEnd = nl < 0 ? n : nl + 1;
          reader.setChunk(bytes.toString('latin1', s, textEnd), s);
        }
        const record = reader.read(s + (this.indent as number) + 2);
        if (record !== undefined) {
          // Everything before this line is whole: the entry held, or the lines waiting.
          if (this.pending !== undefined) this.add(this.pending);
          else if ((this.runStart >= 0 && !this.closeRun(s)) || !this.flush(this.batch.length)) return false;
          this.pending = record;
          this.pendingStart = s;
          this.pendingEnd = bytes[reader.end - 1] === CR ? reader.end - 1 : reader.end;
          this.pendingLine = ++this.lineNo;
          s = reader.end + 1;
          continue;
        }
      }
      if (this.pending !== undefined) {
        if (entry) this.add(this.pending);
        else this.pendingToText();
        this.pending = undefined;
      }
      if (this.indent === null && !entry && !this.significant && !blankOrComment(bytes, s)) this.significant = true;
      if (this.runStart < 0) {
        this.runStart = s;
        this.runLine = this.lineNo + 1;
      }
      this.lineNo++;
      const nl = lineEnd(bytes, s, n);
      s = nl < 0 ? n : nl + 1;
      if (s - this.runStart >= PIECE && !this.closeRun(s)) return false;
    }
    if (reader !== undefined && this.runStart >= 0 && !this.closeRun(n)) return false;
    if (this.pending !== undefined && this.pendingStart >= 0) {
      this.pendingText = bytes.toString('utf8', this.pendingStart, this.pendingEnd);
      this.pendingStart = -1;
    }
    if (!last) return true;
    this.done = this.finish();
    return this.done;
  }

  /** After the last chunk: the rest is read; false when the file is not laid out for the line scan. */
  private finish(): boolean {
    if (!this.keyFound) {
      // No `failures:` key: not the line layout (or empty); the whole-file reader decides.
      return this.prefix.every((l) => l.trim() === '' || l.trimStart().startsWith('#'));
    }
    if (this.pending !== undefined) this.add(this.pending);
    this.pending = undefined;
    return this.flush(this.batch.length, this.torn ? this.lineNo : -1);
  }

  private takePrefix(line: string): boolean {
    this.lineNo++;
    if (findFailuresKey([line]) === 0) {
      this.keyFound = true;
      if (!prefixFits(this.prefix, this.prefix.length)) return false;
      this.batchFirstLine = this.lineNo + 1;
      return true;
    }
    this.prefix.push(line);
    this.prefixSize += line.length + 1;
    return tooLargeToParse(this.prefixSize) === null;
  }

  /**
   * Whether the line at `s` starts an entry: `- ` (or a lone `-`) at the list's column, as
   * scanSequence decides. Before the first entry, the first such line after nothing but blank lines
   * and comments sets that column, as scanSequence would.
   */
  private startsEntry(bytes: Buffer, s: number, n: number): boolean {
    let i = s;
    while (bytes[i] === SPACE) i++;
    if (bytes[i] !== DASH) return false;
    const next = bytes[i + 1];
    if (!(next === SPACE || next === LF || next === CR || i + 1 >= n)) return false;
    if (this.indent === null) {
      if (this.significant) return false;
      this.indent = i - s;
    }
    return i - s === this.indent;
  }

  /** The held entry's line goes to the text readers with the line after it, which continues it. */
  private pendingToText(): void {
    if (this.pendingStart >= 0) {
      this.runStart = this.pendingStart;
      this.runLine = this.pendingLine;
      return;
    }
    // Held from the chunk before: nothing waits before it (an entry is held only then).
    this.batchFirstLine = this.pendingLine;
    this.batch.push(this.pendingText);
  }

  /** All lines from `s` to the chunk's end are text lines, decoded about PIECE bytes at a time and counted. */
  private textOnly(bytes: Buffer, s: number, n: number): boolean {
    while (s < n) {
      let end = n;
      if (n - s > PIECE) {
        const nl = bytes.lastIndexOf(LF, s + PIECE - 1);
        // One line longer than a piece: the piece ends with it.
        end = nl >= s ? nl + 1 : bytes.indexOf(LF, s + PIECE) + 1 || n;
      }
      this.runStart = s;
      this.runLine = this.lineNo + 1;
      if (!this.closeRun(end, true)) return false;
      s = end;
    }
    return true;
  }

  /**
   * Decode the waiting lines up to byte `end` into the batch (`count`: add them to the line count);
   * read the batch's whole entries once it is long.
   */
  private closeRun(end: number, count = false): boolean {
    const text = this.bytes.toString('utf8', this.runStart, end);
    if (!this.sectionSeen) this.sectionSeen = SECTION.test(text);
    if (this.batch.length === 0) this.batchFirstLine = this.runLine;
    this.runStart = -1;
    const before = this.batch.length;
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      this.batch.push(text.slice(start, nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl));
      start = nl + 1;
    }
    // The end of the file without a newline: kept as it is, as the text readers always had it.
    if (start < text.length) {
      const rest = text.slice(start);
      this.torn = isTornEntry(rest);
      this.batch.push(rest);
    }
    if (count) this.lineNo += this.batch.length - before;
    if (this.batch.length < BATCH_LINES) return true;
    // The list's indentation is that of its first entry, as scanSequence would find it.
    this.indent ??= firstEntryIndent(this.batch);
    // Cut before the last entry's first line: every entry before it is complete.
    const cut = this.indent === null ? -1 : lastEntryStart(this.batch, this.indent);
    return cut <= 0 || this.flush(cut);
  }

  /** Read batch[0, end) with scanSequence; warnings on line `tornLine` say the entry is torn. */
  private flush(end: number, tornLine = -1): boolean {
    if (end === 0) return true;
    const scan = scanSequence(this.batch, 0, end, { file: this.file, firstLine: this.batchFirstLine, indent: this.indent, keys: this.keys });
    if (!scan.fits) return false;
    this.indent = scan.indent;
    for (const r of scan.records) this.add(r);
    for (const w of scan.warnings) this.warn(w.line === tornLine ? { ...w, message: TORN_MESSAGE } : w);
    this.batch = end === this.batch.length ? [] : this.batch.slice(end);
    this.batchFirstLine += end;
    return true;
  }
}

/**
 * Index of the newline that ends the line at `s`, or -1. Most lines that are not aiw's entries are
 * short (the seed's `key: value` lines): a loop finds their end sooner than a native search would
 * be called; a longer line gets the native search.
 */
function lineEnd(bytes: Buffer, s: number, n: number): number {
  const stop = Math.min(n, s + SHORT_LINE);
  for (let i = s; i < stop; i++) if (bytes[i] === LF) return i;
  return stop < n ? bytes.indexOf(LF, stop) : -1;
}

/** Whether the line at `s` is blank or a comment, judged on ASCII alone (anything else: maybe not). */
function blankOrComment(bytes: Buffer, s: number): boolean {
  for (let i = s; ; i++) {
    const c = bytes[i];
    if (c === SPACE || c === TAB || c === CR || c === 0x0b || c === 0x0c) continue;
    return c === LF || c === HASH || c === undefined;
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
  while (line.charCodeAt(n) === SPACE) n++;
  if (line.charCodeAt(n) !== DASH) return -1;
  const next = line.charCodeAt(n + 1);
  return Number.isNaN(next) || next === SPACE ? n : -1;
}
