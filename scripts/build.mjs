// Bundle the CLI into one CommonJS file, dist/main.cjs, loaded by dist/aiw.cjs (src/cli/boot.ts)
// with a V8 code cache: from the second start on, V8 neither parses nor compiles what it compiled
// before. Node 20 has no compile cache for ES modules, and loading ~90 ESM chunks cost more than
// running most commands. Commands still load lazily: esbuild initialises a module reached only by a
// dynamic import() the first time it is imported, so `aiw --version` runs commander and nothing
// else. Schemas are compiled to standalone validators first (see gen-validators.mjs).
import { build } from 'esbuild';
import { chmodSync, copyFileSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateValidators } from './gen-validators.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

generateValidators();
// Build beside dist/ and swap it in, so a running `aiw` (a test, another shell) never sees a
// half-written or missing bundle.
const out = join(root, `dist.tmp-${process.pid}`);
const old = join(root, `dist.old-${process.pid}`);
rmSync(out, { recursive: true, force: true });
/**
 * An esbuild plugin that replaces one exact piece of a dependency's file as it is bundled. The build
 * fails if the piece is not found, so an upgrade of the dependency never silently drops the change.
 */
function patchSource(name, filter, from, to) {
  return {
    name,
    setup(b) {
      b.onLoad({ filter }, (args) => {
        const text = readFileSync(args.path, 'utf8');
        if (!text.includes(from)) throw new Error(`${args.path}: expected "${from}" (the package changed; update scripts/build.mjs)`);
        return { contents: text.replace(from, to), loader: 'js' };
      });
    },
  };
}
// commander requires node:child_process at load time, for git-style executable subcommands that
// aiw does not use; loading it costs ~5 ms of every start. Deferred to the first use.
const lazyChildProcess = patchSource('lazy-child-process-in-commander', /commander[\\/]lib[\\/]command\.js$/,
  "const childProcess = require('node:child_process');",
  "let childProcessModule; const childProcess = { spawn: (...a) => (childProcessModule ??= require('node:child_process')).spawn(...a) };");
// pg asks whether it runs on Cloudflare Workers by constructing a `Response`, and the first touch
// of that global makes Node load undici, its whole fetch stack (~20 ms of every run that records
// to PostgreSQL). aiw never runs there (pg-cloudflare is left out of the bundle).
const pgNotOnCloudflare = patchSource('pg-not-on-cloudflare', /[\\/]pg[\\/]lib[\\/]stream\.js$/, 'if (isCloudflareRuntime()) {', 'if (false) {');
// pg requires node:dns when it loads (~1 ms), for a lookup only its native binding's connection
// string needs, which aiw never builds: deferred to that use.
const pgLazyDns = patchSource('pg-lazy-dns', /[\\/]pg[\\/]lib[\\/]connection-parameters\.js$/,
  "const dns = require('dns')",
  "const dns = { lookup: (...args) => require('dns').lookup(...args) }");
