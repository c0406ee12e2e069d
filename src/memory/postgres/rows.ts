import type { PoolClient } from 'pg';
import type { FailureRecord } from '../../model/learning.js';
import { orderedRecord } from '../attempt-log/record.js';
import type { RemedySpec, ToolFix } from '../fix-store.js';
import type { PatternEntry } from '../patterns-store.js';
import type { SavedFix } from '../save-fix.js';
import type { CopySource } from './local-copy.js';
import { REV_LOCK } from './schema.js';

/**
 * The unique key of a fix's pattern, as `samePattern` (save-fix.ts) compares them: a plain pattern
 * case-insensitively with whitespace runs as one space, a /regex/ exactly as written.
 */
export function patternKey(pattern: string): string {
  const p = pattern.trim();
  return p.startsWith('/') ? p : p.toLowerCase().replace(/\s+/g, ' ');
}

interface FixRow {
  id: string;
  tool_name: string;
  error_pattern: string;
  root_cause: string | null;
  fix_applied: string | null;
  date_learned: string | null;
  times_prevented: string;
  last_prevented: string | null;
  remedy: RemedySpec | null;
}

const FIX_COLUMNS = 'id, tool_name, error_pattern, root_cause, fix_applied, date_learned, times_prevented, last_prevented, remedy';

/** A row as the file store's parser would have made the entry (same keys, same order); `line` is the row's id. */
export function fixOfRow(row: FixRow): ToolFix {
  const fix: ToolFix = { tool_name: row.tool_name, error_pattern: row.error_pattern, times_prevented: Number(row.times_prevented), line: Number(row.id) };
  for (const k of ['root_cause', 'fix_applied', 'date_learned', 'last_prevented'] as const) {
    if (row[k] !== null) fix[k] = row[k]!;
  }
  if (row.remedy) fix.remedy = { tool: row.remedy.tool, args: row.remedy.args ?? {} };
  return fix;
}

/** The entry as learn-fix reports it (save-fix.ts's SavedFix). */
export function savedOfRow(row: FixRow): SavedFix {
  const saved: SavedFix = {
    tool_name: row.tool_name, error_pattern: row.error_pattern, root_cause: row.root_cause ?? '', fix_applied: row.fix_applied ?? '',
    date_learned: row.date_learned ?? '', times_prevented: Number(row.times_prevented),
  };
  if (row.remedy) saved.remedy = { tool: row.remedy.tool, args: row.remedy.args ?? {} };
  if (row.last_prevented !== null) saved.last_prevented = row.last_prevented;
  return saved;
}

export const fixesSource: CopySource<ToolFix> = {
  name: 'fixes',
  async changedSince(client, since) {
    const { rows } = await client.query<FixRow>(`SELECT ${FIX_COLUMNS} FROM aiw_fixes WHERE rev > $1 ORDER BY id`, [since]);
    const meta = await client.query<{ value: unknown }>(`SELECT value FROM aiw_meta WHERE key = 'common_mistakes'`);
    return { rows: rows.map(fixOfRow), extra: meta.rows[0]?.value ?? null };
  },
  toolOf: (e) => e.tool_name,
  patternOf: (e) => e.error_pattern,
};

interface PatternRow {
  id: string;
  category: string;
  pattern: string;
  meaning: string | null;
  fix: string | null;
  commands: string[] | null;
}

export function patternOfRow(row: PatternRow): PatternEntry {
  const entry: PatternEntry = { category: row.category, pattern: row.pattern, commands: row.commands ?? [], line: Number(row.id) };
  if (row.meaning !== null) entry.meaning = row.meaning;
  if (row.fix !== null) entry.fix = row.fix;
  return entry;
}

export const patternsSource: CopySource<PatternEntry> = {
  name: 'patterns',
  async changedSince(client, since) {
    const { rows } = await client.query<PatternRow>('SELECT id, category, pattern, meaning, fix, commands FROM aiw_patterns WHERE rev > $1 ORDER BY id', [since]);
    return { rows: rows.map(patternOfRow), extra: null };
  },
  toolOf: () => null,
  patternOf: (e) => e.pattern,
};

