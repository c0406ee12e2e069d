import { readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CacheStore } from '../model/cache-store.js';
import { cacheDir } from './cache-dir.js';

/**
 * The entries under `cacheDir(sub)`, or `undefined` when caching is off (`AIW_CACHE_DIR=off`) or the
 * folder is not safe to trust. One store per folder per process.
 */
export function cacheStore(sub: string, env: NodeJS.ProcessEnv = process.env): CacheStore | undefined {
  const dir = cacheDir(sub, env);
  if (!dir) return undefined;
  let store = stores.get(dir);
  if (!store) {
    store = folderStore(dir);
    stores.set(dir, store);
  }
  return store;
}

const stores = new Map<string, CacheStore>();

/** Entry names are made by aiw (hex digests and a suffix): never a path. */
const SAFE_NAME = /^[A-Za-z0-9_.-]+$/;

export function folderStore(dir: string): CacheStore {
  const path = (name: string): string => {
    if (!SAFE_NAME.test(name) || name.startsWith('.')) throw new Error(`cache entry name '${name}' is not a plain file name`);
    return join(dir, name);
  };
  return {
    read: (name) => readOrMiss(path(name), 'utf8'),
    readBytes: (name) => readOrMiss(path(name)),
    write(name, content) {
      const target = path(name);
      // Written beside the entry and renamed over it: concurrent runs writing the same entry each
      // rename a whole file, so a reader never sees a half-written one. No fsync: after a crash a
      // truncated entry fails to parse and is rebuilt, like any corrupt one.
      // node:crypto only when an entry is written: loading it costs a start that only reads ~5 ms.
      const tmp = join(dir, `.${name}.${process.pid}.${process.getBuiltinModule('node:crypto').randomBytes(6).toString('hex')}.tmp`);
      try {
        writeFileSync(tmp, content, { flag: 'wx', mode: 0o600 });
        renameSync(tmp, target);
      } catch {
        // A full disk or a folder that became read-only: the run goes on, the next one tries again.
        rmSync(tmp, { force: true });
        return;
      }
      pruneDaily(dir);
    },
  };
}

function readOrMiss(file: string): Buffer | undefined;
function readOrMiss(file: string, encoding: 'utf8'): string | undefined;
function readOrMiss(file: string, encoding?: 'utf8'): Buffer | string | undefined {
  try {
    return readFileSync(file, encoding);
  } catch {
    // Missing (the usual miss), removed by a person clearing the cache, unreadable: all a miss.
    return undefined;
  }
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** Entries not written for this long are removed: old versions of edited files, mostly. */
export const PRUNE_AFTER_MS = 30 * DAY_MS;

/**
 * Every edit of a file leaves its old entry behind, so a writer (never a reader) removes entries
 * older than PRUNE_AFTER_MS, at most once a day (the `.pruned` marker's mtime says when). An entry
 * still in use is just made again after that: one parse a month.
 */
export function pruneDaily(dir: string, now = Date.now()): void {
  const marker = join(dir, '.pruned');
  try {
    if (now - statSync(marker).mtimeMs < DAY_MS) return;
  } catch {
    // No marker yet: this is the first prune of the folder.
  }
  try {
    writeFileSync(marker, '');
    utimesSync(marker, now / 1000, now / 1000);
    for (const name of readdirSync(dir)) {
      if (name === '.pruned') continue;
      const file = join(dir, name);
      // A temporary file is a write in progress unless it is as old as a stale entry.
      if (now - statSync(file).mtimeMs > PRUNE_AFTER_MS) rmSync(file, { force: true });
    }
  } catch {
    // Another run pruning at the same time (a file gone under us) or a read-only folder: next time.
  }
}
