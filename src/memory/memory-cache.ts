import { closeSync, openSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Built, Columns, Table } from './cache-table.js';
import { BrokenCache, cachedTable, promote, readHeader, sameKey, sha1, writeCache, type SourceKey } from './memory-cache-file.js';
import { holdsNeedle, needleOf } from './needle.js';

export { haystackOf, needleOf } from './needle.js';

/**
 * Learned files larger than this are not parsed: 10,000 fixes take about 3 MB, and parsing tens of
 * megabytes of YAML takes minutes and gigabytes. Lookups skip such a file with a warning at
 * `file:1:1`; writers refuse to touch it.
 */
export const LEARNED_PARSE_LIMIT = 16 * 1024 * 1024;

export function tooLarge(file: string, size: number): { file: string; line: number; col: number; message: string } {
  return {
    file, line: 1, col: 1,
    message: `${(size / 1024 / 1024).toFixed(1)} MB is more than the ${LEARNED_PARSE_LIMIT / 1024 / 1024} MB aiw reads from a learned file; it is skipped and left as it is`,
  };
}

// Coarser than any file system's timestamp granularity (FAT: 2 s).
const RACY_MS = 2_000;

/** `<memory>/learned/tool_fixes.yaml` -> `<memory>/.cache/tool_fixes.yaml.cache`. */
export function cachePathFor(memoryDir: string, source: string): string {
  return join(memoryDir, '.cache', `${basename(source)}.cache`);
}

/**
 * Give `use` the table of `source`, from the cache when it was made from the file as it is now
 * (same size, mtime and inode; and same content hash when the file was changed just before the
 * cache was made), else by parsing the file with `build` and writing a new cache atomically. A
 * cache that is unreadable, truncated or from another aiw version is simply rebuilt. A missing
 * source is an empty table. Problems writing the cache come back in `cacheWarning`.
 */
export async function withTable<E, T>(
  source: string, cacheFile: string, build: (text: string) => Built<E>, use: (table: Table<E>) => Promise<T>,
): Promise<{ value: T; cacheWarning?: string }> {
  const before = Date.now();
  let key: SourceKey;
  try {
    // Reads are synchronous: a lookup is a handful of small reads, and a thread-pool round trip for
    // each costs more than the read itself (this runs on every failure, and in `aiw known-issues`).
    const info = statSync(source);
    if (!info.isFile()) return { value: await use(skipped(source, 'it is not a regular file (a folder?)')) };
    key = { size: info.size, mtimeMs: info.mtimeMs, ino: info.ino };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { value: await use(emptyTable()) };
    const why = unreadable(err);
    if (why) return { value: await use(skipped(source, why)) };
    throw err;
  }
  if (key.size > LEARNED_PARSE_LIMIT) {
    return { value: await use({ ...emptyTable<E>(), warnings: [tooLarge(source, key.size)] }) };
  }
  const cached = await openCache<E>(cacheFile, key, source, before);
  if (cached) {
    try {
      return { value: await use(cached.table), cacheWarning: cached.warning };
    } catch (err) {
      // A cache damaged after its header was read: parse the source instead, as if it were absent.
      if (!(err instanceof BrokenCache)) throw err;
    } finally {
      closeSync(cached.fd);
    }
  }
  let bytes: Buffer;
  try {
    bytes = readFileSync(source);
  } catch (err) {
    const why = unreadable(err);
    if (why) return { value: await use(skipped(source, why)) };
    throw err;
  }
  const built = build(bytes.toString('utf8'));
  const racy = before - key.mtimeMs < RACY_MS;
  const columns = columnsOf(built);
  const cacheWarning = await writeCache(cacheFile, key, racy ? sha1(bytes) : null, built, columns);
  return { value: await use(memoryTable(built, columns)), cacheWarning };
}

/**
 * Write the cache for `source` as just written from `text` by a writer that already knows its
 * table (learn-fix), so the next lookup needs no parse. The writer holds the source's lock.
 */
