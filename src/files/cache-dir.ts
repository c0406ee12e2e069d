import { lstatSync, mkdirSync, type Stats } from 'node:fs';
import { isAbsolute, join } from 'node:path';

/**
 * aiw's cache folder for this user, or `undefined` when caching is off or the folder is unsafe.
 *
 * `$AIW_CACHE_DIR`, else `$XDG_CACHE_HOME/aiw` (a relative XDG path is ignored, as the spec says),
 * else `~/.cache/aiw`; `AIW_CACHE_DIR=off` turns every cache off. Everything in it can be rebuilt
 * from the files it was made from, so deleting it is always safe.
 *
 * What is cached there is trusted on the next start (compiled code, parsed skills), so a folder is
 * used only when it is a real directory owned by this user that nobody else can write: a cache
 * planted by another account, or reached through a symlink, is ignored and nothing is cached.
 */
export function cacheDir(sub: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const base = cacheBase(env);
  if (!base) return undefined;
  const dir = join(base, sub);
  const hit = checked.get(dir);
  if (hit !== undefined) return hit || undefined;
  const ok = ensurePrivateDir(base) && ensurePrivateDir(dir);
  checked.set(dir, ok ? dir : '');
  return ok ? dir : undefined;
}

const checked = new Map<string, string>();

function cacheBase(env: NodeJS.ProcessEnv): string | undefined {
  const own = env.AIW_CACHE_DIR;
  if (own !== undefined && own !== '') return own === 'off' || !isAbsolute(own) ? undefined : own;
  const xdg = env.XDG_CACHE_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, 'aiw');
  const home = env.HOME || safeHomedir();
  return home ? join(home, '.cache', 'aiw') : undefined;
}

function safeHomedir(): string | undefined {
  try {
    // node:os only without $HOME: the loader runs this at every start.
    return process.getBuiltinModule('node:os').homedir();
  } catch {
    return undefined;
  }
}

function ensurePrivateDir(dir: string): boolean {
  try {
    let info: Stats;
    try {
      info = lstatSync(dir);
    } catch {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      info = lstatSync(dir);
    }
    if (!info.isDirectory()) return false;
    const uid = process.getuid?.();
    if (uid !== undefined && info.uid !== uid) return false;
    return (info.mode & 0o022) === 0;
  } catch {
    // A read-only home or a missing parent: run without a cache rather than fail.
    return false;
  }
}
