import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { AiwError, errorMessage } from '../../errors/errors.js';
import type { FailureRecord } from '../../model/learning.js';
import type { LoggedFailure, ReadFailuresResult } from '../attempt-log/attempt-log.js';
import { recordProblem } from '../attempt-log/record.js';
import { sha1 } from '../memory-cache-file.js';
import { checkFix, type LearnFixInput, type LearnFixResult } from '../save-fix.js';
import type { MemoryStore } from '../store.js';
import { Database } from './connection.js';
import { readRevisions, withLocalCopy, type Revisions } from './local-copy.js';
import { countPrevented, fixesSource, insertAttempts, patternsSource, savedOfRow, upsertFix } from './rows.js';
import { appendSpool, drainSpool, spoolSize, type SpoolEntry } from './spool.js';
import type { PoolClient } from 'pg';

export interface PostgresStoreOptions {
  url: string;
  memoryDir: string;
  env: NodeJS.ProcessEnv;
  /** Things a user should know that are not problems (a spool delivered). */
  onNotice?: (message: string) => void;
  /** How long one revision query serves lookups (default 1 s). */
  revisionTtlMs?: number;
  /** How long a long-lived process works offline before trying the database again (default 30 s). */
  retryAfterMs?: number;
}

/** The PostgreSQL store, with what `aiw memory migrate|sync|export|import` need beside the interface. */
export interface PostgresStore extends MemoryStore {
  readonly db: Database;
  readonly spoolFile: string;
  /** Deliver the spool now; how many entries were delivered in this process, and how many wait. */
  sync(): Promise<{ delivered: number; rejected: number; waiting: number }>;
}

const READ_BATCH = 50_000;
const REVISION_TTL_MS = 1_000;

/**
 * Memory in PostgreSQL, shared by every runner. Writes are single statements or short transactions
 * (attempts: inserts by client-made id; learn-fix: an upsert; times_prevented: an increment), so
 * concurrent runners never lose or duplicate a record. When the database cannot be reached a run
 * goes on: lookups use the local copy (`<memory>/.cache/pg-*`), and attempts and counts go to the
 * spool (`<memory>/.spool/*.jsonl`), delivered exactly once by the next run that connects or by
 * `aiw memory sync`.
 */