/** Insert attempts by their client-made ids; an id already stored (a replayed spool) is skipped. Returns how many were new. */
export async function insertAttempts(client: PoolClient, items: ReadonlyArray<{ id: string; record: FailureRecord }>): Promise<number> {
  if (items.length === 0) return 0;
  const result = await client.query(
    `INSERT INTO aiw_attempts (id, tool, success, ts, record)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::boolean[], $4::text[], $5::json[])
     ON CONFLICT (id) DO NOTHING`,
    [items.map((i) => i.id), items.map((i) => i.record.tool), items.map((i) => i.record.success), items.map((i) => i.record.timestamp),
      items.map((i) => JSON.stringify(orderedRecord(i.record)))],
  );
  return result.rowCount ?? 0;
}

/**
 * Count one prevented repeat, at most once per `id`, in the caller's transaction: the increment is
 * one UPDATE (`times_prevented + 1`), so concurrent runs never lose a count. Returns the new count,
 * or null when the fix is gone or this id was counted already.
 */
export async function countPrevented(client: PoolClient, id: string, tool: string, pattern: string, when: string): Promise<number | null> {
  await client.query('SELECT pg_advisory_xact_lock($1)', [REV_LOCK]);
  const { rows } = await client.query<{ times_prevented: string }>(
    `WITH f AS (SELECT id FROM aiw_fixes WHERE tool_name = $2 AND pattern_key = $3 AND btrim(error_pattern) = btrim($4)),
          ins AS (INSERT INTO aiw_prevented (id, fix_id, at) SELECT $1, f.id, $5 FROM f ON CONFLICT (id) DO NOTHING RETURNING fix_id)
     UPDATE aiw_fixes SET times_prevented = times_prevented + 1, last_prevented = $5, rev = nextval('aiw_rev')
     WHERE id IN (SELECT fix_id FROM ins) RETURNING times_prevented::text`,
    [id, tool.trim(), patternKey(pattern), pattern, when],
  );
  return rows[0] ? Number(rows[0].times_prevented) : null;
}

export interface FixValues {
  tool: string;
  pattern: string;
  root_cause: string | null;
  fix_applied: string | null;
  date_learned: string | null;
  remedy: RemedySpec | null;
  /** Import only: keep the larger of the stored and the imported count. */
  times_prevented?: number;
  last_prevented?: string | null;
}

/** learn-fix (and import) as one upsert on tool + pattern key, in the caller's transaction. */
export async function upsertFix(client: PoolClient, v: FixValues): Promise<{ row: FixRow; created: boolean }> {
  await client.query('SELECT pg_advisory_xact_lock($1)', [REV_LOCK]);
  const { rows } = await client.query<FixRow & { created: boolean }>(
    `INSERT INTO aiw_fixes (tool_name, error_pattern, pattern_key, root_cause, fix_applied, date_learned, remedy, times_prevented, last_prevented, rev)
     VALUES ($1, $2, $3, $4, $5, $6, $7::json, $8, $9, nextval('aiw_rev'))
     ON CONFLICT (tool_name, pattern_key) DO UPDATE SET
       root_cause = EXCLUDED.root_cause, fix_applied = EXCLUDED.fix_applied, date_learned = EXCLUDED.date_learned,
       remedy = coalesce(EXCLUDED.remedy, aiw_fixes.remedy),
       times_prevented = greatest(aiw_fixes.times_prevented, EXCLUDED.times_prevented),
       last_prevented = coalesce(aiw_fixes.last_prevented, EXCLUDED.last_prevented),
       rev = EXCLUDED.rev
     RETURNING ${FIX_COLUMNS}, (xmax = 0) AS created`,
    [v.tool, v.pattern, patternKey(v.pattern), v.root_cause, v.fix_applied, v.date_learned, v.remedy ? JSON.stringify(v.remedy) : null,
      v.times_prevented ?? 0, v.last_prevented ?? null],
  );
  const { created, ...row } = rows[0]!;
  return { row, created };
}
