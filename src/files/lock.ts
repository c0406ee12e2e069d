import { randomBytes } from 'node:crypto';
import { link, open, readFile, rm, stat, utimes } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { AiwError } from '../errors/errors.js';
import { localVerdict, ownerText, parseOwner } from './lock-owner.js';
import { monotonicMs } from '../model/clock.js';

/**
 * An exclusive lock on `<file>.lock`, created with O_EXCL so exactly one process holds it.
 *
 * No clock decides who holds it. A holder on this host that is still running is never broken; one
 * that is provably gone (dead pid, pid reused by a process that started later, zombie) is broken at
 * once. A holder on another host (or container) keeps a lease: it touches the lock every
 * `staleMs / 8`, and a waiter breaks the lock only after watching it, by its own monotonic clock,
 * go `staleMs` without a touch. Clocks that disagree between hosts therefore cannot break a live
 * lock. Waiting is bounded: after `timeoutMs` the caller gets LOCK_TIMEOUT, never a hang.
 */
export interface LockOptions {
  timeoutMs?: number;
  staleMs?: number;
}

/** The waiter's patience is longer than a lease, so a dead foreign holder is broken before it gives up. */
export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_STALE_MS = 15_000;
// Breaking a lock takes a few milliseconds; a guard untouched this long belongs to a dead breaker.
const GUARD_STALE_MS = 5_000;

export async function withLock<T>(file: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const lockPath = `${file}.lock`;
  const owner = ownerText();
  const staleMs = options.staleMs ?? DEFAULT_STALE_MS;
  await acquire(lockPath, owner, options.timeoutMs ?? DEFAULT_TIMEOUT_MS, staleMs);
  const heartbeat = startHeartbeat(lockPath, owner, staleMs);
  try {
    return await fn();
  } finally {
    heartbeat.stop();
    await release(lockPath, owner);
  }
}

async function acquire(lockPath: string, owner: string, timeoutMs: number, staleMs: number): Promise<void> {
  const deadline = monotonicMs() + timeoutMs;
  const watch = new LeaseWatch();
  let wait = 1;
  for (;;) {
    if (await tryCreate(lockPath, owner)) return;
    if (await isStale(lockPath, staleMs, watch)) {
      await breakStale(lockPath, staleMs, watch);
      continue;
    }
    if (monotonicMs() >= deadline) {
      throw new AiwError('LOCK_TIMEOUT', `timed out after ${timeoutMs} ms waiting for ${lockPath}`, {
        hint: `another aiw process holds it; if none is running, delete ${lockPath}`,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, wait + Math.random() * wait));
    wait = Math.min(wait * 2, 50);
  }
}

/**
 * The holder's side of the lease: touch the lock while it is held. The kernel stamps the change
 * time of each touch, so a waiter sees it whatever either clock says. A touch stops as soon as the
 * lock is not ours any more (it was broken: the holder stalled past the lease).
 */
function startHeartbeat(lockPath: string, owner: string, staleMs: number): { stop(): void } {
  let stopped = false;
  const beat = async (): Promise<void> => {
    try {
      if ((await readFile(lockPath, 'utf8')) !== owner) return stop();
      const now = new Date();
      await utimes(lockPath, now, now);
    } catch {
      // Gone or unreadable: the lock is no longer ours to refresh; release() reports nothing either.
      stop();
    }
  };
  const timer = setInterval(() => void (stopped || beat()), Math.max(20, Math.floor(staleMs / 8)));
  timer.unref();
  function stop(): void {
    stopped = true;
    clearInterval(timer);
  }
  return { stop };
}

/**
 * Create `path` holding `content`, only if it does not exist. The content is written to a private
 * file first and hard-linked into place, so the lock never exists empty: a process killed between
 * "create" and "write pid" would otherwise leave a lock nobody can prove stale.
 */
async function tryCreate(path: string, content: string): Promise<boolean> {
  // Hidden, like atomic-write's temporary files: a process killed right here leaves it behind.
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(tmp, 'wx', 0o644);
    try {
      await handle.writeFile(content);
    } finally {
      await handle.close();
    }
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
async function breakStale(lockPath: string, staleMs: number, watch: LeaseWatch): Promise<void> {
  const guard = `${lockPath}.break`;
  if (!(await tryCreate(guard, ownerText()))) {
    if (await isStale(guard, GUARD_STALE_MS, watch)) await rm(guard, { force: true });
    return;
  }
  try {
    if (await isStale(lockPath, staleMs, watch)) await rm(lockPath, { force: true });
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

/**
 * A waiter's memory of each lock it has looked at: what the file looked like and when (by this
 * process's monotonic clock) it last changed. Only a change seen by the waiter renews a lease; the
 * times written in the file are never compared with the waiter's clock.
 */
class LeaseWatch {
  private readonly seen = new Map<string, { signature: string; since: number }>();
  /** Milliseconds this waiter has watched `path` stay exactly as `signature`. */
  unchangedFor(path: string, signature: string): number {
    const now = monotonicMs();
    const last = this.seen.get(path);
    if (last?.signature === signature) return now - last.since;
    this.seen.set(path, { signature, since: now });
    return 0;
  }
}

async function isStale(lockPath: string, staleMs: number, watch: LeaseWatch): Promise<boolean> {
  let text: string;
  let signature: string;
  try {
    const [content, info] = await Promise.all([readFile(lockPath, 'utf8'), stat(lockPath)]);
    text = content;
    signature = `${info.ino}:${info.mtimeMs}:${info.ctimeMs}:${info.size}:${content}`;
  } catch (err) {
    // The holder released it between our open and this read: not stale, just try again.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  const verdict = text === '' ? 'unknown' : localVerdict(parseOwner(text));
  if (verdict !== 'unknown') return verdict === 'dead';
  // Another host, or a lock without the facts to decide: a lease the holder must keep renewing.
  return watch.unchangedFor(lockPath, signature) >= staleMs;
}