export function postgresStore(options: PostgresStoreOptions): PostgresStore {
  let delivered = 0;
  let rejected = 0;
  const drain = async (client: PoolClient) => {
    const result = await drainSpool(spoolFile, (entries) => deliver(client, entries));
    delivered += result.delivered;
    rejected += result.rejected;
    if (result.delivered) options.onNotice?.(`delivered ${result.delivered} memory entr${result.delivered === 1 ? 'y' : 'ies'} spooled while ${db.label} was unreachable`);
    if (result.rejected) options.onNotice?.(`${result.rejected} unreadable spool line(s) moved to ${spoolFile}.rejected`);
  };
  const timeout = Number(options.env.AIW_MEMORY_CONNECT_TIMEOUT_MS ?? '') || undefined;
  const db = new Database({ url: options.url, connectTimeoutMs: timeout, retryAfterMs: options.retryAfterMs, onFirstConnect: drain });
  const key = sha1(Buffer.from(db.label)).slice(0, 12);
  const spoolFile = join(options.memoryDir, '.spool', `${key}.jsonl`);
  const copyOf = (name: string) => join(options.memoryDir, '.cache', `pg-${key}-${name}.cache`);
  // One revision query serves the lookups of a moment (known issues, then the remedy, of one
  // failure): a change made elsewhere within REVISION_TTL_MS is seen by the next lookup after it.
  let revisions: { at: number; value: Promise<Revisions> } | undefined;
  const currentRevisions = () => {
    if (!revisions || Date.now() - revisions.at >= (options.revisionTtlMs ?? REVISION_TTL_MS)) {
      const value = db.use(readRevisions);
      revisions = { at: Date.now(), value };
      value.catch(() => (revisions = undefined));
    }
    return revisions.value;
  };
  const unreachable = (err: unknown) => db.down ?? errorMessage(err);
  const spoolWarning = (err: unknown) =>
    `memory database ${db.label} could not be written (${unreachable(err)}); attempts are kept in ${spoolFile} and delivered by the next run or \`aiw memory sync\``;

  return {
    backend: 'postgres',
    location: db.label,
    fixesLocation: `${db.label} (table aiw_fixes)`,
    patternsLocation: `${db.label} (table aiw_patterns)`,
    attemptsLocation: `${db.label} (table aiw_attempts)`,
    db,
    spoolFile,

    async appendAttempts(records: readonly FailureRecord[]) {
      for (const record of records) {
        const problem = recordProblem(record);
        if (problem) throw new AiwError('MEMORY_WRITE', `refusing to log a malformed attempt entry: ${problem}`);
      }
      const items = records.map((record) => ({ id: randomUUID(), record }));
      try {
        await db.use((client) => insertAttempts(client, items));
        return {};
      } catch (err) {
        // Whatever went wrong, the attempts are not lost: the spool keeps them with their ids.
        await appendSpool(spoolFile, items.map((i): SpoolEntry => ({ t: 'attempt', ...i })));
        return { warning: spoolWarning(err) };
      }
    },

    async readAttempts(filter = {}): Promise<ReadFailuresResult> {
      const records: LoggedFailure[] = [];
      try {
        // Keyset pages keep each query short on a table of millions of rows.
        for (let after = 0; ;) {
          const params: unknown[] = [after, READ_BATCH];
          if (filter.tool !== undefined) params.push(filter.tool);
          const { rows } = await db.use((client) => client.query<{ seq: string; record: LoggedFailure }>(
            `SELECT seq, record FROM aiw_attempts WHERE seq > $1${filter.tool !== undefined ? ' AND tool = $3' : ''} ORDER BY seq LIMIT $2`, params));
          for (const row of rows) records.push(row.record);
          if (rows.length < READ_BATCH) break;
          after = Number(rows[rows.length - 1]!.seq);
        }
      } catch (err) {
        const waiting = await spoolSize(spoolFile).catch(() => 0);
        throw new AiwError('MEMORY_READ', `cannot read attempts from ${db.label}: ${unreachable(err)}${waiting ? ` (${waiting} more wait in ${spoolFile})` : ''}`, { cause: err });
      }
      return { records, warnings: [] };
    },

    withFixes: (use) => withLocalCopy(db, copyOf('tool_fixes'), fixesSource, currentRevisions, use),
    withPatterns: (use) => withLocalCopy(db, copyOf('patterns'), patternsSource, currentRevisions, use),

    async learnFix(input: LearnFixInput, warnings: string[] = []): Promise<LearnFixResult> {
      // The same checks as the file store: a database every runner reads must not hold a pasted secret either.
      const fix = checkFix(input, warnings);
      try {
        const { row, created } = await db.transaction((client) => upsertFix(client, {
          ...fix, remedy: input.remedy ? { tool: input.remedy.tool, args: input.remedy.args } : null,
        }));
        // This process's own change is seen by its next lookup, whatever the revision's age.
        revisions = undefined;
        return { fix: savedOfRow(row), created, file: `${db.label} (table aiw_fixes, id ${row.id})`, line: 0 };
      } catch (err) {
        if (err instanceof AiwError) throw err;
        throw new AiwError('MEMORY_WRITE', `the fix was not saved in ${db.label}: ${unreachable(err)}`, { cause: err, hint: 'run it again when the database can be reached' });
      }
    },

    async markFixPrevented(tool: string, pattern: string, when: string, warnings: string[] = []) {
      const id = randomUUID();
      try {
        const count = await db.transaction((client) => countPrevented(client, id, tool, pattern, when));
        revisions = undefined;
        return count;
      } catch (err) {
        await appendSpool(spoolFile, [{ t: 'prevented', id, tool, pattern, when }]);
        warnings.push(`memory database ${db.label} could not be written (${unreachable(err)}); the count is kept in ${spoolFile} and delivered by the next run or \`aiw memory sync\``);
        // Counted, just not delivered yet: not "gone".
        return -1;
      }
    },

    async sync() {
      await db.use((client) => drain(client));
      return { delivered, rejected, waiting: await spoolSize(spoolFile) };
    },

    close: () => db.close(),
  };
}

/** Deliver spooled entries in one transaction: attempts by id, counts once per id. */
async function deliver(client: PoolClient, entries: SpoolEntry[]): Promise<void> {
  await client.query('BEGIN');
  try {
    await insertAttempts(client, entries.flatMap((e) => (e.t === 'attempt' ? [{ id: e.id, record: e.record }] : [])));
    for (const e of entries) if (e.t === 'prevented') await countPrevented(client, e.id, e.tool, e.pattern, e.when);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
