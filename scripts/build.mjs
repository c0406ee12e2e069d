// Bundle the CLI into one ESM file: importing the libraries unbundled costs about twice as much at
// start-up. Schemas are compiled to standalone validators first (see gen-validators.mjs).
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateValidators } from './gen-validators.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

generateValidators();
await build({
  entryPoints: [join(root, 'src/cli/entry.ts')],
  outfile: join(root, 'dist/aiw.js'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
  define: { __AIW_VERSION__: JSON.stringify(pkg.version) },
  // CommonJS dependencies call require() for Node built-ins; give the ESM bundle a real one.
  banner: { js: "import { createRequire as __aiwCreateRequire } from 'node:module'; const require = __aiwCreateRequire(import.meta.url);" },
});