export async function storeTable<E>(source: string, cacheFile: string, text: string, built: Built<E>): Promise<string | undefined> {
  const info = statSync(source);
  const key = { size: info.size, mtimeMs: info.mtimeMs, ino: info.ino };
  // Always racy: the file was written a moment ago, so readers check the content hash until it ages.
  return writeCache(cacheFile, key, sha1(Buffer.from(text, 'utf8')), built, columnsOf(built));
}

/** The lookup columns of a parsed file (tool ids and literal prefilters), for every store that keeps a table. */
export function columnsOf(built: Built<unknown>): Columns {
  const tools: string[] = [];
  const ids = new Map<string, number>();
  const toolIndex = built.tool.map((t) => {
    if (t === null) return -1;
    let id = ids.get(t);
    if (id === undefined) ids.set(t, (id = tools.push(t) - 1));
    return id;
  });
  return { tools, toolIndex, needles: built.pattern.map(needleOf) };
}

/**
 * Why a learned file cannot be read, for the errors that are the user's to fix (permissions, a
 * memory folder that is a file); undefined for anything else, which stays an error.
 */
function unreadable(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return `it cannot be read (${code}: permission denied; check its owner and mode)`;
  if (code === 'ENOTDIR') return 'a folder on its path is a file (is the memory folder a file?)';
  if (code === 'EISDIR') return 'it is a folder, not a file';
  if (code === 'ELOOP') return 'it is a symlink loop';
  return undefined;
}

/** An empty table whose one warning says why `source` was skipped; lookups go on without it. */
function skipped<E>(source: string, why: string): Table<E> {
  return { ...emptyTable<E>(), warnings: [{ file: source, line: 1, col: 1, message: `skipped: ${why}` }] };
}

/** A table with no rows. */
export function emptyTable<E>(): Table<E> {
  return { count: 0, warnings: [], extra: undefined, rowsOf: () => [], candidates: () => [], read: async () => [] };
}

/** A table over entries in memory (just parsed, or fetched), answering from its columns row by row. */
export function memoryTable<E>(built: Built<E>, columns: Columns): Table<E> {
  const rows = (keep: (row: number) => boolean): number[] => built.entries.flatMap((_, r) => (keep(r) ? [r] : []));
  return {
    count: built.entries.length, warnings: built.warnings, extra: built.extra,
    rowsOf(tool) {
      const id = columns.tools.indexOf(tool);
      return id < 0 ? [] : rows((r) => columns.toolIndex[r] === id);
    },
    candidates(hay) {
      return rows((r) => {
        const needle = columns.needles[r];
        return needle === null || needle === undefined || holdsNeedle(hay, needle);
      });
    },
    read: async (rs) => rs.map((r) => built.entries[r]!),
  };
}

async function openCache<E>(cacheFile: string, key: SourceKey, source: string, before: number): Promise<{ table: Table<E>; fd: number; warning?: string } | null> {
  let fd: number;
  try {
    fd = openSync(cacheFile, 'r');
  } catch (err) {
    // No cache yet, or one we may not read: either way the source is parsed instead.
    if (['ENOENT', 'ENOTDIR', 'EACCES', 'EISDIR'].includes((err as NodeJS.ErrnoException).code ?? '')) return null;
    throw err;
  }
  let keep = false;
  try {
    const parsed = readHeader(fd);
    if (!parsed || !sameKey(parsed.header.key, key)) return null;
    const { header, bodyStart } = parsed;
    let warning: string | undefined;
    if (header.hash !== null) {
      if (sha1(readFileSync(source)) !== header.hash) return null;
      // Old enough now that any later edit must change the mtime: drop the hash check for good.
      if (before - key.mtimeMs >= RACY_MS) warning = await promote(fd, cacheFile, header, bodyStart);
    }
    keep = true;
    return { table: cachedTable<E>(fd, header, bodyStart), fd, warning };
  } finally {
    if (!keep) closeSync(fd);
  }
}
