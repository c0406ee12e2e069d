#!/usr/bin/env node
// Where aiw's time goes: the numbers behind docs/performance.md's "Where the time goes".
// `node bench/profile.mjs [--rounds N]` (after `npm run build`). Prints Markdown; writes nothing
// outside a temporary folder. Measured with NODE_EXTRA_CA_CERTS unset, like the main table.
//
//  1. the bundle: size, and the cost of parsing and linking it without running it;
//  2. import cost of each library, unbundled (from node_modules) and bundled alone with esbuild;
//  3. a CPU profile (--cpu-prof) of the 200-step tool skill and of the 1,000-step compute skill,
//     summarised by self time and by inclusive time of aiw's own functions;
//  4. a CPU profile of `known-issues` (warm cache) and of `memory stats` over 100,000 records.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { fixPattern, fixTool, makeFixtures } from './lib/fixtures.mjs';
import { run, snapshotCli } from './lib/measure.mjs';
import { median } from './lib/stats.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..');
const node = process.execPath;
const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 9;
const env = { ...process.env };
delete env.NODE_EXTRA_CA_CERTS;
const tmp = mkdtempSync(join(os.tmpdir(), 'aiw-profile-'));
const bin = snapshotCli(repo, join(tmp, 'aiw'));
// aiw's caches (the bundle's code cache, parsed files) in this run's folder: warm after the first start.
env.AIW_CACHE_DIR = join(tmp, 'cache');
const out = [];
const say = (s = '') => {
  out.push(s);
  process.stderr.write(`${s}\n`);
};

/** Median wall time of `node args`, and of the baseline `node base`, alternated; ms. */
function timed(args, base = ['-e', '0'], cwd = repo, envA = env) {
  const a = [];
  const b = [];
  run(node, args, { env: envA, cwd });
  for (let i = 0; i < rounds; i++) {
    a.push(run(node, args, { env: envA, cwd }).ms);
    b.push(run(node, base, { env, cwd }).ms);
  }
  return { ms: median(a), base: median(b), extra: median(a.map((x, i) => x - b[i])) };
}

// 1. The bundle: one CommonJS file loaded by dist/aiw.cjs with a V8 code cache (src/cli/boot.ts).
const distDir = join(tmp, 'aiw', 'dist');
const files = [];
const walk = (d) => readdirSync(d, { withFileTypes: true }).forEach((e) => (e.isDirectory() ? walk(join(d, e.name)) : files.push(join(d, e.name))));
walk(distDir);
const totalKiB = files.reduce((n, f) => n + statSync(f).size, 0) / 1024;
const bundle = join(distDir, 'main.cjs');
const coldEnv = { ...env, AIW_CACHE_DIR: 'off' };
const fast = timed([bin, '--version']);
const warm = timed([bin, '--root', repo, '--version'], ['-e', '0'], repo, env);
const cold = timed([bin, '--root', repo, '--version'], ['-e', '0'], repo, coldEnv);
const h = timed([bin, '--help'], ['-e', '0'], repo, env);
const codeCaches = readdirSync(join(tmp, 'cache', 'code')).map((f) => `${f.replace(/^.*-/, '').replace('.v8cache', '')} ${(statSync(join(tmp, 'cache', 'code', f)).size / 1024).toFixed(0)} KiB`);
say('### The bundle');
say();
say(`dist/: ${files.length} file(s), ${totalKiB.toFixed(0)} KiB in all; the bundle dist/main.cjs is ${(statSync(bundle).size / 1024).toFixed(0)} KiB; code caches made: ${codeCaches.join(', ')}. Medians of ${rounds}, each next to \`node -e 0\` (${fast.base.toFixed(1)} ms):`);
say();
say('| what | ms | over `node -e 0` |');
say('|---|---|---|');
say(`| \`aiw --version\` alone (answered by the loader, the bundle is not read) | ${fast.ms.toFixed(1)} | +${fast.extra.toFixed(1)} |`);
say(`| \`aiw --root . --version\` (the bundle and commander), code cache warm | ${warm.ms.toFixed(1)} | +${warm.extra.toFixed(1)} |`);
say(`| the same without a code cache (\`AIW_CACHE_DIR=off\`) | ${cold.ms.toFixed(1)} | +${cold.extra.toFixed(1)} |`);
say(`| \`aiw --help\`, code cache warm | ${h.ms.toFixed(1)} | +${h.extra.toFixed(1)} |`);
say();

// 2. Libraries.
const libs = {
  commander: "import('commander')",
  yaml: "import('yaml')",
  nunjucks: "import('nunjucks')",
  chalk: "import('chalk')",
  ora: "import('ora')",
  'ajv (compiler, to compile schemas at start)': "import('ajv')",
  'validators.cjs (ajv standalone, prebuilt)': `import(${JSON.stringify(join(repo, 'src/source/generated/validators.cjs'))})`,
};
say('### Import cost of each library');
say();
say(`Medians of ${rounds} runs of \`node --input-type=module -e "await import(...)"\` minus the same with nothing imported; "bundled" imports one file that esbuild made of that library alone (whitespace and syntax minified, like dist/).`);
say();
say('| library | unbundled (node_modules) | bundled alone |');
say('|---|---|---|');
const empty = ['--input-type=module', '-e', '0'];
let unbundledAll = '';
for (const [name, expr] of Object.entries(libs)) {
  const u = timed(['--input-type=module', '-e', `await ${expr}`], empty);
  const entry = join(tmp, `entry-${Object.keys(libs).indexOf(name)}.mjs`);
  writeFileSync(entry, `await ${expr.replace(/^import/, 'import')};\n`);
  const outfile = join(tmp, 'dist', `lib-${Object.keys(libs).indexOf(name)}.mjs`);
  await build({
    entryPoints: [entry], outfile, bundle: true, minifyWhitespace: true, minifySyntax: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'silent', absWorkingDir: repo,
    nodePaths: [join(repo, 'node_modules')],
    banner: { js: "import { createRequire as __c } from 'node:module'; const require = __c(import.meta.url);" },
  });
  const bnd = timed([outfile], empty);
  say(`| ${name} | +${u.extra.toFixed(1)} ms | +${bnd.extra.toFixed(1)} ms |`);
  if (!name.startsWith('ajv') && !name.startsWith('validators')) unbundledAll += `await ${expr};`;
}
const all = timed(['--input-type=module', '-e', unbundledAll], empty);
say(`| the six runtime libraries together (commander, yaml, nunjucks, chalk, ora, validators) unbundled | +${all.extra.toFixed(1)} ms | (see dist/main.cjs above) |`);
say();

