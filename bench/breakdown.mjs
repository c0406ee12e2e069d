#!/usr/bin/env node
// In-process cost of the pieces of one step, measured on aiw's own source modules (bundled from
// src/ by esbuild into a temporary file, so no process start-up is counted):
//   - loading and checking a skill file (YAML with positions + schema + structure), per step;
//   - the compute sandbox (ComputeSandbox: a context in the run's compute process, values copied
//     in, one message round trip per step), per step, next to bare node:vm in one context, and
//     with the time-limit and Ctrl-C options one by one;
//   - rendering one templated tool argument, each step with its own template, and the same template
//     again (nunjucks compile vs render).
// `node bench/breakdown.mjs [--rounds N]`. Prints Markdown. Medians of N rounds (default 5).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import vm from 'node:vm';
import { build } from 'esbuild';
import { COMPUTE_STEPS, TOOL_STEPS, computeSnippet, makeFixtures } from './lib/fixtures.mjs';
import { median } from './lib/stats.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..');
const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 5;
const tmp = mkdtempSync(join(os.tmpdir(), 'aiw-breakdown-'));
const fx = makeFixtures(join(tmp, 'fx'));

// The bundle lives inside the work tree (.aiw-tmp/ is git-ignored) so that the packages it leaves to
// `require` (nunjucks, ...) resolve from the repository's node_modules, as they do for dist/.
mkdirSync(join(repo, '.aiw-tmp'), { recursive: true });
const bundleDir = mkdtempSync(join(repo, '.aiw-tmp', 'breakdown-'));
const entry = join(bundleDir, 'entry.ts');
writeFileSync(entry, [
  `export { loadSkillFile } from ${JSON.stringify(join(repo, 'src/skill/load-skill.ts'))};`,
  `export { ComputeSandbox } from ${JSON.stringify(join(repo, 'src/engine/compute-sandbox.ts'))};`,
  `export { ComputeProcess } from ${JSON.stringify(join(repo, 'src/engine/compute-process.ts'))};`,
  `export { templating } from ${JSON.stringify(join(repo, 'src/template/nunjucks-env.ts'))};`,
  `export { renderValue } from ${JSON.stringify(join(repo, 'src/template/render.ts'))};`,
].join('\n'));
const outfile = join(bundleDir, 'src-bundle.mjs');
await build({
  entryPoints: [entry], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'silent',
  absWorkingDir: repo, nodePaths: [join(repo, 'node_modules')],
  banner: { js: "import { createRequire as __c } from 'node:module'; const require = __c(import.meta.url);" },
});
const src = await import(pathToFileURL(outfile).href);

function timeIt(fn) {
  fn(); // warm: lazy compilation, first-use initialisation
  const samples = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    fn(i);
    samples.push(performance.now() - t0);
  }
  return median(samples);
}
async function timeAsync(fn) {
  await fn();
  const samples = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    await fn(i);
    samples.push(performance.now() - t0);
  }
  return median(samples);
}

const rows = [];
const row = (what, totalMs, steps, note = '') => rows.push(`| ${what} | ${(totalMs / steps).toFixed(4)} | ${note} |`);

// Skill loading.
row(`load + check skill, ${COMPUTE_STEPS} compute steps`, await timeAsync(() => src.loadSkillFile(join(fx.root, 'skills', 'compute1000.yaml'))), COMPUTE_STEPS, 'yaml parse with positions, schema (prebuilt ajv), structure');
row(`load + check skill, ${TOOL_STEPS} tool steps`, await timeAsync(() => src.loadSkillFile(join(fx.root, 'skills', 'many.yaml'))), TOOL_STEPS, '');

