import { buildReader, valueOf, type EntryKeys, type Reader } from './fast-entry.js';
import type { FieldType, LoggedFailure } from './record.js';

/*
 * `readEntryKeys` (fast-entry.ts) over a piece of the file read as latin1 text, one character per
 * byte, instead of over each line decoded as UTF-8 and cut out of its piece: the line scan of a
 * large log then decodes nothing, slices no line, and finds the next line where the match ends.
 * The regex is the same but for strings, which must be ASCII: a line with any other byte is
 * refused here (and read as UTF-8 by the text readers), so an entry taken here reads exactly as
 * `readEntryKeys` reads it (test/memory/attempt-log/byte-entry.test.ts holds them equal).
 */

/** Reads aiw's one-line entries from a piece of latin1 text of the chunk. */
export class EntryByteReader {
  /** After a successful `read`: index (in the chunk's bytes) of the `\n` that ends the line. */
  end = 0;
  private text = '';
  private offset = 0;
  private readonly reader: Reader;

  constructor(keys: EntryKeys) {
    this.reader = buildReader(keys, true);
  }

  /** The text `read` works on: the latin1 text of the chunk's bytes from `offset` on, whole lines only. */
  setChunk(text: string, offset: number): void {
    this.text = text;
    this.offset = offset;
  }

  /**
   * The entry whose `{` is at byte `from` of the chunk, when its line is aiw's shape in ASCII and
   * ends there with `\n` or `\r\n`; else undefined. Only the reader's keys are set on the entry.
   */
  read(from: number): LoggedFailure | undefined {
    const { line: pattern, fields, types, groups, values: v } = this.reader;
    pattern.lastIndex = from - this.offset;
    const m = pattern.exec(this.text);
    if (m === null) return undefined;
    this.end = pattern.lastIndex - 1 + this.offset;
    for (let i = 0; i < fields.length; i++) v[fields[i] as number] = valueOf(m, groups[i] as number, types[i] as FieldType);
    // Every key set by name, in one literal: one object shape for every entry.
    return {
      tool: v[0], error: v[1], error_type: v[2], fix_attempted: v[3], success: v[4], timestamp: v[5], skill: v[6], step: v[7],
      attempt: v[8], duration_ms: v[9], run_id: v[10], pattern: v[11], kind: v[12], exit_code: v[13], http_status: v[14],
    } as LoggedFailure;
  }
}
