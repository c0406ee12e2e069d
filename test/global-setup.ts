import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Tests that run the `aiw` binary need the bundle; build it once per test run. The run gets its own
 * cache folder (compiled code, parsed files), so tests never read or fill the person's ~/.cache.
 */
export default function setup(): () => void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'inherit' });
  const cache = mkdtempSync(join(tmpdir(), 'aiw-test-cache-'));
  process.env.AIW_CACHE_DIR = cache;
  return () => rmSync(cache, { recursive: true, force: true });
}
