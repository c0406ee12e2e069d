// Bundle the CLI: importing the libraries unbundled costs about twice as much at start-up. Code
// splitting keeps each command's libraries in chunks that load only when that command runs, so
// `aiw --version` parses commander and nothing else. Schemas are compiled to standalone validators
// first (see gen-validators.mjs).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
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
await build({
  entryPoints: { aiw: join(root, 'src/cli/entry.ts') },
  outdir: out,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  minifyWhitespace: true,
  minifySyntax: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
  define: { __AIW_VERSION__: JSON.stringify(pkg.version) },
  // Required on demand, synchronously, when a template needs it (see template/nunjucks-env.ts).
  // pg is bundled into the PostgreSQL store's chunk (loaded only with that backend); its optional
  // native binding and Cloudflare socket are never used by aiw. The MCP SDK (and its zod peer) load
  // only in `aiw mcp` and when a tool file declares an MCP server; kept external, so its HTTP server
  // stack is never bundled into the chunks a run loads.
  external: ['nunjucks', 'pg-native', 'pg-cloudflare', '@modelcontextprotocol/sdk', '@modelcontextprotocol/sdk/*', 'zod', 'zod/*'],
  // CommonJS dependencies call require() for Node built-ins; give the ESM bundle a real one.
  banner: { js: "import { createRequire as __aiwCreateRequire } from 'node:module'; const require = __aiwCreateRequire(import.meta.url);" },
});
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
