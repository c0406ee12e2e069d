// What bin/aiw.js loads: a small CommonJS file that compiles the CLI bundle (dist/main.cjs) with a
// V8 code cache, so that from the second start on V8 neither parses nor compiles what it already
// compiled. Node 20 has no compile cache for ES modules (module.enableCompileCache came in 22.1)
// and loading the ESM chunks cost more than running most commands, hence one CommonJS bundle.
import { readdirSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Script } from 'node:vm';
import { cacheDir } from '../files/cache-dir.js';
import { folderStore } from '../files/cache-store.js';
import type { CacheStore } from '../model/cache-store.js';
import { contentHash } from '../model/content-hash.js';
import { asksVersionOnly } from './version-only.js';

declare const __AIW_VERSION__: string;

const argv = process.argv.slice(2);
const COMMANDS = new Set(['run', 'tool', 'known-issues', 'learn-fix', 'debug-tool', 'memory', 'validate', 'mcp', 'import', 'init']);

function loadBundle(file: string): void {
  // The bundle is ASCII (the build checks it): read as latin1, it needs no UTF-8 decoding.
  const source = readFileSync(file, 'latin1');
  const cache = codeCacheFile(file);
  const cachedData = cache?.store.readBytes(cache.name);
  // The same wrapper Node gives a CommonJS module, on the first line, so stack traces keep their lines.
  // node:vm only now: `aiw --version` does not need it.
  const { Script } = process.getBuiltinModule('node:vm');
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
  store: CacheStore;
  /** The name of every cache of this copy of the bundle, whatever its build. */
  copy: string;
  /** The name of every cache of this build of it. */
  build: string;
  name: string;
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
  const copy = `${contentHash(file)}-`;
  const build = `${copy}${stamp}-${process.version}-${process.arch}-`;
  return { dir, store: folderStore(dir), copy, build, name: `${build}${commandWord()}.v8cache` };
}

function commandWord(): string {
  return argv.find((a) => COMMANDS.has(a)) ?? 'cli';
}

function saveCodeCache(script: Script, cache: CacheFile): void {
  // The store writes beside the entry and renames, and a failed write only costs the next start.
  cache.store.write(cache.name, script.createCachedData());
  try {
    // Caches of earlier builds of this copy are dead weight.
    for (const old of readdirSync(cache.dir)) {
      if (old.startsWith(cache.copy) && !old.startsWith(cache.build) && old.endsWith('.v8cache')) rmSync(join(cache.dir, old), { force: true });
    }
  } catch {
    // Another aiw cleaning up at the same time, or a folder that became read-only: next time.
  }
}

if (asksVersionOnly(argv)) {
  // Answered before anything else loads: scripts call this in loops.
  writeSync(1, `${__AIW_VERSION__}\n`);
} else {
  loadBundle(join(__dirname, 'main.cjs'));
}
