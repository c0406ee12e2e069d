import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { PoolClient } from 'pg';
import { stringify } from 'yaml';
import { AiwError } from '../../errors/errors.js';
import { writeFileAtomic } from '../../files/atomic-write.js';
import type { FailureRecord } from '../../model/learning.js';
import { readFailures, type LoggedFailure } from '../attempt-log/attempt-log.js';
import { orderedRecord } from '../attempt-log/record.js';
import { learnedFile, parseToolFixes, type ToolFix } from '../fix-store.js';
import { parsePatterns, type PatternEntry } from '../patterns-store.js';
import { insertAttempts, upsertFix } from './rows.js';
import { REV_LOCK } from './schema.js';
import type { PostgresStore } from './pg-store.js';

export interface TransferCounts {
  fixes: number;
  patterns: number;
  attempts: number;
  /** Import: attempts already in the database (an import run twice stores each attempt once). */
  skipped?: number;
  warnings: string[];
}

const BATCH = 1_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Files -> database: `<from>/learned/tool_fixes.yaml`, `patterns.yaml` and `tool_failures.yaml`, in
 * aiw's format or the original project's, read by the same parsers as the file store. Fixes are
 * upserts on tool + pattern (the larger times_prevented is kept), patterns upserts on category +
 * pattern, attempts inserts by id: an exported attempt keeps its id, any other gets one derived from
 * its position and content, so importing the same files twice adds nothing.
 */
export async function importMemory(store: PostgresStore, fromDir: string): Promise<TransferCounts> {
  const warnings: string[] = [];
  const read = async (file: string) => (existsSync(file) ? readFile(file, 'utf8') : '');
  const fixesFile = learnedFile(fromDir, 'tool_fixes');
  const fixes = parseToolFixes(await read(fixesFile), fixesFile);
  const patternsFile = learnedFile(fromDir, 'patterns');
  const patterns = parsePatterns(await read(patternsFile), patternsFile);
  const log = await readFailures(learnedFile(fromDir, 'tool_failures'));
  for (const w of [...fixes.warnings, ...patterns.warnings, ...log.warnings]) warnings.push(`${w.file}:${w.line}:${w.col}: ${w.message}`);
  let inserted = 0;
  await store.db.transaction(async (client) => {
    for (const fix of fixes.entries) await importFix(client, fix);
    if (fixes.extra !== null && fixes.extra !== undefined) await setMeta(client, 'common_mistakes', fixes.extra);
    for (let i = 0; i < patterns.entries.length; i += BATCH) await importPatterns(client, patterns.entries.slice(i, i + BATCH));
    const items = log.records.map((record, i) => ({ id: attemptId(record, i), record: record as FailureRecord }));
    for (let i = 0; i < items.length; i += BATCH) inserted += await insertAttempts(client, items.slice(i, i + BATCH));
  });
  return { fixes: fixes.entries.length, patterns: patterns.entries.length, attempts: inserted, skipped: log.records.length - inserted, warnings };
}

/**
 * Database -> files, in aiw's file format, into `<to>/learned/`, so a team can review fixes in git
 * or move back to files. Existing files are replaced only with `force`.
 */
