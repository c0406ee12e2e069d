import { closeSync, openSync } from 'node:fs';
import type { PoolClient } from 'pg';
import { errorMessage } from '../../errors/errors.js';
import type { Built, Table } from '../cache-table.js';
import { BrokenCache, cachedTable, readHeader, writeCache } from '../memory-cache-file.js';
// The same columns memory-cache.ts builds for the file store, so lookups see the same prefilter.
import { columnsOf, emptyTable, memoryTable } from '../memory-cache.js';
import type { Database } from './connection.js';
import { nextTurn } from '../../model/clock.js';

/** The newest revision of each table (0 when empty). */
export interface Revisions {
  fixes: number;
  patterns: number;
}

/** Both revisions in one round trip. */
export async function readRevisions(client: PoolClient): Promise<Revisions> {
  const { rows } = await client.query<{ fixes: string; patterns: string }>(
    `SELECT greatest(coalesce((SELECT max(rev) FROM aiw_fixes), 0), coalesce((SELECT rev FROM aiw_meta WHERE key = 'common_mistakes'), 0))::text AS fixes,
            coalesce((SELECT max(rev) FROM aiw_patterns), 0)::text AS patterns`);
  return { fixes: Number(rows[0]!.fixes), patterns: Number(rows[0]!.patterns) };
}

/** How one table (fixes or patterns) is read from the database into a local copy. */
export interface CopySource<E extends { line: number }> {
  /** Which of the two revisions (one query reads both) is this table's. */
  name: 'fixes' | 'patterns';
  /** Every row changed after `since` (all rows for 0), and the table's extra data. */
  changedSince(client: PoolClient, since: number): Promise<{ rows: E[]; extra: unknown }>;
  toolOf(entry: E): string | null;
  patternOf(entry: E): string;
}

/**
 * A table of the database through a local copy in the lookup cache's format: one round trip asks
 * for the newest revision, and when the copy has it (the usual case) the lookup reads the copy as
 * the file store reads its cache. Otherwise only rows changed since the copy's revision are fetched
 * and merged in by id. Revisions commit in order (writers hold REV_LOCK), so no change is skipped.
 * When the database cannot be reached, the copy as last seen is used, and the warning says so:
 * this is how an offline run still heals from known fixes.
 */
export async function withLocalCopy<E extends { line: number }, T>(
  db: Database, cacheFile: string, source: CopySource<E>, revisions: () => Promise<Revisions>, use: (table: Table<E>) => Promise<T>,
): Promise<{ value: T; cacheWarning?: string }> {
  let offline: string | undefined;
  const asked = revisions().then(
    (r) => r[source.name],
    (err: unknown) => {
      offline = errorMessage(err);
      return null;
    },
  );
  const fd = openOrNull(cacheFile);
  let early: Promise<Settled<T>> | undefined;
  try {
    const parsed = fd === null ? null : readHeader(fd);
    // The lookup in the copy runs while the database is asked for its revision (a login and a query,
    // mostly waiting), since the usual answer is the copy's own. It starts a turn later: by then pg
    // has opened the connection and sent its first message, so the server starts the session while
    // the lookup runs. `use` only reads: when the copy turns out to be behind, its answer is dropped
    // and `use` runs again on the fresher table.
    if (parsed) early = settle(nextTurn().then(() => use(cachedTable<E>(fd!, parsed.header, parsed.bodyStart))));
    const revision = await asked;
    if (parsed && (revision === null || parsed.header.key.size === revision)) {
      const warning = revision === null ? `memory database ${db.label} is unreachable (${offline}); using the local copy of revision ${parsed.header.key.size} (${cacheFile})` : undefined;
      const got = await early!;
      if (got.ok) return { value: got.value, cacheWarning: warning };
      if (!(got.error instanceof BrokenCache) || revision === null) throw got.error;
    }
    if (revision === null) {
      return { value: await use(emptyTable<E>()), cacheWarning: `memory database ${db.label} is unreachable (${offline}) and there is no local copy yet (${cacheFile}); no known fixes this time` };
    }
    const since = parsed ? parsed.header.key.size : 0;
    const base = parsed && since < revision ? await cachedTable<E>(fd!, parsed.header, parsed.bodyStart).read([...Array(parsed.header.count).keys()]).catch(() => null) : null;
    const { rows, extra } = await db.use((client) => source.changedSince(client, base ? since : 0));
    const byId = new Map<number, E>((base ?? []).map((e) => [e.line, e]));
    for (const row of rows) byId.set(row.line, row);
    const entries = [...byId.values()].sort((a, b) => a.line - b.line);
    const built: Built<E> = { entries, tool: entries.map(source.toolOf), pattern: entries.map(source.patternOf), warnings: [], extra };
    const columns = columnsOf(built);
    const cacheWarning = await writeCache(cacheFile, { size: revision, mtimeMs: 0, ino: 0 }, null, built, columns);
    return { value: await use(memoryTable(built, columns)), cacheWarning };
  } finally {
    // The early lookup reads the copy through fd: it ends before fd is closed (and maybe reused).
    await early;
    if (fd !== null) closeSync(fd);
  }
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

function settle<T>(p: Promise<T>): Promise<Settled<T>> {
  return p.then((value) => ({ ok: true as const, value }), (error: unknown) => ({ ok: false as const, error }));
}

function openOrNull(file: string): number | null {
  try {
    return openSync(file, 'r');
  } catch (err) {
    // No copy yet, or one we may not read: either way it is fetched again.
    if (['ENOENT', 'ENOTDIR', 'EACCES', 'EISDIR'].includes((err as NodeJS.ErrnoException).code ?? '')) return null;
    throw err;
  }
}

