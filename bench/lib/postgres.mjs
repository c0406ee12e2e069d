// A real PostgreSQL for the benchmark (Debian's package), on a free loopback port with its own data
// dir, as test/helpers/postgres.ts starts it for the tests, but durable (fsync and synchronous
// commit on, as a team's server runs), since the figure compares it with a file store that fsyncs.
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function findPostgresBin() {
  if (process.env.AIW_E2E_PG_BIN) return process.env.AIW_E2E_PG_BIN;
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const v = readdirSync(base).filter((d) => existsSync(join(base, d, 'bin', 'pg_ctl'))).sort((a, b) => Number(b) - Number(a))[0];
  return v ? join(base, v, 'bin') : undefined;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export async function startPostgres() {
  const bin = findPostgresBin();
  if (!bin) throw new Error('PostgreSQL is not installed (bash .ci/install-e2e-deps.sh)');
  const root = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'aiw-bench-pg-'));
  const data = join(dir, 'data');
  const sock = join(dir, 'sock');
  mkdirSync(sock);
  const password = `bench-${Math.random().toString(36).slice(2)}`;
  writeFileSync(join(dir, 'pwfile'), `${password}\n`);
  if (root) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
    for (const p of [dir, sock, join(dir, 'pwfile')]) chownSync(p, uid, gid);
  }
  const as = (cmd, args) => execFileSync(root ? 'runuser' : cmd, root ? ['-u', 'postgres', '--', cmd, ...args] : args, { stdio: ['ignore', 'pipe', 'pipe'] });
  as(join(bin, 'initdb'), ['-D', data, '-U', 'aiw', '-A', 'scram-sha-256', `--pwfile=${join(dir, 'pwfile')}`, '-E', 'UTF8', '--locale=C']);
  const port = await freePort();
  as(join(bin, 'pg_ctl'), ['-D', data, '-l', join(dir, 'log'), '-o', `-p ${port} -k ${sock} -h 127.0.0.1`, '-w', 'start']);
  return {
    url: `postgres://aiw:${password}@127.0.0.1:${port}/postgres`,
    stop() {
      try {
        as(join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
