import type { Pool, PoolClient } from 'pg';
import { errorMessage } from '../../errors/errors.js';
import { redact } from '../../secrets/redact.js';
import { migrate, schemaVersion, SCHEMA_VERSION } from './schema.js';

/** The URL with its password masked: what messages may show of it. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return redact(u.toString());
  } catch {
    return redact(url.replace(/\/\/[^@/]*@/, '//***@'));
  }
}

/** Thrown without trying once the database was found unreachable in this process; callers say what it cost. */
export class Unreachable extends Error {
  readonly code = 'AIW_UNREACHABLE';
}

/** Errors that mean the database cannot be reached now (as opposed to a query that is wrong). */
export function isUnreachable(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (/^(AIW_UNREACHABLE|ECONNREFUSED|ECONNRESET|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|EPIPE|EAI_AGAIN|ENOENT)$/.test(code) || /^(08|57P|53)/.test(code))) return true;
  return /Connection terminated|timeout exceeded when trying to connect|connection error|Client was closed|not queryable|the database system is (starting|shutting) up/i.test(errorMessage(err));
}

export interface DatabaseOptions {
  url: string;
  /** Milliseconds to wait for a connection before the database counts as unreachable. */
  connectTimeoutMs?: number;
  /** Run once, on the first connection of the process, with its client (the spool is drained here). */
  onFirstConnect?: (client: PoolClient) => Promise<void>;
}

/**
 * One lazily opened pool per process. `pg` is imported on first use. Once the database has been
 * found unreachable the process stops trying (each try could cost a connect timeout) and the
 * store works from its local copies; `down` says why. TLS follows the URL's `sslmode`, which pg
 * reads itself (`require`, `verify-ca`, `verify-full`, with `sslrootcert`/`sslcert`/`sslkey`).
 */
export class Database {
  readonly label: string;
  down: string | undefined;
  private pool: Promise<Pool> | undefined;
  private ready: Promise<void> | undefined;

  constructor(private readonly options: DatabaseOptions) {
    this.label = describeUrl(options.url);
  }

  /** Run `fn` with a client of a ready database (schema current, spool drained). */
  async use<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    if (this.down) throw new Unreachable(this.down);
    try {
      await (this.ready ??= this.prepare());
      const client = await (await this.getPool()).connect();
      try {
        return await fn(client);
      } finally {
        client.release();
      }
    } catch (err) {
      if (isUnreachable(err)) this.down = redact(errorMessage(err)) || String((err as { code?: string }).code);
      throw err;
    }
  }

  /** Run `fn` in one transaction. */
  async transaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    return this.use(async (client) => {
      await client.query('BEGIN');
      try {
        const result = await fn(client);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
  }

  /** Apply the schema explicitly (`aiw memory migrate`). */
  async migrate(): Promise<{ from: number; to: number }> {
    const client = await (await this.getPool()).connect();
    try {
      return await migrate(client);
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    if (pool) await (await pool).end();
  }

  private async prepare(): Promise<void> {
    const client = await (await this.getPool()).connect();
    try {
      // A run migrates a database aiw has not set up yet, so a new team database needs no extra step.
      if ((await schemaVersion(client)) < SCHEMA_VERSION) await migrate(client);
      await this.options.onFirstConnect?.(client);
    } finally {
      client.release();
    }
  }

  private getPool(): Promise<Pool> {
    return (this.pool ??= import('pg').then((mod) => {
      const pg = (mod as unknown as { default?: typeof import('pg') }).default ?? mod;
      const pool = new pg.Pool({
        connectionString: this.options.url,
        max: 4,
        connectionTimeoutMillis: this.options.connectTimeoutMs ?? 5_000,
        idleTimeoutMillis: 1_000,
        // A CLI process must end when its work is done, whether or not someone called close().
        allowExitOnIdle: true,
        application_name: 'aiw',
      });
      // An idle client whose server went away emits here; without a listener Node would crash the run.
      pool.on('error', (err) => {
        if (isUnreachable(err)) this.down ??= redact(errorMessage(err));
      });
      return pool;
    }));
  }
}
