import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * A real PostgreSQL from Debian's packages (`postgresql`), started for a test file: initdb into a
 * temp dir, a free loopback port, its own socket dir, password authentication (so URLs carry a
 * password to redact), stopped and removed afterwards. As root it runs as the `postgres` user,
 * which owns the temp dirs. Nothing is mocked.
 */
export interface PgServer {
  /** postgres://aiw:<password>@127.0.0.1:<port>/<db> for a database of this server. */
  url(database?: string): string;
  password: string;
  port: number;
  /** A fresh, empty database; its URL. */
  createDatabase(): Promise<string>;
  start(): void;
  stop(): void;
  /** Stop and remove everything. */
  destroy(): void;
}

/** The newest installed `/usr/lib/postgresql/<v>/bin`, or $AIW_E2E_PG_BIN. */
export function findPostgresBin(): string | undefined {
  const own = process.env.AIW_E2E_PG_BIN;
  if (own) return existsSync(join(own, 'pg_ctl')) ? own : undefined;
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'pg_ctl'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(base, versions[0], 'bin') : undefined;
}

/**
 * True when PostgreSQL is installed. Otherwise a loud warning and false (the suite skips), except in
 * CI (`CI=true` or AIW_E2E_REQUIRE_BINARIES=1), where a missing install must fail, not skip.
 */
export function requirePostgres(suite: string): boolean {
  if (findPostgresBin()) return true;
  const message = `PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/pg_ctl): bash .ci/install-e2e-deps.sh, or set AIW_E2E_PG_BIN. Suite "${suite}"`;
  if (process.env.AIW_E2E_REQUIRE_BINARIES === '1' || process.env.CI === 'true') throw new Error(`${message} cannot run in CI without it`);
  console.warn(`\n${'!'.repeat(78)}\n!!! SKIPPED: ${message}\n${'!'.repeat(78)}\n`);
  return false;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export async function startPostgres(): Promise<PgServer> {
  const bin = findPostgresBin();
  if (!bin) throw new Error('PostgreSQL is not installed');
  const root = process.getuid?.() === 0;
  const owner = root ? ids('postgres') : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'aiw-pg-'));
  const data = join(dir, 'data');
  const sockets = join(dir, 'sock');
  mkdirSync(sockets);
  const password = `pw-${Math.random().toString(36).slice(2)}-Secret`;
  writeFileSync(join(dir, 'pwfile'), `${password}\n`);
  if (owner) for (const p of [dir, sockets, join(dir, 'pwfile')]) chownSync(p, owner.uid, owner.gid);
  const as = (cmd: string, args: string[]) =>
    execFileSync(root ? 'runuser' : cmd, root ? ['-u', 'postgres', '--', cmd, ...args] : args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
  as(join(bin, 'initdb'), ['-D', data, '-U', 'aiw', '-A', 'scram-sha-256', `--pwfile=${join(dir, 'pwfile')}`, '--no-sync', '-E', 'UTF8', '--locale=C']);
  const port = await freePort();
  const options = `-p ${port} -k ${sockets} -h 127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=300`;
  let stopped = true;
  const server: PgServer = {
    password, port,
    url: (database = 'postgres') => `postgres://aiw:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`,
    async createDatabase() {
      const name = `t_${Math.random().toString(36).slice(2, 10)}`;
      const client = new pg.Client({ connectionString: server.url() });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return server.url(name);
    },
    start() {
      as(join(bin, 'pg_ctl'), ['-D', data, '-l', join(dir, 'log'), '-o', options, '-w', '-t', '60', 'start']);
      stopped = false;
    },
    stop() {
      if (stopped) return;
      as(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', '-t', '60', 'stop']);
      stopped = true;
    },
    destroy() {
      try {
        server.stop();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
  server.start();
  return server;
}

function ids(user: string): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', user]).toString().trim());
  const gid = Number(execFileSync('id', ['-g', user]).toString().trim());
  return { uid, gid };
}

/** One SQL query on its own connection: what the tests read back from the database. */
export async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}
