import { lstat, realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative } from 'node:path';
import { AiwError } from '../errors/errors.js';

/**
 * The real path to write for `file`, which must stay inside `root` (the memory folder). A symlink
 * that leads elsewhere (a shell profile, another project's file) is refused with MEMORY_WRITE: aiw
 * appends tool output to these files, and a link planted in a shared folder must not aim it.
 * Links that stay inside `root` are followed, so a log can be moved and linked within the folder.
 */
export async function resolveInside(file: string, root: string): Promise<string> {
  const realRoot = await realOrSelf(root);
  let real: string;
  try {
    real = await realpath(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new AiwError('MEMORY_WRITE', `cannot resolve ${file}: ${(err as Error).message}`, { cause: err, location: { file } });
    }
    // Not there yet (or a dangling link, which realpath cannot follow): judge the folder it goes in.
    real = join(await realOrSelf(dirname(file)), basename(file));
    if (await isLink(file)) throw escaping(file, root, 'a symlink to a file that does not exist');
  }
  const rel = relative(realRoot, real);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) throw escaping(file, root, real);
  return real;
}

function escaping(file: string, root: string, target: string): AiwError {
  return new AiwError('MEMORY_WRITE', `refusing to write ${file}: it leads outside the memory folder ${root} (to ${target})`, {
    location: { file },
    hint: `replace the symlink with a regular file, or point it inside ${root}`,
  });
}

async function realOrSelf(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return path;
    throw new AiwError('MEMORY_WRITE', `cannot resolve ${path}: ${(err as Error).message}`, { cause: err, location: { file: path } });
  }
}

async function isLink(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isSymbolicLink();
  } catch {
    // lstat failing after realpath's ENOENT means nothing is there: not a link.
    return false;
  }
}