// pg logs in (SCRAM) through WebCrypto, whose layer costs a command that opens PostgreSQL memory
// ~3–5 ms to load and run; the bundled pg takes the same helpers on node:crypto's own functions.
const pgNodeCrypto = {
  name: 'pg-node-crypto',
  setup(b) {
    // pg/lib/client.js asks for './crypto/utils', pg/lib/crypto/sasl.js for './utils': the same file.
    b.onResolve({ filter: /utils$/ }, (args) => (/[\\/]pg[\\/]lib[\\/]crypto[\\/]utils$/.test(join(args.resolveDir, args.path))
      ? { path: join(root, 'scripts', 'vendor-patches', 'pg-crypto.cjs') }
      : undefined));
  },
};
const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
  // import() of a package left out of the bundle (the MCP SDK) becomes require(): the bundle runs
  // from a code cache, and V8 drops the dynamic-import callback of code deserialised from one.
  // Node >= 20.19 can require() an ES module, so nothing needs import() any more.
  supported: { 'dynamic-import': false },
  define: { __AIW_VERSION__: JSON.stringify(pkg.version), 'import.meta.url': '__aiwModule.url' },
  // import.meta.url of ESM sources: the bundle's own file URL (the Python worker sits beside it),
  // computed when first read.
  banner: { js: "var __aiwModule = { get url() { return require('node:url').pathToFileURL(__filename).href; } };" },
};
// Libraries that only some commands need, and that share no state with aiw's own modules, are
// bundled into files of their own under dist/vendor/ and required from there on first use: every
// start reads and deserialises half as much code (the yaml parser runs only on a parse-cache miss,
// the schema validators only for a file without a verdict, pg only with that backend, ora only on a
// terminal).
const VENDOR = {
  yaml: "module.exports = require('yaml');",
  pg: "module.exports = require('pg');",
  // ora is an ES module: its default export (the function) becomes module.exports, as `import()`
  // of a CommonJS file gives module.exports as the default.
  ora: "const ora = require('ora'); module.exports = Object.assign(ora.default, ora);",
  validators: "module.exports = require('./src/source/generated/validators.cjs');",
};
const vendorRequire = {
  name: 'vendor-files',
  setup(b) {
    b.onResolve({ filter: /^(yaml|pg|ora)$/ }, (args) => ({ path: `./vendor/${args.path}.cjs`, external: true }));
    b.onResolve({ filter: /\/generated\/validators\.cjs$/ }, () => ({ path: './vendor/validators.cjs', external: true }));
  },
};
for (const [name, contents] of Object.entries(VENDOR)) {
  await build({
    ...common,
    stdin: { contents, resolveDir: root, sourcefile: `vendor-${name}.js`, loader: 'js' },
    outfile: join(out, 'vendor', `${name}.cjs`),
    banner: {},
    plugins: [pgNotOnCloudflare, pgNodeCrypto, pgLazyDns],
    external: ['pg-native', 'pg-cloudflare'],
  });
}
await build({
  ...common,
  entryPoints: { main: join(root, 'src/cli/entry.ts') },
  outdir: out,
  outExtension: { '.js': '.cjs' },
  plugins: [lazyChildProcess, vendorRequire],
  // Required on demand, synchronously, when a template needs it (see template/nunjucks-env.ts).
  // pg's optional native binding and Cloudflare socket are never used by aiw. The MCP SDK (and its zod peer) load only in `aiw mcp` and when a
  // tool file declares an MCP server; kept external, so their code is not in the file every start
  // reads.
  external: ['nunjucks', 'pg-native', 'pg-cloudflare', '@modelcontextprotocol/sdk', '@modelcontextprotocol/sdk/*', 'zod', 'zod/*'],
});
// Vendor files that aiw's modules import when they load but use only now and then: the loader hands
// the bundle an object with their export names that loads the file on first use (src/cli/boot.ts).
// yaml: the attempt-log and memory modules import it, and `memory stats` of a large log never parses.
const LAZY_VENDOR = Object.fromEntries(['yaml'].map((name) => [`./vendor/${name}.cjs`, Object.keys(createRequire(import.meta.url)(join(out, 'vendor', `${name}.cjs`)))]));
// The function Node wraps a CommonJS module in: the build puts it around the files the loader
// compiles (below), and the loader checks that a file starts with it.
const COMMONJS_WRAPPER = ['(function (exports, require, module, __filename, __dirname) {', '\n})'];
// The package's `aiw` command (package.json "bin"; bin/aiw.js requires it too): small, and it answers
// --version without reading the bundle. Run directly, a start saves Node resolving and compiling a
// second file (~0.8 ms).
await build({
  ...common, entryPoints: { aiw: join(root, 'src/cli/boot.ts') }, outdir: out, outExtension: { '.js': '.cjs' }, banner: { js: '#!/usr/bin/env node' },
  define: { ...common.define, __AIW_LAZY_VENDOR__: JSON.stringify(LAZY_VENDOR), __AIW_COMMONJS_WRAPPER__: JSON.stringify(COMMONJS_WRAPPER[0]) },
});
// The files the loader (src/cli/boot.ts) compiles: the bundle and the vendor files.
for (const file of ['main.cjs', ...Object.keys(VENDOR).map((name) => join('vendor', `${name}.cjs`))]) {
  const code = readFileSync(join(out, file));
  // The loader reads them as latin1, which is only right for ASCII (esbuild's default charset).
  if (code.some((byte) => byte > 0x7f)) throw new Error(`dist/${file} is not ASCII: boot.ts reads it as latin1`);
  // Each holds the function Node wraps a CommonJS module in, on its first line so stack traces keep
  // their lines: the loader compiles the file as it reads it. Wrapping at start-up made V8 copy the
  // whole bundle into a second string, and that copy alone filled the young heap (a scavenge).
  writeFileSync(join(out, file), `${COMMONJS_WRAPPER[0]}${code.toString('latin1')}${COMMONJS_WRAPPER[1]}`, 'latin1');
}
chmodSync(join(out, 'aiw.cjs'), 0o755);
// The Python worker (dialect: python skills) ships beside the chunks; the engine finds it there.
mkdirSync(join(out, 'python'), { recursive: true });
for (const file of readdirSync(join(root, 'src/engine/python')).filter((f) => f.endsWith('.py'))) {
  copyFileSync(join(root, 'src/engine/python', file), join(out, 'python', file));
}
try {
  renameSync(join(root, 'dist'), old);
} catch (err) {
  if (err.code !== 'ENOENT') throw err;
}
renameSync(out, join(root, 'dist'));
rmSync(old, { recursive: true, force: true });
