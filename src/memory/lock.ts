import { open, readFile, rm, stat } from 'node:fs/promises';
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

export async function withLock<T>(file: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const lockPath = `${file}.lock`;
  await acquire(lockPath, options.timeoutMs ?? DEFAULT_TIMEOUT_MS, options.staleMs ?? DEFAULT_STALE_MS);
  try {
    return await fn();
  } finally {
    await rm(lockPath, { force: true });
  }
}

async function acquire(lockPath: string, timeoutMs: number, staleMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let wait = 1;
  for (;;) {
    try {
      const handle = await open(lockPath, 'wx');
      try {
        await handle.writeFile(`${process.pid}\n`);
      } finally {
        await handle.close();
      }
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new AiwError('MEMORY_WRITE', `cannot create lock ${lockPath}: ${(err as Error).message}`, { cause: err });
      }
    }
    if (await isStale(lockPath, staleMs)) {
      await rm(lockPath, { force: true });
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
  const pid = Number.parseInt(text, 10);
  if (Number.isInteger(pid) && pid > 0 && !isAlive(pid)) return true;
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
