// Timing primitives: run a process to completion and time it from the parent, and run two sides
// of a figure in alternating pairs so slow phases of a noisy machine hit both sides alike.
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { median, medianInterval } from './stats.mjs';

/** Run `cmd args` to completion; wall time in ms, measured around the whole process lifetime. */
export function run(cmd, args, { env, cwd, expect = 0 } = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.error) throw new Error(`cannot run ${cmd}: ${r.error.message}`, { cause: r.error });
  if (r.status !== expect) {
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.status ?? r.signal}, expected ${expect}\n--- stderr:\n${r.stderr.toString().slice(-3000)}\n--- stdout:\n${r.stdout.toString().slice(-1000)}`);
  }
  return { ms, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

const TIME = '/usr/bin/time';

/** How peak RSS is measured here: GNU time's %M (wait4's ru_maxrss) when present, else a --require probe. */
export const rssMethod = existsSync(TIME) ? '/usr/bin/time -f %M (ru_maxrss of the child, KiB)' : 'node --require bench/baselines/rss-probe.cjs (process.resourceUsage().maxRSS at exit)';

/** Peak RSS of `node nodeArgs...` in KiB. */
export function peakRss(nodeArgs, { env, tmp, probe, expect = 0 }) {
  const out = join(tmp, `rss-${process.pid}.txt`);
  rmSync(out, { force: true });
  if (existsSync(TIME)) run(TIME, ['-f', '%M', '-o', out, process.execPath, ...nodeArgs], { env, expect });
  else run(process.execPath, ['--require', probe, ...nodeArgs], { env: { ...env, AIW_BENCH_RSS_OUT: out }, expect });
  const kib = Number(readFileSync(out, 'utf8').trim().split('\n').pop());
  if (!Number.isFinite(kib) || kib <= 0) throw new Error(`could not read peak RSS from ${out}`);
  return kib;
}

/**
 * Measure the sides of a figure in rounds: `warmup` rounds discarded, then `count` counted rounds.
 * Each round runs every side once, in the given order in even rounds and reversed in odd ones, so
 * A B, B A, A B, ... for two sides. A figure's ratio is the median of the per-round ratios, so a
 * slow phase of the machine, which hits both halves of a pair, cancels out. Each side returns one
 * sample (a number: ms, or KiB for memory). `after` runs after every round (e.g. to reset a file).
 */
export function rounds({ sides, warmup, count, after }) {
  const names = Object.keys(sides);
  for (let i = 0; i < warmup; i++) {
    for (const n of names) sides[n]();
    after?.();
  }
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  for (let i = 0; i < count; i++) {
    const order = i % 2 === 0 ? names : [...names].reverse();
    const got = {};
    for (const n of order) got[n] = sides[n]();
    after?.();
    for (const n of names) samples[n].push(got[n]);
  }
  return samples;
}

/**
 * A figure's numbers from two sample lists of the same rounds: medians, the median per-pair ratio,
 * and that ratio's 95 % interval (how far the machine's noise could move it).
 */
export function compare(a, b) {
  const ratios = a.map((x, i) => x / b[i]);
  const interval = medianInterval(ratios);
  return { a, b, ratios, a_median: median(a), b_median: median(b), ratio: median(ratios), ratio_interval: interval && [interval.low, interval.high] };
}

/**
 * Add a figure to `list` from the samples of two sides of the same rounds: their medians and the
 * median per-round ratio, met when the ratio is within the target (never judged in quick mode: one
 * round proves nothing, nor without a target), and at the edge when the ratio's interval holds the
 * target.
 */
export function addFigure(list, spec, samples, aName, bName, { quick, log }) {
  const c = compare(samples[aName], samples[bName]);
  const met = quick || !spec.target ? null : c.ratio <= spec.target;
  // At the edge: the target lies inside the ratio's interval, so another run may judge it otherwise.
  const edge = met !== null && c.ratio_interval !== null && c.ratio_interval[0] <= spec.target && spec.target < c.ratio_interval[1];
  const f = { ...spec, ...c, met, edge, rounds: samples[aName].length };
  list.push(f);
  log(`  ${spec.id}: ${c.a_median.toFixed(3)} vs ${c.b_median.toFixed(3)} -> ${c.ratio.toFixed(2)}x${c.ratio_interval ? ` (${c.ratio_interval[0].toFixed(2)}-${c.ratio_interval[1].toFixed(2)})` : ''}`);
  return f;
}

/**
 * Copy bin/, dist/ (the bundle and its chunks) and package.json to `dir`, same layout, and return
 * the copied package bin (what `aiw` runs after an install). The copy is what gets measured: a
 * rebuild of the work tree during the run (which empties dist/ first) cannot change it or break it.
 */
export function snapshotCli(repo, dir) {
  const bundle = join(repo, 'dist');
  // Another build may be rewriting dist/ right now (it empties it first): wait for it, boundedly.
  for (let tries = 0; tries < 40; tries++) {
    if (existsSync(bundle)) {
      try {
        rmSync(dir, { recursive: true, force: true });
        mkdirSync(dir, { recursive: true });
        cpSync(join(repo, 'bin'), join(dir, 'bin'), { recursive: true });
        cpSync(join(repo, 'dist'), join(dir, 'dist'), { recursive: true });
        copyFileSync(join(repo, 'package.json'), join(dir, 'package.json'));
        // What an install runs as `aiw`: the package's bin (dist/aiw.cjs; bin/aiw.js in older checkouts).
        const bin = join(dir, JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).bin.aiw);
        const check = spawnSync(process.execPath, [bin, '--version'], { encoding: 'utf8' });
        if (check.status === 0) return bin;
      } catch {
        // dist/ changed while it was copied: try again below.
      }
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
  }
  throw new Error(`${bundle} is missing or does not run: run npm run build first (npm run bench does)`);
}
