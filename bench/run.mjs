#!/usr/bin/env node
// `npm run bench`: aiw's costs next to their baselines, measured in the same run, in alternating
// pairs. Prints Markdown tables and writes bench/results.json. `--quick`: one round of each, no
// thresholds (a smoke test for CI). See docs/performance.md for what each figure means.
//
// Options: --quick  --rounds N (counted rounds, default 7)  --only id,id  --keep (keep the temp dir)
//          --out FILE (default bench/results.json; --quick writes to the temp dir instead)
//          --cli DIR (measure the built CLI of another checkout, e.g. an earlier commit)
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, symlinkSync, openSync, readFileSync, readSync, rmSync, statSync, truncateSync, writeFileSync, appendFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMPUTE_STEPS, FAILURE_RECORDS, FIXES, MCP_CALLS, PATTERNS, PYTHON_STEPS, TOOL_STEPS, computeSnippet, fixPattern, fixTool, makeFixtures } from './lib/fixtures.mjs';
import { addFigure, peakRss, rounds, rssMethod, run, snapshotCli } from './lib/measure.mjs';
import { postgresFigures, postgresMissing } from './lib/postgres-figures.mjs';
import { table } from './lib/report.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..');
const node = process.execPath;

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const option = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const quick = flag('--quick');
const only = option('--only')?.split(',');
const COUNT = quick ? 1 : Number(option('--rounds') ?? 7);
const WARMUP = quick ? 0 : 1;
// The heavy figures (hundreds of steps per sample) get fewer rounds, never fewer than 5.
const HEAVY = quick ? 1 : Math.min(COUNT, 5);
const want = (id) => !only || only.includes(id);