export async function exportMemory(store: PostgresStore, toDir: string, force: boolean): Promise<TransferCounts> {
  const files = (['tool_fixes', 'patterns', 'tool_failures'] as const).map((n) => learnedFile(toDir, n));
  const present = files.filter((f) => existsSync(f));
  if (present.length && !force) {
    throw new AiwError('USAGE', `export would replace ${present.join(', ')}`, { hint: 'pass --force to replace them, or export to an empty folder with --to' });
  }
  const { value: fixes } = await store.withFixes(async (t) => ({ entries: await t.read([...Array(t.count).keys()]), extra: t.extra }));
  const { value: patterns } = await store.withPatterns(async (t) => t.read([...Array(t.count).keys()]));
  await mkdir(dirname(files[0]!), { recursive: true });
  const fixesDoc: Record<string, unknown> = { tool_fixes: fixes.entries.map(withoutLine) };
  if (fixes.extra !== null && fixes.extra !== undefined) fixesDoc.common_mistakes = fixes.extra;
  await writeFileAtomic(files[0]!, `# Exported by aiw memory export from ${store.location}.\n${stringify(fixesDoc, { lineWidth: 0 })}`);
  const byCategory: Record<string, unknown[]> = {};
  for (const p of patterns) (byCategory[p.category] ??= []).push(patternOut(p));
  await writeFileAtomic(files[1]!, `# Exported by aiw memory export from ${store.location}.\n${Object.keys(byCategory).length ? stringify(byCategory, { lineWidth: 0 }) : '{}\n'}`);
  const lines: string[] = [];
  await store.db.use(async (client) => {
    for (let after = 0; ;) {
      const { rows } = await client.query<{ seq: string; id: string; record: LoggedFailure }>('SELECT seq, id, record FROM aiw_attempts WHERE seq > $1 ORDER BY seq LIMIT $2', [after, 50_000]);
      for (const r of rows) lines.push(`  - ${JSON.stringify({ ...orderedRecord(r.record as FailureRecord), id: r.id })}\n`);
      if (rows.length < 50_000) break;
      after = Number(rows[rows.length - 1]!.seq);
    }
  });
  await writeFileAtomic(files[2]!, `# Exported by aiw memory export from ${store.location}; each entry keeps its id, so an import stores it once.\nfailures:\n${lines.join('')}`);
  return { fixes: fixes.entries.length, patterns: patterns.length, attempts: lines.length, warnings: [] };
}

function withoutLine(fix: ToolFix): Record<string, unknown> {
  const { line: _line, ...rest } = fix;
  return rest;
}

function patternOut(p: PatternEntry): Record<string, unknown> {
  const out: Record<string, unknown> = { pattern: p.pattern };
  if (p.meaning !== undefined) out.meaning = p.meaning;
  if (p.fix !== undefined) out.fix = p.fix;
  out.commands = p.commands;
  return out;
}

async function importFix(client: PoolClient, fix: ToolFix): Promise<void> {
  await upsertFix(client, {
    tool: fix.tool_name.trim(), pattern: fix.error_pattern.trim(), root_cause: fix.root_cause ?? null, fix_applied: fix.fix_applied ?? null,
    date_learned: fix.date_learned ?? null, remedy: fix.remedy ?? null, times_prevented: fix.times_prevented, last_prevented: fix.last_prevented ?? null,
  });
}

async function importPatterns(client: PoolClient, entries: PatternEntry[]): Promise<void> {
  // One row per (category, pattern) in a batch: a second would make ON CONFLICT touch a row twice.
  const unique = [...new Map(entries.map((e) => [`${e.category}\u0000${e.pattern}`, e])).values()];
  await client.query('SELECT pg_advisory_xact_lock($1)', [REV_LOCK]);
  await client.query(
    `INSERT INTO aiw_patterns (category, pattern, meaning, fix, commands, rev)
     SELECT c, p, m, f, cm, nextval('aiw_rev') FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::json[]) AS u(c, p, m, f, cm)
     ON CONFLICT (category, pattern) DO UPDATE SET meaning = EXCLUDED.meaning, fix = EXCLUDED.fix, commands = EXCLUDED.commands, rev = EXCLUDED.rev`,
    [unique.map((e) => e.category), unique.map((e) => e.pattern), unique.map((e) => e.meaning ?? null), unique.map((e) => e.fix ?? null),
      unique.map((e) => JSON.stringify(e.commands))],
  );
}

async function setMeta(client: PoolClient, key: string, value: unknown): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock($1)', [REV_LOCK]);
  await client.query(
    `INSERT INTO aiw_meta (key, value, rev) VALUES ($1, $2::json, nextval('aiw_rev'))
     ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, rev = EXCLUDED.rev`, [key, JSON.stringify(value)]);
}

/** An exported attempt's own id, or one made from its position and content (stable across imports). */
function attemptId(record: LoggedFailure, index: number): string {
  const own = (record as { id?: unknown }).id;
  if (typeof own === 'string' && UUID.test(own)) return own;
  const h = createHash('sha1').update(`${index}\n${JSON.stringify(record)}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
