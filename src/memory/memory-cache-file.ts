import { createHash } from 'node:crypto';
import { fstatSync, readSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../files/atomic-write.js';
import type { LogWarning } from './attempt-log/attempt-log.js';
import type { Built, Columns, Table } from './cache-table.js';
import { BrokenCache, buildIndex, readIndex, type CacheIndex, type IndexLayout } from './cache-index.js';

export { BrokenCache };

/**
 * The lookup cache's file: a first line `aiw-memory-cache <version> <meta bytes> <index bytes>`; the
 * meta (one small JSON object: the source's key, its warnings and extra data, the index layout); the
 * index (cache-index.ts: ASCII, read in place, never decoded as a whole); then one JSON entry per
 * line. One file, replaced atomically, so a reader never pairs an index with another body.
 */
export interface Meta {
  key: SourceKey;
  /** Set when the source changed within RACY_MS of being read: its mtime alone cannot prove a later edit. */
  hash: string | null;
  count: number;
  warnings: LogWarning[];
  extra: unknown;
  layout: IndexLayout;
}

/** The meta of an open cache file, with its index. */
export interface Header extends Meta {
  index: CacheIndex;
  /** The index's bytes, as they are in the file. */
  indexBytes: Buffer;
}

export interface SourceKey {
  size: number;
  mtimeMs: number;
  ino: number;
}

// Bump when the parsers change what they produce, so caches written by an older aiw are rebuilt.
const MAGIC = 'aiw-memory-cache 7';
const FIRST_READ = 64 * 1024;

/** The header of an open cache file, or null when it is not one this aiw wrote (or is cut short). */
export function readHeader(fd: number): { header: Header; bodyStart: number } | null {
  const first = Buffer.allocUnsafe(FIRST_READ);
  const bytesRead = readSync(fd, first, 0, FIRST_READ, 0);
  const nl = first.subarray(0, bytesRead).indexOf(10);
  if (nl < 0) return null;
  const line = first.subarray(0, nl).toString('utf8');
  const lengths = /^(\d+) (\d+)$/.exec(line.slice(MAGIC.length + 1));
  if (!line.startsWith(`${MAGIC} `) || !lengths) return null;
  const metaLength = Number(lengths[1]);
  const length = metaLength + Number(lengths[2]);
  let bytes = first.subarray(nl + 1, Math.min(bytesRead, nl + 1 + length));
  if (bytes.length < length) {
    // One read of the whole index: a 10,000-entry index is about 400 KB, which a read copies in well under a millisecond.
    bytes = Buffer.allocUnsafeSlow(length);
    if (readSync(fd, bytes, 0, length, nl + 1) < length) return null;
  }
  let meta: Meta;
  try {
    meta = JSON.parse(bytes.subarray(0, metaLength).toString('utf8')) as Meta;
  } catch {
    // A cache cut short or edited by hand: not an error, the source is parsed again.
    return null;
  }
  if (!wellFormed(meta)) return null;
  const indexBytes = bytes.subarray(metaLength);
  const index = readIndex(meta.layout, meta.count, indexBytes);
  return index ? { header: { ...meta, index, indexBytes }, bodyStart: nl + 1 + length } : null;
}

function wellFormed(m: Meta): boolean {
  return typeof m === 'object' && m !== null && typeof m.key === 'object' && m.key !== null && Number.isInteger(m.count) && m.count >= 0
    && Array.isArray(m.warnings) && (m.hash === null || typeof m.hash === 'string');
}

// Above this many rows one read of the whole body is cheaper than a read per row.
const ROWS_PER_READ = 64;

/** The table of an open cache file; entries are read from `fd` on demand. */
export function cachedTable<E>(fd: number, header: Header, bodyStart: number): Table<E> {
  const { index } = header;
  return {
    count: header.count, warnings: header.warnings, extra: header.extra,
    rowsOf: (tool) => index.rowsOf(tool),
    candidates: (hay) => index.candidates(hay),
    async read(rows) {
      const whole = rows.length > ROWS_PER_READ ? readAt(fd, bodyStart, index.offset(header.count)) : null;
      const out: E[] = [];
      for (const r of rows) {
        if (!(r >= 0 && r < header.count)) throw new BrokenCache('cache row out of range');
        const start = index.offset(r);
        const end = index.offset(r + 1);
        if (end < start) throw new BrokenCache('cache row out of range');
        const bytes = whole ? whole.subarray(start, end) : readAt(fd, bodyStart + start, end - start);
        try {
          out.push(JSON.parse(bytes.toString('utf8')) as E);
        } catch (err) {
          throw new BrokenCache('cache entry is not valid JSON', { cause: err });
        }
      }
      return out;
    },
  };
}

function readAt(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  if (readSync(fd, buf, 0, length, position) < length) throw new BrokenCache('cache file cut short');
  return buf;
}

export async function writeCache<E>(cacheFile: string, key: SourceKey, hash: string | null, built: Built<E>, columns: Columns): Promise<string | undefined> {
  const lines = built.entries.map((e) => `${JSON.stringify(e)}\n`);
  const offsets = [0];
  for (const l of lines) offsets.push(offsets[offsets.length - 1]! + Buffer.byteLength(l, 'utf8'));
  const { layout, text } = buildIndex(columns, offsets);
  const meta: Meta = { key, hash, count: built.entries.length, warnings: built.warnings, extra: built.extra ?? null, layout };
  return saveCache(cacheFile, meta, text, lines.join(''));
}

/** Rewrite a cache without its content hash, once the source is old enough for its mtime to prove any edit. */
export async function promote(fd: number, cacheFile: string, header: Header, bodyStart: number): Promise<string | undefined> {
  const { index: _index, indexBytes, ...meta } = header;
  const body = readAt(fd, bodyStart, fstatSync(fd).size - bodyStart);
  return saveCache(cacheFile, { ...meta, hash: null }, indexBytes.toString('latin1'), body.toString('utf8'));
}

/** Best effort: a cache that cannot be written costs time, not correctness, so it is a warning. */
async function saveCache(cacheFile: string, meta: Meta, index: string, body: string): Promise<string | undefined> {
  const metaText = JSON.stringify(meta);
  // The index is ASCII, so its length in characters is its length in bytes.
  const text = `${MAGIC} ${Buffer.byteLength(metaText, 'utf8')} ${index.length}\n${metaText}${index}${body}`;
  try {
    await makeFolder(dirname(cacheFile));
    await writeFileAtomic(cacheFile, text);
  } catch (err) {
    return `cannot write the lookup cache ${cacheFile} (lookups stay correct but slower): ${(err as Error).message}`;
  }
  return undefined;
}

/**
 * mkdir -p, but with the real cause: on a read-only mount a recursive mkdir can report ENOENT for
 * the folder it failed to create, which hides the EROFS a plain mkdir reports.
 */
async function makeFolder(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    try {
      await mkdir(dir);
    } catch (plain) {
      if ((plain as NodeJS.ErrnoException).code === 'EEXIST') return;
      // The plain mkdir's error names the real cause (EROFS, EACCES) unless the parent is missing too.
      throw (plain as NodeJS.ErrnoException).code === 'ENOENT' ? err : plain;
    }
  }
}


export function sameKey(a: SourceKey, b: SourceKey): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino;
}

export function sha1(bytes: Buffer): string {
  return createHash('sha1').update(bytes).digest('hex');
}
