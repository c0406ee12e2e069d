import type { PoolClient } from 'pg';
import { AiwError } from '../../errors/errors.js';

/**
 * The schema, one entry per version, applied in order and never edited once released: a change is
 * a new entry. `aiw_rev` numbers every change to a fix or pattern, so a runner's local copy asks
 * only for rows changed since its own revision. Text columns keep the records' own JSON (`json`,
 * not `jsonb`), so key order survives a round trip and views print what the files would.
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE SEQUENCE aiw_rev;
  CREATE TABLE aiw_attempts (
    seq bigserial PRIMARY KEY,
    id uuid NOT NULL UNIQUE,
    tool text NOT NULL,
    success boolean NOT NULL,
    ts text NOT NULL,
    record json NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
  );
  CREATE INDEX aiw_attempts_tool ON aiw_attempts (tool, seq);
  CREATE TABLE aiw_fixes (
    id bigserial PRIMARY KEY,
    tool_name text NOT NULL,
    error_pattern text NOT NULL,
    pattern_key text NOT NULL,
    root_cause text,
    fix_applied text,
    date_learned text,
    times_prevented bigint NOT NULL DEFAULT 0,
    last_prevented text,
    remedy json,
    rev bigint NOT NULL,
    UNIQUE (tool_name, pattern_key)
  );
  CREATE INDEX aiw_fixes_rev ON aiw_fixes (rev);
  CREATE TABLE aiw_prevented (
    id uuid PRIMARY KEY,
    fix_id bigint NOT NULL REFERENCES aiw_fixes (id),
    at text NOT NULL
  );
  CREATE TABLE aiw_patterns (
    id bigserial PRIMARY KEY,
    category text NOT NULL,
    pattern text NOT NULL,
    meaning text,
    fix text,
    commands json NOT NULL DEFAULT '[]',
    rev bigint NOT NULL,
    UNIQUE (category, pattern)
  );
  CREATE INDEX aiw_patterns_rev ON aiw_patterns (rev);
  CREATE TABLE aiw_meta (
    key text PRIMARY KEY,
    value json,
    rev bigint NOT NULL
  );
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

// One fixed key for every aiw: pg_advisory_lock serialises migrators across machines and sessions.
const MIGRATE_LOCK = 0x616977; // "aiw"
/** Held (per transaction) by every writer of fixes and patterns, so revisions commit in order. */
export const REV_LOCK = 0x61697772; // "aiwr"

/** The schema version the database is at (0: no aiw schema yet). One round trip in the usual case. */
export async function schemaVersion(client: PoolClient): Promise<number> {
  try {
    const { rows } = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM aiw_schema_version');
    return rows[0]?.v ?? 0;
  } catch (err) {
    // undefined_table: a database aiw has not set up yet.
    if ((err as { code?: string }).code === '42P01') return 0;
    throw err;
  }
}

/**
 * Bring the schema to SCHEMA_VERSION. Safe to run from many processes at once: each takes the
 * advisory lock, re-reads the version under it, and applies only what is still missing, each
 * version in its own transaction. A database newer than this aiw is refused, never downgraded.
 */
export async function migrate(client: PoolClient): Promise<{ from: number; to: number }> {
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATE_LOCK]);
  try {
    await client.query('CREATE TABLE IF NOT EXISTS aiw_schema_version (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
    const from = await schemaVersion(client);
    if (from > SCHEMA_VERSION) {
      throw new AiwError('MEMORY_READ', `the memory database is at schema version ${from}, newer than this aiw knows (${SCHEMA_VERSION})`, {
        hint: 'upgrade aiw on this machine; aiw never downgrades a schema',
      });
    }
    for (let version = from + 1; version <= SCHEMA_VERSION; version++) {
      await client.query('BEGIN');
      try {
        await client.query(MIGRATIONS[version - 1]!);
        await client.query('INSERT INTO aiw_schema_version (version) VALUES ($1)', [version]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw err;
      }
    }
    return { from, to: Math.max(from, SCHEMA_VERSION) };
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATE_LOCK]);
  }
}
