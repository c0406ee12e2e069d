import { readdir, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * How much older than a fresh write a temporary file must be before it counts as abandoned. A write
 * or a lock's creation takes milliseconds; this is far longer than any lock is held.
 */
export const STALE_TEMP_MS = 10 * 60_000;

/**
 * Remove the hidden temporary files (`.<name>.<pid>.<random>.tmp`, and those of `<name>.lock`) that
 * writers killed midway left next to `file`. Age is judged against `freshMtimeMs`, the modification
 * time of a file just written in the same folder, so both times come from the same file system's
 * clock and a skewed process clock cannot make a live writer's file look old.
 */
export async function removeStaleTemps(file: string, freshMtimeMs: number): Promise<number> {
  const prefix = `.${basename(file)}.`;
  const folder = dirname(file);
  let names: string[];
  try {
    names = await readdir(folder);
  } catch (err) {
    // Cleaning up is a courtesy; a folder we cannot list is reported by the next real write.
    if (isGone(err)) return 0;
    throw err;
  }
  let removed = 0;
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const path = join(folder, name);
    try {
      const info = await stat(path);
      if (freshMtimeMs - info.mtimeMs < STALE_TEMP_MS) continue;
      await rm(path, { force: true });
      removed++;
    } catch (err) {
      // Another writer removed it first, or it is not ours to remove: it stays, nothing is lost.
      if (!isGone(err)) throw err;
    }
  }
  return removed;
}

function isGone(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'EACCES' || code === 'EPERM';
}
