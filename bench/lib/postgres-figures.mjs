// The PostgreSQL memory backend next to the file backend, measured in the same run, in alternating
// pairs (bench/lib/measure.mjs), each side a whole `aiw` process as a user runs it:
//   pg-known  `aiw known-issues` at 100,000 learned fixes + 1,000 patterns, local copy / cache warm:
//             PostgreSQL vs the files (target ≤ 1.3×)
//   pg-fail   a failing 1-step run, which records its attempt: PostgreSQL vs tool_failures.yaml of
//             100k entries (target ≤ 1.5×)
//   pg-known-cold  the same lookup on a machine that has no local copy yet (info)
// Used by bench/run.mjs (the main table) and bench/postgres.mjs (these figures alone). The 100k
// fixes are written as one-line flow mappings with short texts, so the file stays under the 16 MB
// the file store parses (LEARNED_PARSE_LIMIT); the database holds the very same fixes.
import { copyFileSync, mkdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { FAILURE_RECORDS, fixPattern, fixTool } from './fixtures.mjs';
import { addFigure, rounds, run } from './measure.mjs';
import { findPostgresBin, startPostgres } from './postgres.mjs';

export const PG_FIXES = 100_000;
export const POSTGRES_SETUP = 'Debian postgresql, loopback TCP, scram-sha-256, fsync and synchronous_commit on';

/** Why the PostgreSQL figures cannot be measured here, or null when they can. */
export function postgresMissing() {
  return findPostgresBin() ? null : 'PostgreSQL is not installed (apt-get install postgresql; the server is started by the bench on a loopback port)';
}

/** `fn` with a client of the database at `url`, ended after. */
async function withClient(url, fn) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * A team's server in its steady state, not just after a bulk load: 100,000 inserted rows would make
 * autovacuum vacuum and analyse the tables within the next minute, in the middle of the figures.
 */
const settle = (url) => withClient(url, (client) => client.query('VACUUM ANALYZE'));

/** Start a PostgreSQL server, measure the figures, stop it. */
export async function postgresFigures({ bin, fx, tmp, count, warmup, quick, log, env: baseEnv = process.env }) {
  const FIXES = PG_FIXES;
  const server = await startPostgres();
  try {
    return await measure();
  } finally {
    server.stop();
  }

  async function measure() {
    const env = { ...baseEnv };
    delete env.NODE_EXTRA_CA_CERTS;
    delete env.AIW_MEMORY_URL;
    const pgEnv = { ...env, AIW_MEMORY_URL: server.url };
    const aiw = (args, { mem, e = env, expect = 0 }) => run(process.execPath, [bin, '--root', fx.root, '--memory-dir', mem, ...args], { env: e, expect });

    // Files: 100k fixes (flow mappings) and the fixture's 1k patterns.
    const filesMem = join(tmp, 'mem-files100k');
    mkdirSync(join(filesMem, 'learned'), { recursive: true });
    const fixes = Array.from({ length: FIXES }, (_, i) => ({
      tool_name: fixTool(i), error_pattern: fixPattern(i), root_cause: `c${i}`, fix_applied: `f${i}`, times_prevented: 0,
    }));
    writeFileSync(join(filesMem, 'learned', 'tool_fixes.yaml'), `tool_fixes:\n${fixes.map((f) => `  - ${JSON.stringify(f)}\n`).join('')}`);
    copyFileSync(join(fx.mem.big, 'learned', 'patterns.yaml'), join(filesMem, 'learned', 'patterns.yaml'));
    log(`files: ${(statSync(join(filesMem, 'learned', 'tool_fixes.yaml')).size / 1e6).toFixed(1)} MB of fixes`);

    // Database: the same fixes and patterns, and the 100k-entry attempt log.
    const pgMem = join(tmp, 'mem-pg');
    mkdirSync(pgMem, { recursive: true });
    aiw(['memory', 'migrate'], { mem: pgMem, e: pgEnv });
    await withClient(server.url, async (client) => {
      for (let i = 0; i < FIXES; i += 5000) {
        const batch = fixes.slice(i, i + 5000);
        await client.query(
          `INSERT INTO aiw_fixes (tool_name, error_pattern, pattern_key, root_cause, fix_applied, rev)
           SELECT t, p, CASE WHEN btrim(p) LIKE '/%' THEN btrim(p) ELSE regexp_replace(lower(btrim(p)), '\\s+', ' ', 'g') END, r, f, nextval('aiw_rev')
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS u(t, p, r, f)`,
          [batch.map((f) => f.tool_name), batch.map((f) => f.error_pattern), batch.map((f) => f.root_cause), batch.map((f) => f.fix_applied)]);
      }
    });
    const patternsOnly = join(tmp, 'mem-patterns-only');
    mkdirSync(join(patternsOnly, 'learned'), { recursive: true });
    copyFileSync(join(fx.mem.big, 'learned', 'patterns.yaml'), join(patternsOnly, 'learned', 'patterns.yaml'));
    aiw(['memory', 'import', '--from', patternsOnly], { mem: pgMem, e: pgEnv });
    aiw(['memory', 'import', '--from', fx.mem.log100k], { mem: pgMem, e: pgEnv });
    await settle(server.url);
    log(`database: ${FIXES} fixes, 1k patterns, ${FAILURE_RECORDS} attempts`);

    const ERROR_TEXT = `Error from server: ${fixPattern(17)} while pulling registry.example.com/app:1.2; dial tcp 10.0.3.7:443: connect: connection refused`;
    const KNOWN = ['known-issues', '--tool', fixTool(17), '--error', ERROR_TEXT, '--json'];
    // Same answer both ways, before anything is timed.
    const a = JSON.parse(aiw(KNOWN, { mem: filesMem }).stdout);
    const b = JSON.parse(aiw(KNOWN, { mem: pgMem, e: pgEnv }).stdout);
    if (JSON.stringify(a.matches) !== JSON.stringify(b.matches) || a.matches[0]?.pattern !== fixPattern(17)) throw new Error(`different answers:\n${JSON.stringify(a).slice(0, 400)}\n${JSON.stringify(b).slice(0, 400)}`);
    log(`check: both backends give the same ${a.matches.length} matches`);

    const figures = [];
    const figure = (spec, s, x, y) => addFigure(figures, spec, s, x, y, { quick, log });

    // Both sides spread by a fifth between samples (a server's backend start, fsync): at least 15
    // pairs, so that the medians are the figures.
    const pairs = quick ? count : Math.max(count, 15);
    const s1 = rounds({ sides: { pg: () => aiw(KNOWN, { mem: pgMem, e: pgEnv }).ms, files: () => aiw(KNOWN, { mem: filesMem }).ms }, warmup, count: pairs });
    figure({ id: 'pg-known', title: '`aiw known-issues --tool T --error E --json`, 100k fixes + 1k patterns (local copy / cache warm)', unit: 'ms', baseline: 'files, cache warm', target: 1.3 }, s1, 'pg', 'files');

    const logFile = join(fx.mem.log100k, 'learned', 'tool_failures.yaml');
    const logSize = statSync(logFile).size;
    // Its own database with the 100k attempts and no fixes, as the file side has (fx.mem.log100k).
    await withClient(server.url, (admin) => admin.query('CREATE DATABASE aiw_run'));
    const runEnv = { ...env, AIW_MEMORY_URL: server.url.replace(/\/postgres$/, '/aiw_run') };
    const pgRunMem = join(tmp, 'mem-pg-run');
    mkdirSync(pgRunMem, { recursive: true });
    aiw(['memory', 'import', '--from', fx.mem.log100k], { mem: pgRunMem, e: runEnv });
    await settle(runEnv.AIW_MEMORY_URL);
    const s2 = rounds({
      sides: { pg: () => aiw(['run', 'failing'], { mem: pgRunMem, e: runEnv, expect: 1 }).ms, files: () => aiw(['run', 'failing'], { mem: fx.mem.log100k, expect: 1 }).ms },
      warmup, count: pairs, after: () => truncateSync(logFile, logSize),
    });
    figure({ id: 'pg-fail', title: `failing 1-step run recording its attempt (${FAILURE_RECORDS / 1000}k attempts stored)`, unit: 'ms', baseline: `files, tool_failures.yaml of ${FAILURE_RECORDS / 1000}k entries`, target: 1.5 }, s2, 'pg', 'files');

    const cold = (mem, e) => () => {
      rmSync(join(mem, '.cache'), { recursive: true, force: true });
      return aiw(KNOWN, { mem, e }).ms;
    };
    const s3 = rounds({ sides: { pg: cold(pgMem, pgEnv), files: cold(filesMem, env) }, warmup: 0, count: quick ? 1 : 3 });
    figure({ id: 'pg-known-cold', title: '`aiw known-issues`, same, no local copy / cache yet (a new runner)', unit: 'ms', baseline: 'files, cache cold', target: null }, s3, 'pg', 'files');
    return figures;

  }
}
