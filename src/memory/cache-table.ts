import type { LogWarning } from './attempt-log/attempt-log.js';

export interface Columns {
  /** Distinct tool names; `toolIndex[row]` points into it, -1 for an entry without a tool. */
  tools: string[];
  toolIndex: number[];
  /**
   * The prefilter: the entry's plain pattern lowercased with whitespace collapsed, or a /regex/'s
   * required literals joined by tabs, which the error must all contain (see needle.ts) for the
   * pattern to have any chance; null when only the full matcher can tell (non-ASCII text, a regex
   * without literals).
   */
  needles: Array<string | null>;
}

/**
 * A parsed memory file as a table. Parsing a 10,000-entry YAML file takes about a second; a lookup
 * in the cache reads only the rows of one tool and the rows whose needle the error holds, and the
 * entries it keeps cost one small read each.
 */
export interface Table<E> {
  count: number;
  warnings: LogWarning[];
  extra: unknown;
  /** The rows whose entry names `tool`, ascending. */
  rowsOf(tool: string): number[];
  /**
   * The rows whose pattern may match an error with this haystack (see `haystackOf`), ascending:
   * every row whose needle `hay` holds, and every row without a needle.
   */
  candidates(hay: string): number[];
  read(rows: readonly number[]): Promise<E[]>;
}

/** What a parser makes of a file's text. */
export interface Built<E> {
  entries: E[];
  tool: Array<string | null>;
  pattern: Array<string | null>;
  warnings: LogWarning[];
  extra?: unknown;
}