// 3 and 4. CPU profiles.
const fx = makeFixtures(join(tmp, 'fx'));
const aiwArgs = (args, mem) => [bin, '--root', fx.root, ...(mem ? ['--memory-dir', mem] : []), ...args];
const KNOWN = ['known-issues', '--tool', fixTool(17), '--error', `Error from server: ${fixPattern(17)} while pulling registry.example.com/app:1.2; dial tcp 10.0.3.7:443: connect: connection refused`, '--json'];
run(node, aiwArgs(KNOWN, fx.mem.big), { env }); // warm cache

function profile(label, args, expect = 0) {
  const dir = join(tmp, `prof-${label.replace(/\W+/g, '-')}`);
  mkdirSync(dir, { recursive: true });
  const r = run(node, ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', '100', ...args], { env, expect });
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  return { ms: r.ms, ...summarise(JSON.parse(readFileSync(join(dir, file), 'utf8'))) };
}

/** Self and inclusive time per function (name + file:line), from a V8 .cpuprofile. */
function summarise(prof) {
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const selfUs = new Map();
  for (let i = 0; i < prof.samples.length; i++) selfUs.set(prof.samples[i], (selfUs.get(prof.samples[i]) ?? 0) + (prof.timeDeltas[i] ?? 0));
  const key = (n) => {
    const cf = n.callFrame;
    const file = cf.url ? cf.url.replace(/^file:\/\//, '').replace(repo + '/', '') : '';
    return `${cf.functionName || '(anonymous)'} ${file ? `${file.split('/').slice(-2).join('/')}:${cf.lineNumber + 1}` : ''}`.trim();
  };
  const self = new Map();
  const incl = new Map();
  // aiw's own code: anything loaded from the copied dist/ (the entry or a chunk).
  const ours = new Set(prof.nodes.filter((n) => n.callFrame.url.includes('/aiw/dist/')).map(key));
  const total = prof.timeDeltas.reduce((a, b) => a + b, 0);
  // Inclusive: a function's time counts once per sample even when it recurses.
  const parent = new Map();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  for (const [id, us] of selfUs) {
    const n = byId.get(id);
    self.set(key(n), (self.get(key(n)) ?? 0) + us);
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const k = key(byId.get(cur));
      if (seen.has(k)) continue;
      seen.add(k);
      incl.set(k, (incl.get(k) ?? 0) + us);
    }
  }
  const top = (m, n, filter = () => true) => [...m].filter(([k]) => filter(k)).sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, us]) => [k, us / 1000]);
  return { totalMs: total / 1000, self: top(self, 14), inclusive: top(incl, 22, (k) => ours.has(k) || /^\((garbage|program|idle)/.test(k)) };
}

function showProfile(title, p, steps) {
  say(`### ${title}`);
  say();
  say(`Wall ${p.ms.toFixed(0)} ms, profiled ${p.totalMs.toFixed(0)} ms (100 µs sampling; profiling slows the run).${steps ? ` Per step: ${(p.totalMs / steps).toFixed(3)} ms profiled.` : ''}`);
  say();
  say('| self time | ms | | inclusive (aiw bundle functions) | ms |');
  say('|---|---|---|---|---|');
  for (let i = 0; i < Math.max(p.self.length, p.inclusive.length); i++) {
    const s = p.self[i];
    const c = p.inclusive[i];
    say(`| ${s ? `\`${s[0]}\`` : ''} | ${s ? s[1].toFixed(1) : ''} | | ${c ? `\`${c[0]}\`` : ''} | ${c ? c[1].toFixed(1) : ''} |`);
  }
  say();
}

showProfile('CPU profile: `aiw run` of the 200-step tool skill', profile('many', aiwArgs(['run', 'many'])), 200);
showProfile('CPU profile: `aiw run` of the 1-step tool skill', profile('one', aiwArgs(['run', 'one'])));
showProfile('CPU profile: `aiw run` of the 1,000-step compute skill', profile('compute', aiwArgs(['run', 'compute1000'])), 1000);
showProfile('CPU profile: `aiw known-issues` with 10k fixes + 1k patterns (cache warm)', profile('known', aiwArgs(KNOWN, fx.mem.big)));
showProfile('CPU profile: `aiw memory stats --json` over 100k records', profile('stats', aiwArgs(['memory', 'stats', '--json'], fx.mem.log100k)));
showProfile('CPU profile: failing 1-step run, 100k-record log', profile('fail', aiwArgs(['run', 'failing'], fx.mem.log100k), 1));

if (!process.argv.includes('--keep')) rmSync(tmp, { recursive: true, force: true });
process.stdout.write(`${out.join('\n')}\n`);
