import type { Socket } from 'node:net';
import type { Pool, PoolClient } from 'pg';
import { errorMessage } from '../../errors/errors.js';
import { redact } from '../../secrets/redact.js';
import { migrate, schemaVersion, SCHEMA_VERSION } from './schema.js';

const RETRY_AFTER_MS = 30_000;

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
  /** How long after finding the database unreachable to try again (default 30 s). */
  retryAfterMs?: number;
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
  private downAt = 0;
  private pool: Promise<Pool> | undefined;
  private ready: Promise<void> | undefined;

  constructor(private readonly options: DatabaseOptions) {
    this.label = describeUrl(options.url);
  }

  /** Run `fn` with a client of a ready database (schema current, spool drained). */
  async use<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    // A long-lived process (the MCP server) tries again after a while; a CLI run is over by then.
    const recovering = this.down !== undefined && Date.now() - this.downAt >= (this.options.retryAfterMs ?? RETRY_AFTER_MS);
    if (this.down && !recovering) throw new Unreachable(this.down);
    try {
      await (this.ready ??= this.prepare().catch((err: unknown) => {
        // Not ready is not final: the next try (after RETRY_AFTER_MS) prepares again.
        this.ready = undefined;
        throw err;
      }));
      return await this.withClient(async (client) => {
        if (recovering) {
          // Back: deliver what was spooled meanwhile before anything else.
          await this.options.onFirstConnect?.(client);
          this.down = undefined;
        }
        return fn(client);
      });
    } catch (err) {
      if (isUnreachable(err)) this.markDown(err);
      throw err;
    }
  }

  private markDown(err: unknown): void {
    this.down = redact(errorMessage(err)) || String((err as { code?: string }).code);
    this.downAt = Date.now();
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
    return this.withClient(migrate);
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    if (pool) await (await pool).end();
  }

  private async prepare(): Promise<void> {
    await this.withClient(async (client) => {
      // A run migrates a database aiw has not set up yet, so a new team database needs no extra step.
      if ((await schemaVersion(client)) < SCHEMA_VERSION) await migrate(client);
      await this.options.onFirstConnect?.(client);
    });
  }

  /**
   * A client of the pool for `fn`. pg emits a connection lost while a client is checked out as an
   * 'error' event on it, which without a listener would end the process: here it marks the database
   * down (the statement in flight fails with it too), and the broken client is not pooled again.
   */
  private async withClient<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    const connecting = (await this.getPool()).connect();
    // The server starts a backend for a new connection before it asks for the password: node:crypto,
    // which the login needs (~5 ms to load), loads in that wait instead of after it.
    process.getBuiltinModule('node:crypto');
    const client = await connecting;
    let lost: Error | undefined;
    const onError = (err: Error) => {
      lost = err;
      if (isUnreachable(err) && this.down === undefined) this.markDown(err);
    };
    client.on('error', onError);
    try {
      return await fn(client);
    } catch (err) {
      if (isUnreachable(err)) lost ??= err as Error;
      throw err;
    } finally {
      client.removeListener('error', onError);
      client.release(lost);
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
        stream: socketClosedWhenDone,
      });
      // An idle client whose server went away emits here; without a listener Node would crash the run.
      pool.on('error', (err) => {
        if (isUnreachable(err) && this.down === undefined) this.markDown(err);
      });
      return pool;
    }));
  }
}

/**
 * pg's socket, closed as soon as aiw's side of it is done. pg ends a connection by writing Terminate
 * and ending its side; PostgreSQL then ends the backend and only after that closes its own side,
 * ~2 ms that a command would otherwise spend waiting before it can exit. Once this side has
 * finished (Terminate is with the kernel and the FIN is sent), nothing more is read from it. Over
 * TLS, pg hands this socket's connection to a TLS socket of its own, whose end does not finish this
 * one: such a connection still ends when the server closes it, as before.
 */
export function socketClosedWhenDone(): Socket {
  const socket = new (process.getBuiltinModule('node:net').Socket)();
  socket.once('finish', () => socket.destroy());
  return socket;
}
