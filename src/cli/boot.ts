// What bin/aiw.js loads: a small CommonJS file that compiles the CLI bundle (dist/main.cjs) with a
// V8 code cache, so that from the second start on V8 neither parses nor compiles what it already
// compiled. Node 20 has no compile cache for ES modules (module.enableCompileCache came in 22.1)
// and loading the ESM chunks cost more than running most commands, hence one CommonJS bundle.
import { readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { cacheDir } from '../files/cache-dir.js';

declare const __AIW_VERSION__: string;

const argv = process.argv.slice(2);
const COMMANDS = new Set(['run', 'tool', 'known-issues', 'learn-fix', 'debug-tool', 'memory', 'validate', 'mcp', 'import', 'init']);

function loadBundle(file: string): void {
  // The bundle is ASCII (the build checks it): read as latin1, it needs no UTF-8 decoding.
  const source = readFileSync(file, 'latin1');
  const cache = codeCacheFile(file);
  const cachedData = cache ? readOrUndefined(cache.path) : undefined;
  // The same wrapper Node gives a CommonJS module, on the first line, so stack traces keep their lines.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: file,
    cachedData,
  });
  if (cache && (!cachedData || script.cachedDataRejected)) {
    // Made at exit, after the command ran: the functions it compiled on the way are in the cache
    // too. V8 rejects a cache made under other flags than the next start's, so a flag aiw turned on
    // on the way (pattern/linear-fallback.ts) is turned off first: nothing runs after this.
    process.once('exit', () => {
      (globalThis as Record<symbol, (() => void) | undefined>)[Symbol.for('aiw.restoreV8Flags')]?.();
      saveCodeCache(script, cache);
    });
  }
  const mod = { exports: {} };
  // boot.cjs sits beside main.cjs: its own require resolves what the bundle requires (nunjucks, the MCP SDK).
  (script.runInThisContext() as (...args: unknown[]) => void).call(mod.exports, mod.exports, require, mod, file, __dirname);
}

interface CacheFile {
  dir: string;
  /** The name of every cache of this copy of the bundle, whatever its build. */
  copy: string;
  /** The name of every cache of this build of it. */
  build: string;
  path: string;
}

/**
 * One cache per installed copy of the bundle (by path), per build of it (size, mtime and inode: a
 * rebuild or an upgrade writes a new file, so a cache never outlives the code it was made from),
 * and per command (`run` compiles other functions than `known-issues`).
 */
function codeCacheFile(file: string): CacheFile | undefined {
  const dir = cacheDir('code');
  if (!dir) return undefined;
  let stamp: string;
  try {
    const info = statSync(file);
    stamp = `${info.size}-${Math.trunc(info.mtimeMs)}-${info.ino}`;
  } catch {
    return undefined;
  }
  const copy = `${hash(file)}-`;
  const build = `${copy}${stamp}-${process.version}-${process.arch}-`;
  return { dir, copy, build, path: join(dir, `${build}${commandWord()}.v8cache`) };
}

function commandWord(): string {
  return argv.find((a) => COMMANDS.has(a)) ?? 'cli';
}

function readOrUndefined(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

function saveCodeCache(script: Script, cache: CacheFile): void {
  try {
    const tmp = `${cache.path}.${process.pid}.tmp`;
    writeFileSync(tmp, script.createCachedData(), { flag: 'wx', mode: 0o600 });
    renameSync(tmp, cache.path);
    // Caches of earlier builds of this copy are dead weight.
    for (const old of readdirSync(cache.dir)) {
      if (old.startsWith(cache.copy) && !old.startsWith(cache.build) && old.endsWith('.v8cache')) rmSync(join(cache.dir, old), { force: true });
    }
  } catch {
    // A cache is an optimisation: a full disk or a race with another aiw costs the next start, nothing else.
  }
}

/** FNV-1a of the bundle's path: a short stable name, without loading node:crypto at start-up. */
function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  // Answered before anything else loads: scripts call this in loops.
  writeSync(1, `${__AIW_VERSION__}\n`);
} else {
  loadBundle(join(__dirname, 'main.cjs'));
}