const started = performance.now();
// Other work on the machine moves every figure: the load average before and after says how busy it was.
const loadAtStart = os.loadavg();
const tmp = mkdtempSync(join(os.tmpdir(), 'aiw-bench-'));
const log = (s) => process.stderr.write(`${s}\n`);
// Measure a copy of the built CLI taken now, so a rebuild during the run cannot change what is measured.
// `--cli DIR` measures another checkout's build (e.g. an earlier commit, for a before/after table).
const cliRepo = option('--cli') ?? repo;
const bin = snapshotCli(cliRepo, join(tmp, 'aiw'));
// The MCP SDK is not bundled (it loads only for MCP): the snapshot resolves it from the work tree.
symlinkSync(join(cliRepo, 'node_modules'), join(tmp, 'aiw', 'node_modules'));
const cliCommit = spawnSync('git', ['-C', cliRepo, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout.trim() || null;

// NODE_EXTRA_CA_CERTS costs every Node start tens of ms on this kind of machine: the main table
// is measured without it for both sides; the headline figures are measured again with it.
// aiw's own caches (the V8 code cache of the bundle, parsed files) live in a folder of this run, so
// every run starts from the same state and leaves nothing in ~/.cache. The warm-up round fills it,
// as a person's first command does; the `-cold` rows measure starts without it.
const cacheDir = join(tmp, 'cache');
const caValue = process.env.NODE_EXTRA_CA_CERTS;
const envNoCA = { ...process.env, AIW_CACHE_DIR: cacheDir };
delete envNoCA.NODE_EXTRA_CA_CERTS;
const envCA = caValue ? { ...process.env, AIW_CACHE_DIR: cacheDir } : null;
const envCold = { ...envNoCA, AIW_CACHE_DIR: 'off' };

log(`aiw bench (${quick ? 'quick: one round of each, no thresholds' : `${COUNT} counted rounds after ${WARMUP} warm-up`}); fixtures in ${tmp}`);
const fx = makeFixtures(tmp);
log(`fixtures: ${FIXES} fixes, ${PATTERNS} patterns, ${FAILURE_RECORDS} attempt records written in ${fx.ms} ms`);

const aiwArgs = (args, mem) => [bin, '--root', fx.root, ...(mem ? ['--memory-dir', mem] : []), ...args];
const aiw = (args, { env = envNoCA, mem, expect = 0 } = {}) => run(node, aiwArgs(args, mem), { env, expect });
const nodeE0 = (env = envNoCA) => run(node, ['-e', '0'], { env }).ms;

const ERROR_TEXT = `Error from server: ${fixPattern(17)} while pulling registry.example.com/app:1.2; dial tcp 10.0.3.7:443: connect: connection refused`;
const KNOWN = ['known-issues', '--tool', fixTool(17), '--error', ERROR_TEXT, '--json'];

// ---------------------------------------------------------------------------------------------
// Checks: each command does what its figure claims, before anything is timed.
const checks = [];
function check(name, fn) {
  const t0 = performance.now();
  const took = () => Math.round(performance.now() - t0);
  try {
    const detail = fn();
    checks.push({ name, ok: true, detail, ms: took() });
  } catch (err) {
    checks.push({ name, ok: false, detail: err.message.split('\n').slice(0, 6).join(' | '), ms: took() });
    log(`CHECK FAILED: ${name}: ${err.message}`);
  }
}
const assert = (cond, message) => {
  if (!cond) throw new Error(message);
};

check('1-step run succeeds with one tool step', () => {
  const doc = JSON.parse(aiw(['run', 'one', '--json']).stdout);
  assert(doc.status === 'success' && doc.steps.length === 1 && doc.steps[0].status === 'success', `got ${doc.status}`);
  return 'status success, 1 step';
});
check(`${TOOL_STEPS}-step run succeeds, every argument rendered`, () => {
  const doc = JSON.parse(aiw(['run', 'many', '--json']).stdout);
  assert(doc.steps.length === TOOL_STEPS && doc.steps.every((s) => s.status === 'success'), `got ${doc.steps.length} steps, status ${doc.status}`);
  return `${doc.steps.length} steps success`;
});
check(`${COMPUTE_STEPS}-step compute run gives the same values as the vm baseline`, () => {
  const doc = JSON.parse(aiw(['run', 'compute1000', '--json']).stdout);
  const last = doc.steps[COMPUTE_STEPS - 1];
  const expected = 1 * COMPUTE_STEPS + ((COMPUTE_STEPS - 1) % 7);
  assert(doc.steps.length === COMPUTE_STEPS && last.output === expected, `last output ${last?.output}, expected ${expected} (${computeSnippet(COMPUTE_STEPS - 1)})`);
  return `${doc.steps.length} steps, last output ${last.output}`;
});
// dialect: python skills run their blocks in one python3 worker (AIW_PYTHON, else python3 on PATH).
const python = process.env.AIW_PYTHON || 'python3';
const pythonBaseline = () => JSON.parse(run(node, [join(here, 'baselines', 'python-roundtrip.mjs'), join(tmp, 'python-snippets.json'), python], { env: envNoCA }).stdout);
if (want('python')) {
  check(`${PYTHON_STEPS}-block Python run gives the same values as the bare worker baseline`, () => {
    const doc = JSON.parse(aiw(['run', `python${PYTHON_STEPS}`, '--json']).stdout);
    const last = doc.steps[PYTHON_STEPS - 1];
    const base = pythonBaseline();
    assert(doc.steps.length === PYTHON_STEPS && last.output === base.last, `last output ${last?.output}, baseline ${base.last}`);
    return `${doc.steps.length} blocks, last output ${last.output} (baseline: ${base.last})`;
  });
  check('a skill without Python compute never starts Python', () => {
    const marker = join(tmp, 'python-started');
    const fake = join(tmp, 'fake-python');
    writeFileSync(fake, `#!/bin/sh\ntouch ${marker}\nexec ${python} "$@"\n`, { mode: 0o755 });
    aiw(['run', 'one'], { env: { ...envNoCA, AIW_PYTHON: fake } });
    aiw(['run', 'compute1'], { env: { ...envNoCA, AIW_PYTHON: fake } });
    assert(!existsSync(marker), 'Python was started for a JavaScript skill');
    aiw(['run', 'python1'], { env: { ...envNoCA, AIW_PYTHON: fake } });
    assert(existsSync(marker), 'the fake python3 was not used by a Python skill (the check would prove nothing)');
    return 'runs of `one` and `compute1` started no python3; `python1` did';
  });
}
let knownMatches = 0;
check('known-issues finds matches in the large memory and none in the empty one', () => {
  const big = JSON.parse(aiw(KNOWN, { mem: fx.mem.big }).stdout);
  const empty = JSON.parse(aiw(KNOWN, { mem: fx.mem.empty }).stdout);
  knownMatches = big.matches.length;
  const top = big.matches[0];
  assert(top && top.tool_name === fixTool(17) && top.pattern === fixPattern(17), `top match ${JSON.stringify(top)}`);
  assert(big.matches.some((m) => m.pattern === 'connection refused'), 'the "connection refused" pattern was not found');
  assert(empty.matches.length === 0, `empty memory gave ${empty.matches.length} matches`);
  return `${big.matches.length} matches shown (${big.more ?? 0} more), class ${big.failure_class}; empty memory: 0`;
});
const logFiles = { big: join(fx.mem.log100k, 'learned', 'tool_failures.yaml'), empty: join(fx.mem.logEmpty, 'learned', 'tool_failures.yaml') };
const logSizes = { big: statSync(logFiles.big).size, empty: statSync(logFiles.empty).size };
/** The bytes a run appended to `file` since it had `size` bytes. */
function appended(file, size) {
  const now = statSync(file).size;
  const buf = Buffer.alloc(now - size);
  const fd = openSync(file, 'r');
  readSync(fd, buf, 0, buf.length, size);
  closeSync(fd);
  return buf.toString('utf8');
}
check('a failing 1-step run exits 1 and appends exactly one entry line', () => {
  for (const side of ['big', 'empty']) {
    aiw(['run', 'failing'], { mem: side === 'big' ? fx.mem.log100k : fx.mem.logEmpty, expect: 1 });
    const text = appended(logFiles[side], logSizes[side]);
    const lines = text.split('\n').filter(Boolean);
    assert(lines.length === 1, `${side}: ${lines.length} lines appended: ${text.slice(0, 300)}`);
    const entry = JSON.parse(lines[0].replace(/^ {2}- /, ''));
    assert(entry.tool === 'false_tool' && entry.success === false, `${side}: ${lines[0]}`);
    truncateSync(logFiles[side], logSizes[side]);
  }
  return 'one `- {...}` line per run, on both sides';
});
check(`memory stats reads all ${FAILURE_RECORDS} entries`, () => {
  const doc = JSON.parse(aiw(['memory', 'stats', '--json'], { mem: fx.mem.log100k }).stdout);
  assert(doc.stats.entries === FAILURE_RECORDS, `entries ${doc.stats.entries}`);
  assert(doc.warnings.length === 0, `warnings: ${doc.warnings.slice(0, 3).join('; ')}`);
  return `${doc.stats.entries} entries, ${doc.stats.totals.calls} calls, ${doc.stats.by_day.length} days`;
});
check('the lookup cache sees a changed memory file at once', () => {
  const file = join(fx.mem.check, 'learned', 'tool_fixes.yaml');
  aiw(KNOWN, { mem: fx.mem.check }); // warm the cache
  // 1. Same size, edited right after a lookup: only a content check or a fine mtime can see it.
  const text = readFileSync(file, 'utf8');
  const old = fixPattern(3);
  const fresh = `zq${old.slice(2)}`;
  writeFileSync(file, text.replace(JSON.stringify(old), JSON.stringify(fresh)));
  assert(statSync(file).size === Buffer.byteLength(text), 'edit changed the size');
  const after = JSON.parse(aiw(['known-issues', '--error', `saw ${fresh} here`, '--json'], { mem: fx.mem.check }).stdout);
  assert(after.matches.some((m) => m.pattern === fresh), 'a same-size edit was not seen by the next call');
  // 2. An appended fix.
  appendFileSync(file, `  - tool_name: coherence_tool\n    error_pattern: "bench coherence marker"\n    root_cause: x\n    fix_applied: y\n`);
  const added = JSON.parse(aiw(['known-issues', '--tool', 'coherence_tool', '--json'], { mem: fx.mem.check }).stdout);
  assert(added.matches.some((m) => m.pattern === 'bench coherence marker'), 'an appended fix was not seen by the next call');
  return 'same-size edit and appended fix both seen by the next call';
});

check(`MCP: a ${MCP_CALLS}-call skill through aiw and the SDK client baseline both succeed`, () => {
  const doc = JSON.parse(run(node, [bin, '--root', fx.mcp.root, 'run', 'mcpmany', '--json'], { env: envNoCA }).stdout);
  assert(doc.status === 'success' && doc.steps.length === MCP_CALLS && doc.steps.every((s) => s.output === `Echo: call ${s.name.slice(1)}`), `got ${doc.status}`);
  run(node, [join(here, 'baselines', 'mcp-sdk-calls.mjs'), repo, fx.mcp.server, '3'], { env: envNoCA });
  // The first run also listed the server's tools and cached them; every timed run reads the cache.
  return `${MCP_CALLS} echo answers in order; tool list cached`;
});

// ---------------------------------------------------------------------------------------------
// Figures.
const figures = [];
const caFigures = [];
const perStep = (n) => (big, one) => (big - one) / (n - 1);
const MCP_INPROCESS_CALLS = quick ? MCP_CALLS : 500;

function figure(list, spec, samples, aName, bName) {
  return addFigure(list, spec, samples, aName, bName, { quick, log });
}

/** Run one figure; a command that breaks becomes an error row (and exit code 1), not a crashed run. */
function guarded(list, id, title, fn) {
  try {
    fn();
  } catch (err) {
    const first = String(err.message).split('\n').slice(0, 4).join(' | ');
    list.push({ id, title, baseline: '-', skipped: `error: ${first.slice(0, 300)}` });
    errors.push(`${id}: ${err.message}`);
    log(`FIGURE FAILED: ${id}: ${err.message}`);
  }
}
const errors = [];

function startupFigures(list, env, suffix, count) {
  if (want('version')) guarded(list, `version${suffix}`, '`aiw --version`', () => {
    const s = rounds({ sides: { aiw: () => aiw(['--version'], { env }).ms, node: () => nodeE0(env) }, warmup: WARMUP, count });
    figure(list, { id: `version${suffix}`, title: '`aiw --version`', unit: 'ms', baseline: '`node -e 0`', target: 1.5 }, s, 'aiw', 'node');
  });
  if (want('run1')) guarded(list, `run1${suffix}`, '`aiw run` of a 1-step skill', () => {
    const s = rounds({ sides: { aiw: () => aiw(['run', 'one'], { env }).ms, node: () => nodeE0(env) }, warmup: WARMUP, count });
    figure(list, { id: `run1${suffix}`, title: '`aiw run` of a 1-step skill (`/bin/true`)', unit: 'ms', baseline: '`node -e 0`', target: 2.0 }, s, 'aiw', 'node');
  });
  if (want('known')) guarded(list, `known${suffix}`, '`aiw known-issues` (cache warm)', () => {
    aiw(KNOWN, { env, mem: fx.mem.big }); // the first call after a change builds the cache: a user's next call finds it warm
    aiw(KNOWN, { env, mem: fx.mem.empty });
    const s = rounds({ sides: { big: () => aiw(KNOWN, { env, mem: fx.mem.big }).ms, empty: () => aiw(KNOWN, { env, mem: fx.mem.empty }).ms }, warmup: WARMUP, count });
    figure(list, { id: `known${suffix}`, title: `\`aiw known-issues --tool T --error E --json\`, ${FIXES / 1000}k fixes + ${PATTERNS / 1000}k patterns (cache warm)`, unit: 'ms', baseline: 'same, empty memory', target: 1.3 }, s, 'big', 'empty');
  });
  if (want('stats')) guarded(list, `stats${suffix}`, '`aiw memory stats --json`', () => {
    const s = rounds({ sides: { aiw: () => aiw(['memory', 'stats', '--json'], { env, mem: fx.mem.log100k }).ms, node: () => nodeE0(env) }, warmup: WARMUP, count: Math.min(count, HEAVY) });
    figure(list, { id: `stats${suffix}`, title: `\`aiw memory stats --json\`, ${FAILURE_RECORDS / 1000}k records`, unit: 'ms', baseline: '`node -e 0`', target: 15 }, s, 'aiw', 'node');
  });
}

log('main table (NODE_EXTRA_CA_CERTS unset for every child):');
// The start-up figures cost ~0.1 s a pair, and `node -e 0` alone spreads by a third between samples
// on this kind of machine: three times the rounds (at least 21), so that a median is the figure.
startupFigures(figures, envNoCA, '', quick ? COUNT : Math.max(COUNT * 3, 21));

// The first start after an install or an upgrade: no code cache yet (AIW_CACHE_DIR=off).
if (want('cold')) guarded(figures, 'run1-cold', '`aiw run` of a 1-step skill, no caches', () => {
  const s = rounds({ sides: { aiw: () => aiw(['run', 'one'], { env: envCold }).ms, node: () => nodeE0(envNoCA) }, warmup: WARMUP, count: COUNT });
  figure(figures, { id: 'run1-cold', title: '`aiw run` of a 1-step skill, no caches (`AIW_CACHE_DIR=off`: the first start after an install)', unit: 'ms', baseline: '`node -e 0`', target: null }, s, 'aiw', 'node');
});

if (want('toolstep')) guarded(figures, 'toolstep', 'per tool step', () => {
  const aiwStep = () => perStep(TOOL_STEPS)(aiw(['run', 'many']).ms, aiw(['run', 'one']).ms);
  const nodeStep = () => perStep(TOOL_STEPS)(run(node, [join(here, 'baselines', 'spawn-true.mjs'), String(TOOL_STEPS)], { env: envNoCA }).ms, run(node, [join(here, 'baselines', 'spawn-true.mjs'), '1'], { env: envNoCA }).ms);
  const bashLoop = (n) => run('bash', ['-c', `for ((i=0;i<${n};i++)); do /bin/true "step-1-$i"; done`], { env: envNoCA }).ms;
  const bashStep = () => perStep(TOOL_STEPS)(bashLoop(TOOL_STEPS), bashLoop(1));
  const s = rounds({ sides: { aiw: aiwStep, node: nodeStep, bash: bashStep }, warmup: WARMUP, count: HEAVY });
  figure(figures, { id: 'toolstep', title: `per tool step (${TOOL_STEPS}-step skill − 1-step, / ${TOOL_STEPS - 1})`, unit: 'ms/step', baseline: `Node \`child_process.spawn\` of /bin/true, ${TOOL_STEPS} − 1, / ${TOOL_STEPS - 1}`, target: 1.3 }, s, 'aiw', 'node');
  figure(figures, { id: 'toolstep-bash', title: 'per tool step, next to bash', unit: 'ms/step', baseline: `bash loop running /bin/true, ${TOOL_STEPS} − 1, / ${TOOL_STEPS - 1}`, target: null }, s, 'aiw', 'bash');
});

if (want('mcpcall')) guarded(figures, 'mcpcall', 'per MCP tool call', () => {
  // In one process, after start-up: aiw's call path (registry, params, heal loop, connection) next
  // to the SDK's Client, each with its own server, in alternating rounds.
  // A call is ~0.5 ms and two identical clients differ by ~4% from sample to sample: many calls per
  // sample and twice the rounds (seconds in all) keep the figure from wandering with the machine.
  const res = run(node, [join(here, 'baselines', 'mcp-inprocess.mjs'), repo, fx.mcp.root, String(MCP_INPROCESS_CALLS), String(quick ? 1 : COUNT * 2), String(WARMUP)], { env: envNoCA });
  const s = JSON.parse(res.stdout.trim().split('\n').pop());
  figure(figures, { id: 'mcpcall', title: `per MCP tool call, after start-up, in one process (server-everything \`echo\` over stdio; ${MCP_INPROCESS_CALLS} calls per sample)`, unit: 'ms/call', baseline: "the SDK's Client calling the same server, same process, alternating rounds", target: 1.3 }, s, 'aiw', 'sdk');
  // The same call as a skill step, whole CLI runs: adds loading, templating and reporting the step.
  const aiwRun = (skill) => run(node, [bin, '--root', fx.mcp.root, 'run', skill], { env: envNoCA }).ms;
  const sdk = (n) => run(node, [join(here, 'baselines', 'mcp-sdk-calls.mjs'), repo, fx.mcp.server, String(n)], { env: envNoCA }).ms;
  const r = rounds({
    sides: { aiw: () => perStep(MCP_CALLS)(aiwRun('mcpmany'), aiwRun('mcpone')), sdk: () => perStep(MCP_CALLS)(sdk(MCP_CALLS), sdk(1)) },
    warmup: WARMUP, count: HEAVY,
  });
  figure(figures, { id: 'mcpcall-step', title: `per MCP tool step of a skill (${MCP_CALLS}-call skill − 1-call, / ${MCP_CALLS - 1}), whole runs`, unit: 'ms/call', baseline: `a script with the SDK's Client, ${MCP_CALLS} − 1 calls, / ${MCP_CALLS - 1}`, target: null }, r, 'aiw', 'sdk');
});

if (want('compute')) guarded(figures, 'compute', 'per compute step', () => {
  const vm = (n) => run(node, [join(here, 'baselines', 'vm-snippets.mjs'), join(tmp, `snippets${n}.json`)], { env: envNoCA }).ms;
  const aiwStep = () => perStep(COMPUTE_STEPS)(aiw(['run', 'compute1000']).ms, aiw(['run', 'compute1']).ms);
  const vmStep = () => perStep(COMPUTE_STEPS)(vm(COMPUTE_STEPS), vm(1));
  const s = rounds({ sides: { aiw: aiwStep, vm: vmStep }, warmup: WARMUP, count: HEAVY });
  figure(figures, { id: 'compute', title: `per compute step (${COMPUTE_STEPS} − 1, / ${COMPUTE_STEPS - 1})`, unit: 'ms/step', baseline: 'same snippets with `node:vm`, one context, 5 s `timeout` per call', target: 3 }, s, 'aiw', 'vm');
});

if (want('python')) guarded(figures, 'python', 'per Python compute block', () => {
  const aiwStep = () => perStep(PYTHON_STEPS)(aiw(['run', `python${PYTHON_STEPS}`]).ms, aiw(['run', 'python1']).ms);
  // A JavaScript compute step of the same round (a skill of as many blocks): what a step costs in aiw whatever its kind,
  // so that (Python step − JavaScript step) is what Python itself adds to a step.
  const jsStep = () => perStep(PYTHON_STEPS)(aiw(['run', `compute${PYTHON_STEPS}`]).ms, aiw(['run', 'compute1']).ms);
  const s = rounds({ sides: { aiw: aiwStep, js: jsStep, bare: () => pythonBaseline().per_block_ms }, warmup: WARMUP, count: HEAVY });
  const bare = 'a bare round trip to an already-running python3 worker doing the same `exec`';
  figure(figures, { id: 'python', title: `per Python compute block (${PYTHON_STEPS} − 1, / ${PYTHON_STEPS - 1}; dialect: python)`, unit: 'ms/block', baseline: bare, target: 3 }, s, 'aiw', 'bare');
  s.added = s.aiw.map((a, i) => a - s.js[i]);
  figure(figures, { id: 'python-added', title: 'what Python adds to a step: Python block − JavaScript compute step, same round', unit: 'ms/block', baseline: bare, target: null }, s, 'added', 'bare');
});

if (want('known-cold')) guarded(figures, 'known-cold', '`aiw known-issues` (cache cold)', () => {
  const cold = (mem) => () => {
    rmSync(join(mem, '.cache'), { recursive: true, force: true });
    return aiw(KNOWN, { mem }).ms;
  };
  // No warm-up round: the checks above already ran this command once, and cold is the point.
  const s = rounds({ sides: { big: cold(fx.mem.big), empty: cold(fx.mem.empty) }, warmup: 0, count: quick ? 1 : 3 });
  figure(figures, { id: 'known-cold', title: '`aiw known-issues`, same, cache cold (first call after the memory changed)', unit: 'ms', baseline: 'same, empty memory, cache cold', target: null }, s, 'big', 'empty');
  aiw(KNOWN, { mem: fx.mem.big }); // leave the cache warm again
});

if (want('fail')) guarded(figures, 'fail', 'failing 1-step run', () => {
  // Each run appends one line; the files are cut back to their size after every round, so each
  // sample appends to exactly 100,000 (or 0) entries.
  const fail = (mem) => () => aiw(['run', 'failing'], { mem, expect: 1 }).ms;
  const reset = () => {
    truncateSync(logFiles.big, logSizes.big);
    truncateSync(logFiles.empty, logSizes.empty);
  };
  // Each sample fsyncs a file, and single samples of the same side spread by a third on this kind
  // of machine: twice the rounds (at least 15), so that the median is the figure, not the noise.
  const s = rounds({ sides: { big: fail(fx.mem.log100k), empty: fail(fx.mem.logEmpty) }, warmup: WARMUP, count: quick ? 1 : Math.max(15, COUNT * 2), after: reset });
  figure(figures, { id: 'fail', title: `failing 1-step run appending to tool_failures.yaml of ${FAILURE_RECORDS / 1000}k records`, unit: 'ms', baseline: 'same, log with no entries', target: 1.2 }, s, 'big', 'empty');
});

if (want('rss')) guarded(figures, 'rss', 'peak memory of the 1-step run', () => {
  const probe = join(here, 'baselines', 'rss-probe.cjs');
  const s = rounds({
    sides: {
      aiw: () => peakRss(aiwArgs(['run', 'one']), { env: envNoCA, tmp, probe }),
      node: () => peakRss(['-e', '0'], { env: envNoCA, tmp, probe }),
    },
    warmup: WARMUP,
    count: COUNT,
  });
  figure(figures, { id: 'rss', title: 'peak memory (max RSS) of the 1-step run', unit: 'KiB', baseline: '`node -e 0`', target: 2 }, s, 'aiw', 'node');
});

const ansible = spawnSync('sh', ['-c', 'command -v ansible-playbook'], { encoding: 'utf8' }).stdout.trim();
if (want('ansible')) guarded(figures, 'ansible', 'per tool step, Ansible', () => {
  const spec = { id: 'ansible', title: 'per tool step, Ansible (local connection, `command: true`)', unit: 'ms/step', baseline: 'aiw per tool step, same rounds', target: null, targetText: 'report (≥ 100× expected)' };
  if (!ansible) {
    figures.push({ ...spec, skipped: 'ansible-playbook is not installed (apt-get install ansible-core)' });
  } else {
    const play = (n) => run(ansible, ['-i', join(tmp, 'inventory'), join(tmp, `play${n}.yml`)], { env: { ...envNoCA, ANSIBLE_NOCOLOR: '1' } }).ms;
    const ansibleStep = () => perStep(21)(play(21), play(1));
    const aiwStep = () => perStep(TOOL_STEPS)(aiw(['run', 'many']).ms, aiw(['run', 'one']).ms);
    const s = rounds({ sides: { ansible: ansibleStep, aiw: aiwStep }, warmup: quick ? 0 : 1, count: quick ? 1 : 3 });
    const f = figure(figures, spec, s, 'ansible', 'aiw');
    f.aLabel = 'Ansible';
    f.note = 'ratio = Ansible per step / aiw per step (how many times faster aiw is); Ansible: 21-task playbook − 1-task, / 20';
  }
});

// The PostgreSQL memory backend next to the files (bench/lib/postgres-figures.mjs): a real server
// from Debian's package, started on a loopback port for the run; a row says why when it is missing.
if (want('pg')) {
  const missing = postgresMissing();
  if (missing) {
    for (const [id, title] of [['pg-known', 'PostgreSQL memory: `aiw known-issues`, 100k fixes'], ['pg-fail', 'PostgreSQL memory: failing 1-step run recording its attempt']]) {
      figures.push({ id, title, baseline: 'files', skipped: missing });
    }
  } else {
    try {
      figures.push(...await postgresFigures({ bin, fx, tmp, count: COUNT, warmup: WARMUP, quick, log, env: envNoCA }));
    } catch (err) {
      figures.push({ id: 'pg-known', title: 'PostgreSQL memory figures', baseline: 'files', skipped: `error: ${String(err.message).split('\n')[0].slice(0, 300)}` });
      errors.push(`pg: ${err.message}`);
    }
  }
}

if (envCA) {
  log(`headline figures with NODE_EXTRA_CA_CERTS=${caValue} set for every child:`);
  startupFigures(caFigures, envCA, '-ca', HEAVY);
}

// ---------------------------------------------------------------------------------------------
const cpus = os.cpus();
const results = {
  mode: quick ? 'quick' : 'full',
  date: new Date().toISOString(),
  cli: { dir: cliRepo, commit: cliCommit },
  machine: {
    cpu: cpus[0]?.model ?? 'unknown', cores: cpus.length, node: process.version, platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    memory_gb: Math.round(os.totalmem() / 2 ** 30),
    load_average: { start: loadAtStart, end: os.loadavg(), note: '1, 5 and 15 minute load averages (os.loadavg) when the run started and ended' },
  },
  node_extra_ca_certs: {
    set_in_environment: Boolean(caValue), value: caValue ?? null,
    main_table: 'unset for every child process, aiw and baselines alike',
    ca_table: caValue ? 'set to the value above for every child process' : 'not measured: the variable is not set here',
  },
  method: {
    timing: 'wall time of each child process from spawn to exit (spawnSync, hrtime), measured by this script',
    rounds: `${WARMUP} warm-up round(s) discarded, then ${COUNT} counted rounds (${HEAVY} for the heavy per-step and stats figures and for the NODE_EXTRA_CA_CERTS table); each round runs every side once, order reversed every other round`,
    ratio: 'median of the per-round ratios aiw/baseline; aiw and baseline columns are medians of their samples',
    ratio_interval: 'distribution-free 95 % interval of that median (order statistics of the per-round ratios, bench/lib/stats.mjs); a figure is at the edge when its target lies inside the interval',
    per_step: 'a round runs the N-step and the 1-step variant back to back and yields (t_N − t_1) / (N − 1), for aiw and for the baseline',
    peak_memory: rssMethod,
    memory_cache: `warm for the known-issues figure: one call before the counted rounds builds <memory>/.cache (what a user sees from the second call after a change); the cold case is measured separately (cache deleted before every sample)`,
    memory_files: 'generated files are dated one hour back (as a real memory file is, long before a lookup); the cache then needs no content hash on each call',
    aiw: `node dist/aiw.cjs (the package bin) --root <tmp project> [--memory-dir <tmp memory>] ... (dist/ built by npm run build), AIW_CACHE_DIR in the run's temp folder`,
  },
  fixtures: {
    tool_steps: TOOL_STEPS, mcp_calls: MCP_CALLS, compute_steps: COMPUTE_STEPS, learned_fixes: FIXES, patterns: PATTERNS, attempt_records: FAILURE_RECORDS,
    known_issues_args: KNOWN.slice(0, -1), known_issues_matches_shown: knownMatches,
    tool_failures_bytes: logSizes.big,
  },
  ansible: ansible || null,
  checks,
  errors,
  figures,
  ca_figures: caFigures,
  duration_s: 0,
};
results.duration_s = Math.round((performance.now() - started) / 100) / 10;

const out = option('--out') ?? (quick ? join(tmp, 'results.json') : join(here, 'results.json'));
if (!flag('--keep')) rmSync(tmp, { recursive: true, force: true });
if (quick && !option('--out')) {
  // The temp dir is gone unless --keep: quick results are printed, not kept.
  if (flag('--keep')) writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
} else {
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
}

const lines = [];
lines.push(`## aiw benchmark (${results.mode}) — ${results.date.slice(0, 10)}${cliCommit ? `, aiw at ${cliCommit}` : ''}`);
lines.push('');
lines.push(`Machine: ${results.machine.cpu}, ${results.machine.cores} cores, ${results.machine.memory_gb} GB; Node ${results.machine.node}; ${results.machine.platform}; load average (1 min) ${loadAtStart[0].toFixed(2)} at the start, ${results.machine.load_average.end[0].toFixed(2)} at the end.`);
lines.push(`NODE_EXTRA_CA_CERTS unset for every child (aiw and baseline alike). ${results.method.rounds}. Ratio = median of per-round ratios, with its 95 % interval; "at the edge" when the target lies inside it.`);
lines.push('');
lines.push(table(figures));
if (caFigures.length) {
  lines.push('');
  lines.push(`With NODE_EXTRA_CA_CERTS set (as on this machine by default), for aiw and baseline alike:`);
  lines.push('');
  lines.push(table(caFigures));
}
lines.push('');
const failed = checks.filter((c) => !c.ok);
if (errors.length) lines.push(`Figures that could not be measured: ${errors.length} (see the error rows; details on stderr).`);
lines.push(`Checks: ${checks.length - failed.length}/${checks.length} passed${failed.length ? ` — FAILED: ${failed.map((c) => `${c.name} (${c.detail})`).join('; ')}` : ''}.`);
lines.push(`Run took ${results.duration_s} s.${quick ? '' : ` Results: ${out}`}`);
process.stdout.write(`${lines.join('\n')}\n`);
if (failed.length || errors.length) process.exitCode = 1;
