import { randomBytes } from 'node:crypto';
import { link, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { AiwError } from '../errors/errors.js';

/**
 * An exclusive lock on `<file>.lock`, created with O_EXCL so exactly one process holds it. A lock
 * whose owner process is gone (or that is older than `staleMs`, for owners on other hosts) is
 * broken. Waiting is bounded: after `timeoutMs` the caller gets LOCK_TIMEOUT, never a hang.
 */
export interface LockOptions {
  timeoutMs?: number;
  staleMs?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_STALE_MS = 60_000;
// Breaking a lock takes a few milliseconds; a guard older than this belongs to a dead breaker.
const GUARD_STALE_MS = 5_000;
const HOST = hostname();

export async function withLock<T>(file: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const lockPath = `${file}.lock`;
  const owner = ownerText();
  await acquire(lockPath, owner, options.timeoutMs ?? DEFAULT_TIMEOUT_MS, options.staleMs ?? DEFAULT_STALE_MS);
  try {
    return await fn();
  } finally {
    await release(lockPath, owner);
  }
}

/** pid, host and a random token: the token lets a holder tell its own lock from a successor's. */
function ownerText(): string {
  return `${process.pid}\n${HOST}\n${randomBytes(8).toString('hex')}\n`;
}

async function acquire(lockPath: string, owner: string, timeoutMs: number, staleMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let wait = 1;
  for (;;) {
    if (await tryCreate(lockPath, owner)) return;
    if (await isStale(lockPath, staleMs)) {
      await breakStale(lockPath, staleMs);
      continue;
    }
    if (Date.now() >= deadline) {
      throw new AiwError('LOCK_TIMEOUT', `timed out after ${timeoutMs} ms waiting for ${lockPath}`, {
        hint: `another aiw process holds it; if none is running, delete ${lockPath}`,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, wait + Math.random() * wait));
    wait = Math.min(wait * 2, 50);
  }
}

/**
 * Create `path` holding `content`, only if it does not exist. The content is written to a private
 * file first and hard-linked into place, so the lock never exists empty: a process killed between
 * "create" and "write pid" would otherwise leave a lock nobody can prove stale for `staleMs`.
 */
async function tryCreate(path: string, content: string): Promise<boolean> {
  // Hidden, like atomic-write's temporary files: a process killed right here leaves it behind.
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, content, { flag: 'wx' });
    await link(tmp, path);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    // Some filesystems (FAT, a few network mounts) have no hard links: fall back to O_EXCL.
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS') return createExclusive(path, content);
    throw new AiwError('MEMORY_WRITE', `cannot create lock ${path}: ${(err as Error).message}`, { cause: err });
  } finally {
    await rm(tmp, { force: true });
  }
}

async function createExclusive(path: string, content: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new AiwError('MEMORY_WRITE', `cannot create lock ${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    await handle.writeFile(content);
  } finally {
    await handle.close();
  }
  return true;
}

/**
 * Remove a stale lock, one breaker at a time. Without the guard two waiters can both judge the
 * same dead lock stale; the first removes it and takes a fresh lock, the second then removes that
 * fresh lock and both would hold it. Under the guard the staleness is re-checked before removal.
 */
async function breakStale(lockPath: string, staleMs: number): Promise<void> {
  const guard = `${lockPath}.break`;
  if (!(await tryCreate(guard, ownerText()))) {
    if (await isStale(guard, GUARD_STALE_MS)) await rm(guard, { force: true });
    return;
  }
  try {
    if (await isStale(lockPath, staleMs)) await rm(lockPath, { force: true });
  } finally {
    await rm(guard, { force: true });
  }
}

/** Remove the lock only if it is still ours: if it was broken as stale, it now belongs to another. */
async function release(lockPath: string, owner: string): Promise<void> {
  let text: string;
  try {
    text = await readFile(lockPath, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (text === owner) await rm(lockPath, { force: true });
}

async function isStale(lockPath: string, staleMs: number): Promise<boolean> {
  let text: string;
  let mtimeMs: number;
  try {
    [text, { mtimeMs }] = await Promise.all([readFile(lockPath, 'utf8'), stat(lockPath)]);
  } catch (err) {
    // The holder released it between our open and this read: not stale, just try again.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  const [pidText = '', host] = text.split('\n');
  const pid = Number.parseInt(pidText, 10);
  // A pid means something only on its own host; older locks carry no host and were local.
  const local = host === undefined || host === '' || host === HOST;
  if (local && Number.isInteger(pid) && pid > 0 && !isAlive(pid)) return true;
  // An empty file is a holder that has not written its pid yet, unless it has been empty for long.
  return Date.now() - mtimeMs > staleMs;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
