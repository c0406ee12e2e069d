import { createHash } from 'node:crypto';
import { fstatSync, readSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../files/atomic-write.js';
import type { LogWarning } from './attempt-log/attempt-log.js';
import type { Built, Columns, Table } from './cache-table.js';

/**
 * The lookup cache's file: a first line `aiw-memory-cache <version> <header bytes> <needle bytes>`;
 * the header (one JSON object: the source's key, the tool column and each entry's byte offset); the
 * needles, one per line (NUL for none), since JSON.parse of 10,000 strings costs ten times more than
 * splitting them; then one JSON entry per line. One file, replaced atomically, so a reader never
 * pairs a header with another body.
 */
export interface Header extends Columns {
  key: SourceKey;
  /** Set when the source changed within RACY_MS of being read: its mtime alone cannot prove a later edit. */
  hash: string | null;
  count: number;
  offsets: number[];
  warnings: LogWarning[];
  extra: unknown;
}

export interface SourceKey {
  size: number;
  mtimeMs: number;
  ino: number;
}

// Bump when the parsers change what they produce, so caches written by an older aiw are rebuilt.
const MAGIC = 'aiw-memory-cache 6';
const FIRST_READ = 64 * 1024;
// Needles are printable ASCII with single spaces (needleOf), so neither NUL nor a newline occurs in one.
const NO_NEEDLE = '\u0000';

/** The header of an open cache file, or null when it is not one this aiw wrote (or is cut short). */
export function readHeader(fd: number): { header: Header; bodyStart: number } | null {
  const first = Buffer.alloc(FIRST_READ);
  const bytesRead = readSync(fd, first, 0, FIRST_READ, 0);
  const nl = first.subarray(0, bytesRead).indexOf(10);
  if (nl < 0) return null;
  const line = first.subarray(0, nl).toString('utf8');
  const lengths = /^(\d+) (\d+)$/.exec(line.slice(MAGIC.length + 1));
  if (!line.startsWith(`${MAGIC} `) || !lengths) return null;
  const headerLength = Number(lengths[1]);
  const length = headerLength + Number(lengths[2]);
  let bytes = first.subarray(nl + 1, Math.min(bytesRead, nl + 1 + length));
  if (bytes.length < length) {
    bytes = Buffer.alloc(length);
    if (readSync(fd, bytes, 0, length, nl + 1) < length) return null;
  }
  let header: Header;
  try {
    header = JSON.parse(bytes.subarray(0, headerLength).toString('utf8')) as Header;
  } catch {
    // A cache cut short or edited by hand: not an error, the source is parsed again.
    return null;
  }
  if (typeof header !== 'object' || header === null) return null;
  const needles: Array<string | null> = header.count === 0 ? [] : bytes.subarray(headerLength).toString('latin1').split('\n');
  for (let i = 0; i < needles.length; i++) if (needles[i] === NO_NEEDLE) needles[i] = null;
  header.needles = needles;
  return wellFormed(header) ? { header, bodyStart: nl + 1 + length } : null;
}

function wellFormed(h: Header): boolean {
  return typeof h === 'object' && h !== null && typeof h.key === 'object' && h.key !== null && Number.isInteger(h.count)
    && Array.isArray(h.tools) && Array.isArray(h.toolIndex) && h.toolIndex.length === h.count && Array.isArray(h.needles) && h.needles.length === h.count
    && Array.isArray(h.offsets) && h.offsets.length === h.count + 1 && Array.isArray(h.warnings)
    && (h.hash === null || typeof h.hash === 'string');
}

// Above this many rows one read of the whole body is cheaper than a read per row.
const ROWS_PER_READ = 64;

/** The table of an open cache file; entries are read from `fd` on demand. */
export function cachedTable<E>(fd: number, header: Header, bodyStart: number): Table<E> {
  const { offsets } = header;
  return {
    count: header.count, tools: header.tools, toolIndex: header.toolIndex, needles: header.needles, warnings: header.warnings, extra: header.extra,
    async read(rows) {
      const whole = rows.length > ROWS_PER_READ ? readAt(fd, bodyStart, offsets[offsets.length - 1]!) : null;
      const out: E[] = [];
      for (const r of rows) {
        const start = offsets[r];
        const end = offsets[r + 1];
        if (start === undefined || end === undefined || end < start) throw new BrokenCache('cache row out of range');
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
  const buf = Buffer.alloc(length);
  if (readSync(fd, buf, 0, length, position) < length) throw new BrokenCache('cache file cut short');
  return buf;
}

export async function writeCache<E>(cacheFile: string, key: SourceKey, hash: string | null, built: Built<E>, columns: Columns): Promise<string | undefined> {
  const lines = built.entries.map((e) => `${JSON.stringify(e)}\n`);
  const offsets = [0];
  for (const l of lines) offsets.push(offsets[offsets.length - 1]! + Buffer.byteLength(l, 'utf8'));
  const header: Header = { key, hash, count: built.entries.length, ...columns, offsets, warnings: built.warnings, extra: built.extra ?? null };
  return saveCache(cacheFile, header, lines.join(''));
}

/** Rewrite a cache without its content hash, once the source is old enough for its mtime to prove any edit. */
export async function promote(fd: number, cacheFile: string, header: Header, bodyStart: number): Promise<string | undefined> {
  const body = readAt(fd, bodyStart, fstatSync(fd).size - bodyStart);
  return saveCache(cacheFile, { ...header, hash: null }, body.toString('utf8'));
}

/** Best effort: a cache that cannot be written costs time, not correctness, so it is a warning. */
async function saveCache(cacheFile: string, header: Header, body: string): Promise<string | undefined> {
  const { needles, ...rest } = header;
  const headerText = JSON.stringify(rest);
  const needleText = needles.map((n) => n ?? NO_NEEDLE).join('\n');
  const text = `${MAGIC} ${Buffer.byteLength(headerText, 'utf8')} ${needleText.length}\n${headerText}${needleText}${body}`;
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

/** A cache found damaged while reading entries: the caller parses the source instead. */
export class BrokenCache extends Error {}

export function sameKey(a: SourceKey, b: SourceKey): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino;
}

export function sha1(bytes: Buffer): string {
  return createHash('sha1').update(bytes).digest('hex');
}
