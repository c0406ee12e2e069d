import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { removeStaleTemps } from './stale-temps.js';

/**
 * Replace `file` with `text` so that a reader (or a process killed midway) only ever sees the old or
 * the new version: write a temporary file in the same directory, fsync it, rename it over the target.
 *
 * The temporary name is random and created exclusively without following links, so a file or link
 * planted under a guessable name can neither be overwritten nor redirect the write. A symlink at
 * `file` itself is replaced, never written through. The new file keeps the old one's mode and, where
 * permitted, its owner: a 0600 file stays private after a rewrite. Temporary files left by killed
 * writers are removed on the way.
 */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  const previous = await statOrNull(file);
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(8).toString('hex')}.tmp`);
  const handle = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
  try {
    await keepModeAndOwner(handle, previous);
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } catch (err) {
    await handle.close();
    await rm(tmp, { force: true });
    throw err;
  }
  const written = await handle.stat();
  await handle.close();
  try {
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await removeStaleTemps(file, written.mtimeMs);
}

async function statOrNull(file: string): Promise<Awaited<ReturnType<typeof stat>> | null> {
  try {
    const info = await stat(file);
    return info.isFile() ? info : null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

async function keepModeAndOwner(handle: FileHandle, previous: Awaited<ReturnType<typeof stat>> | null): Promise<void> {
  if (previous === null) return;
  await handle.chmod(Number(previous.mode) & 0o7777);
  const uid = Number(previous.uid);
  const gid = Number(previous.gid);
  if (uid === process.getuid?.() && gid === process.getgid?.()) return;
  try {
    await handle.chown(uid, gid);
  } catch (err) {
    // Only root may give a file away; anyone else keeps their own ownership, as `cp` would.
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'EINVAL') throw err;
  }
}
