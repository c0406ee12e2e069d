import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lookupKnownIssues } from '../../../src/learn/known-issues.js';
import { fileStore } from '../../../src/memory/file-store.js';
import { openMemoryStore } from '../../../src/memory/open-store.js';
import { postgresStore, type PostgresStore } from '../../../src/memory/postgres/pg-store.js';
import { importMemory } from '../../../src/memory/postgres/transfer.js';
import { SCHEMA_VERSION } from '../../../src/memory/postgres/schema.js';
import type { FailureRecord } from '../../../src/model/learning.js';
import { redact } from '../../../src/secrets/redact.js';
import { query, requirePostgres, startPostgres, type PgServer } from '../../helpers/postgres.js';
import { tempRoot } from '../../helpers/temp-root.js';

const SEED = join(import.meta.dirname, '..', 'fixtures', 'seed');
const seed = (name: string) => readFileSync(join(SEED, name), 'utf8');
const ok = requirePostgres('memory/postgres store');

let server: PgServer;
const stores: PostgresStore[] = [];
beforeAll(async () => {
  if (ok) server = await startPostgres();
});
afterAll(async () => {
  for (const s of stores) await s.close();
  server?.destroy();
});

function store(url: string, memoryDir = tempRoot().path('memory'), notices: string[] = [], revisionTtlMs?: number, retryAfterMs?: number): PostgresStore {
  const s = postgresStore({ url, memoryDir, env: {}, onNotice: (n) => notices.push(n), revisionTtlMs, retryAfterMs });
  stores.push(s);
  return s;
}

function record(i: number, overrides: Partial<FailureRecord> = {}): FailureRecord {
  return {
    tool: 'deploy', error: `Error: manifest unknown #${i}`, error_type: 'not_found', fix_attempted: null, success: false,
    timestamp: `2026-01-01T00:00:${String(i % 60).padStart(2, '0')}+00:00`, skill: 'ship', step: 'deploy', attempt: 1, duration_ms: 12,
    run_id: `run-${i}`, kind: 'attempt', ...overrides,
  };
}


