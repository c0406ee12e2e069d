import { build } from 'esbuild';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Bundle `bundle-entry.ts` (the memory writers) into `outDir` for the child-process fixtures;
 * small, so a writer starts fast. yaml ships CommonJS, hence the `require` shim.
 */
export async function bundleMemoryWriters(outDir: string): Promise<string> {
  const outfile = join(outDir, 'aiw-memory.mjs');
  await build({
    entryPoints: [fileURLToPath(new URL('bundle-entry.ts', import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    minifyWhitespace: true,
    logLevel: 'error',
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  });
  return outfile;
}

/** Path of a fixture script in test/reliability/fixtures. */
export function fixture(name: string): string {
  return fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
}