// Compute. Each round uses fresh code text (a round-specific suffix) so V8's compilation cache
// cannot serve a script compiled in an earlier round: every step compiles, as in a real run.
const codes = (round) => Array.from({ length: COMPUTE_STEPS }, (_, i) => `${computeSnippet(i)} // r${round}`);
const host = new src.ComputeProcess();
const SUCCESS = { status: 'success', error: null, attempts: 1, failure_class: null, heals: [], known_issues: [] };
row('ComputeSandbox.run + set(output) + setMember(steps)', await timeAsync(async (r = 99) => {
  const box = new src.ComputeSandbox(host, 5000);
  box.set('inputs', { n: 1 });
  box.set('steps', {});
  const list = codes(r);
  for (let i = 0; i < list.length; i++) {
    const out = await box.run(list[i], { what: `step c${i}`, file: '/x/compute1000.yaml', line: 8 + i * 2 });
    box.set(`c${i}`, out);
    box.setMember('steps', `c${i}`, { ...SUCCESS });
  }
  box.close();
}), COMPUTE_STEPS, 'one request per step (a step after a tool step; process already started)');
row('  the same, consecutive steps told ahead (64 per request)', await timeAsync(async (r = 99) => {
  const box = new src.ComputeSandbox(host, 5000);
  box.set('inputs', { n: 1 });
  box.set('steps', {});
  const list = codes(r + 500);
  for (let i = 0; i < list.length; i++) {
    if (i % 64 === 0) box.ahead(list.slice(i, i + 64).map((code, k) => ({ code, file: '/x/compute1000.yaml', line: 8 + (i + k) * 2, output: `c${i + k}`, step: `c${i + k}` })));
    const out = await box.run(list[i], { what: `step c${i}`, file: '/x/compute1000.yaml', line: 8 + i * 2 });
    box.set(`c${i}`, out);
    box.setMember('steps', `c${i}`, { ...SUCCESS });
  }
  box.close();
}), COMPUTE_STEPS, 'what run-skill.ts does for a run of compute steps');
host.close();
const wrap = (code) => `(function () { var result; var __r = (function () { ${code}\n})(); return __r === undefined ? result : __r; })()`;
const bareVm = (ctxOptions, runOptions) => (r = 99) => {
  const ctx = vm.createContext(Object.create(null), ctxOptions);
  ctx.inputs = { n: 1 };
  for (const code of codes(r + 1000)) new vm.Script(wrap(code), { filename: '/x/compute1000.yaml' }).runInContext(ctx, runOptions);
};
row('bare node:vm (the benchmark baseline)', timeIt(bareVm({}, {})), COMPUTE_STEPS, 'new vm.Script + runInContext');
row('  + context options of aiw (codeGeneration off, microtaskMode afterEvaluate)', timeIt(bareVm({ codeGeneration: { strings: false, wasm: false }, microtaskMode: 'afterEvaluate' }, {})), COMPUTE_STEPS, '');
row('  + `timeout` (a watchdog thread per call)', timeIt(bareVm({}, { timeout: 5000 })), COMPUTE_STEPS, '');
row('  + `breakOnSigint` (a SIGINT watchdog per call)', timeIt(bareVm({}, { breakOnSigint: true })), COMPUTE_STEPS, '');
row('  + `timeout` + `breakOnSigint`', timeIt(bareVm({}, { timeout: 5000, breakOnSigint: true })), COMPUTE_STEPS, '');

// Templates.
const templating = src.templating();
void templating;
const scope = { inputs: { n: 1 }, config: {}, env: {} };
row('render a templated argument, each step its own template', timeIt((r = 99) => {
  for (let i = 0; i < TOOL_STEPS; i++) src.renderValue({ x: `step-{{ inputs.n }}-${i}-r${r}` }, scope, { what: 'bench' });
}), TOOL_STEPS, 'nunjucks compiles each new template');
row('render a templated argument, same template every step', timeIt(() => {
  for (let i = 0; i < TOOL_STEPS; i++) src.renderValue({ x: 'step-{{ inputs.n }}' }, scope, { what: 'bench' });
}), TOOL_STEPS, 'compiled once');

process.stdout.write([
  `### Per-step pieces, in process (medians of ${rounds}; Node ${process.version}; ${os.cpus()[0]?.model}, ${os.cpus().length} cores)`,
  '',
  '| piece | ms per step | note |',
  '|---|---|---|',
  ...rows,
  '',
].join('\n'));
rmSync(tmp, { recursive: true, force: true });
rmSync(bundleDir, { recursive: true, force: true });