describe.skipIf(!ok)('the PostgreSQL memory store (a real server)', () => {
  it('creates its schema once even when many processes migrate at the same time', async () => {
    const url = await server.createDatabase();
    const results = await Promise.all(Array.from({ length: 8 }, () => store(url).db.migrate()));
    expect(results.every((r) => r.to === SCHEMA_VERSION)).toBe(true);
    expect(results.filter((r) => r.from === 0)).toHaveLength(1);
    expect(await query(url, 'SELECT version FROM aiw_schema_version')).toEqual([{ version: SCHEMA_VERSION }]);
    expect(await store(url).db.migrate()).toEqual({ from: SCHEMA_VERSION, to: SCHEMA_VERSION });
  });

  it('reads attempts back as the file store does: same entries, same key order, oldest first', async () => {
    const url = await server.createDatabase();
    const db = store(url);
    const files = fileStore(tempRoot().path('memory'));
    const records = [record(1), record(2, { success: true, error: null, error_type: null }), record(3, { kind: 'fix', fix_attempted: 'kube_login', pattern: 'x' })];
    for (const r of records) {
      expect(await db.appendAttempts([r])).toEqual({});
      await files.appendAttempts([r]);
    }
    const fromDb = await db.readAttempts();
    const fromFiles = await files.readAttempts();
    expect(JSON.stringify(fromDb.records)).toBe(JSON.stringify(fromFiles.records));
    expect((await db.readAttempts({ tool: 'nope' })).records).toEqual([]);
  });

  it('learn-fix is an upsert on tool + pattern: the same pattern in other case or spacing updates, and keeps the count', async () => {
    const url = await server.createDatabase();
    const db = store(url);
    const first = await db.learnFix({ tool: 'deploy', pattern: 'Manifest  Unknown', rootCause: 'short SHA', fix: 'use the full SHA', today: '2026-01-01' });
    expect(first.created).toBe(true);
    expect(await db.markFixPrevented('deploy', 'Manifest  Unknown', '2026-01-02T00:00:00+00:00')).toBe(1);
    const second = await db.learnFix({ tool: 'deploy', pattern: 'manifest unknown', rootCause: 'still short', fix: 'full SHA', today: '2026-01-03', remedy: { tool: 'fix_it', args: { b: 1, a: 'x' } } });
    expect(second.created).toBe(false);
    expect(second.fix).toEqual({
      tool_name: 'deploy', error_pattern: 'Manifest  Unknown', root_cause: 'still short', fix_applied: 'full SHA', date_learned: '2026-01-03',
      times_prevented: 1, remedy: { tool: 'fix_it', args: { b: 1, a: 'x' } }, last_prevented: '2026-01-02T00:00:00+00:00',
    });
    // A /regex/ is the same pattern only when written the same.
    expect((await db.learnFix({ tool: 'deploy', pattern: '/Manifest unknown/i', rootCause: 'r', fix: 'f' })).created).toBe(true);
    expect(await db.markFixPrevented('deploy', 'no such pattern', 'now')).toBeNull();
    await expect(db.learnFix({ tool: 'deploy', pattern: '/(unclosed/', rootCause: 'r', fix: 'f' })).rejects.toMatchObject({ code: 'PATTERN' });
  });

  it('finds the same known issues as the file store for the same memory (the original project\'s files, imported)', async () => {
    const url = await server.createDatabase();
    const root = tempRoot();
    root.write('memory/learned/tool_fixes.yaml', seed('tool_fixes.yaml'));
    root.write('memory/learned/patterns.yaml', seed('patterns.yaml'));
    root.write('memory/learned/tool_failures.yaml', seed('tool_failures.yaml'));
    const files = fileStore(root.path('memory'));
    const db = store(url);
    const counts = await importMemory(db, root.path('memory'));
    expect(counts.fixes).toBeGreaterThan(0);
    expect(counts.patterns).toBeGreaterThan(0);
    expect((await importMemory(db, root.path('memory'))).attempts).toBe(0);
    const fixesA = await files.withFixes(async (t) => t.read([...Array(t.count).keys()]));
    const fixesB = await db.withFixes(async (t) => t.read([...Array(t.count).keys()]));
    expect(fixesB.value.map(({ line: _l, ...f }) => f)).toEqual(fixesA.value.map(({ line: _l, ...f }) => f));
    const queries: Array<[string | undefined, string | undefined]> = [];
    for (const f of fixesA.value) queries.push([f.tool_name, `Error: ${f.error_pattern} happened`], [undefined, f.error_pattern], [f.tool_name, undefined]);
    queries.push([undefined, 'connection refused'], [undefined, 'Unauthorized 401'], ['kubectl', 'error: You must be logged in to the server (Unauthorized)']);
    for (const [tool, text] of queries) {
      const a = await lookupKnownIssues(files, tool, text);
      const b = await lookupKnownIssues(db, tool, text);
      expect({ matches: b.matches, total: b.total }).toEqual({ matches: a.matches, total: a.total });
    }
    expect((await db.readAttempts()).records).toEqual((await files.readAttempts()).records);
  });

  it('sees a fix learned by another runner on its next lookup (the local copy fetches what changed)', async () => {
    const url = await server.createDatabase();
    // A reader in another process: its revision is not held over from its previous lookup.
    const reader = store(url, undefined, [], 0);
    const writer = store(url);
    expect((await lookupKnownIssues(reader, 'deploy', 'quota exceeded')).matches).toEqual([]);
    await writer.learnFix({ tool: 'deploy', pattern: 'quota exceeded', rootCause: 'full namespace', fix: 'clean up' });
    expect((await lookupKnownIssues(reader, 'deploy', 'Error: quota exceeded')).matches).toMatchObject([{ tool_name: 'deploy', fix: 'clean up', times_prevented: 0 }]);
    await writer.markFixPrevented('deploy', 'quota exceeded', '2026-01-01T00:00:00Z');
    expect((await lookupKnownIssues(reader, 'deploy', 'Error: quota exceeded')).matches).toMatchObject([{ times_prevented: 1 }]);
  });

  it('offline is not data loss: attempts and counts spool, lookups use the local copy, and the next run delivers them exactly once', async () => {
    const url = await server.createDatabase();
    const memoryDir = tempRoot().path('memory');
    const online = await openMemoryStore({ memoryDir, config: {}, env: { AIW_MEMORY_URL: url } }) as PostgresStore;
    stores.push(online);
    await online.learnFix({ tool: 'deploy', pattern: 'manifest unknown', rootCause: 'r', fix: 'use the full SHA' });
    expect((await lookupKnownIssues(online, 'deploy', 'manifest unknown')).matches).toHaveLength(1);
    expect(await online.appendAttempts([record(1)])).toEqual({});
    await online.close();

    server.stop();
    try {
      const offline = store(url, memoryDir);
      const wrote = await offline.appendAttempts([record(2), record(3)]);
      expect(wrote.warning).toContain(offline.spoolFile);
      expect(wrote.warning).toContain('aiw memory sync');
      expect(wrote.warning).not.toContain(server.password);
      expect(redact(url)).not.toContain(server.password);
      await offline.appendAttempts([record(4)]);
      const warnings: string[] = [];
      expect(await offline.markFixPrevented('deploy', 'manifest unknown', '2026-01-05T00:00:00Z', warnings)).toBe(-1);
      expect(warnings[0]).toContain('the count is kept');
      const lookup = await lookupKnownIssues(offline, 'deploy', 'Error: manifest unknown');
      expect(lookup.matches).toMatchObject([{ fix: 'use the full SHA' }]);
      expect(lookup.warnings.join('\n')).toMatch(/unreachable .*local copy/);
      await expect(offline.learnFix({ tool: 'deploy', pattern: 'x', rootCause: 'r', fix: 'f' })).rejects.toMatchObject({ code: 'MEMORY_WRITE' });
      await expect(offline.readAttempts()).rejects.toMatchObject({ code: 'MEMORY_READ' });
    } finally {
      server.start();
    }
    const notices: string[] = [];
    const next = store(url, memoryDir, notices);
    // The first use of the next run delivers the spool, then does its own work.
    await next.appendAttempts([record(5)]);
    expect(notices.join('\n')).toContain('delivered 4 memory entries');
    const ids = (await next.readAttempts()).records.map((r) => r.run_id);
    // In arrival order: the spool (2-4) is delivered before the run's own attempt (5).
    expect(ids).toEqual(['run-1', 'run-2', 'run-3', 'run-4', 'run-5']);
    expect((await next.sync())).toMatchObject({ waiting: 0 });
    expect(await query(url, 'SELECT times_prevented::int AS n FROM aiw_fixes')).toEqual([{ n: 1 }]);
  });

  it('a long-lived process (the MCP server) tries the database again, and delivers what it spooled first', async () => {
    const url = await server.createDatabase();
    const notices: string[] = [];
    const db = store(url, undefined, notices, 0, 0);
    await db.db.migrate();
    server.stop();
    try {
      expect((await db.appendAttempts([record(1)])).warning).toContain('delivered by the next run');
    } finally {
      server.start();
    }
    expect(await db.appendAttempts([record(2)])).toEqual({});
    expect(notices.join('\n')).toContain('delivered 1 memory entry');
    expect((await db.readAttempts()).records.map((r) => r.run_id)).toEqual(['run-1', 'run-2']);
  });
});
