#!/usr/bin/env node
// The PostgreSQL memory figures alone (they are also rows of `npm run bench`): see
// bench/lib/postgres-figures.mjs for what is measured. Prints a Markdown table and writes
// bench/postgres-results.json. `--quick`: one round, no thresholds. `--rounds N`, `--keep`.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FAILURE_RECORDS, makeFixtures } from './lib/fixtures.mjs';
import { snapshotCli } from './lib/measure.mjs';
import { PG_FIXES, POSTGRES_SETUP, postgresFigures } from './lib/postgres-figures.mjs';
import { table } from './lib/report.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..');
const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const count = quick ? 1 : Number(argv[argv.indexOf('--rounds') + 1] || 7);
const log = (s) => process.stderr.write(`${s}\n`);

const tmp = mkdtempSync(join(os.tmpdir(), 'aiw-bench-pgm-'));
const started = performance.now();
try {
  const bin = snapshotCli(repo, join(tmp, 'aiw'));
  const fx = makeFixtures(tmp);
  const env = { ...process.env, AIW_CACHE_DIR: join(tmp, 'cache') };
  const figures = await postgresFigures({ bin, fx, tmp, count, warmup: quick ? 0 : 1, quick, log, env });
  const results = { date: new Date().toISOString(), quick, rounds: count, node: process.version, cpus: os.cpus().length, fixes: PG_FIXES, attempts: FAILURE_RECORDS,
    postgres: POSTGRES_SETUP, figures, duration_s: Math.round((performance.now() - started) / 1000) };
  if (!quick) writeFileSync(join(here, 'postgres-results.json'), `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`${table(figures)}\n`);
  if (!quick && figures.some((f) => f.met === false)) process.exitCode = 1;
} finally {
  if (!argv.includes('--keep')) rmSync(tmp, { recursive: true, force: true });
}
