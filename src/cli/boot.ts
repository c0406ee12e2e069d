// The `aiw` command (dist/aiw.cjs; bin/aiw.js requires it in a checkout): a small CommonJS file
// that compiles the CLI bundle (dist/main.cjs) with a V8 code cache, so that from the second start
// on V8 neither parses nor compiles what it already compiled. Node 20 has no compile cache for ES
// modules (module.enableCompileCache came in 22.1) and loading the ESM chunks cost more than running
// most commands, hence one CommonJS bundle.
import { readdirSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Script } from 'node:vm';
import { cacheDir } from '../files/cache-dir.js';
import { folderStore } from '../files/cache-store.js';
import type { CacheStore } from '../model/cache-store.js';
import { contentHash } from '../model/content-hash.js';
import { asksVersionOnly } from './version-only.js';
import { afterGlobalOptions } from './global-options.js';
import { lazyExports } from './lazy-exports.js';

declare const __AIW_VERSION__: string;
/** Set by the build: vendor files that load on first use of an export, with their export names. */
declare const __AIW_LAZY_VENDOR__: Record<string, readonly string[]>;
/** Set by the build: how each file it made for this loader starts (the CommonJS module function). */
declare const __AIW_COMMONJS_WRAPPER__: string;

const argv = process.argv.slice(2);
const COMMANDS = new Set(['run', 'tool', 'known-issues', 'learn-fix', 'debug-tool', 'memory', 'validate', 'mcp', 'import', 'init']);

/** Scripts compiled this start whose code cache is missing or was rejected: made again at exit. */
const unsaved: Array<{ script: Script; cache: CacheFile; lasting: boolean }> = [];

/**
 * Compile a CommonJS file of the build (the bundle, a vendor file) with its V8 code cache, run it
 * with `req` as its require, and return its exports.
 */
function runCached(file: string, req: (id: string) => unknown): unknown {
  // The build's files are ASCII (the build checks it): read as latin1, they need no UTF-8 decoding.
  const source = readFileSync(file, 'latin1');
  const cache = codeCacheFile(file);
  // The first start of a command after a build often takes another path than the ones after it (a
  // cache miss that parses YAML, then lookups that read the cache): its code cache is kept as a
  // first one, and the next start, which has both, makes the lasting one. Then nothing is written.
  const lasting = cache?.store.readBytes(cache.name);
  const first = cache && !lasting ? cache.store.readBytes(cache.first) : undefined;
  const cachedData = lasting ?? first;
  // node:vm only now: `aiw --version` does not need it.
  const { Script } = process.getBuiltinModule('node:vm');
  // The build wrapped the file in the function Node gives a CommonJS module (scripts/build.mjs).
  if (!source.startsWith(__AIW_COMMONJS_WRAPPER__)) throw new Error(`${file} is not a file of aiw's build: run \`npm run build\` (or reinstall aiw)`);
  const script = new Script(source, { filename: file, cachedData });
  if (cache && (!cachedData || script.cachedDataRejected || first)) {
    if (!unsaved.length) process.once('exit', saveCodeCaches);
    // A lasting cache that V8 rejected is made again in its place; a first one V8 took becomes lasting.
    unsaved.push({ script, cache, lasting: Boolean(lasting) || (Boolean(first) && !script.cachedDataRejected) });
  }
  const mod = { exports: {} };
  (script.runInThisContext() as (...args: unknown[]) => void).call(mod.exports, mod.exports, req, mod, file, dirname(file));
  return mod.exports;
}

/**
 * Made at exit, after the command ran: the functions it compiled on the way are in the cache too.
 * V8 rejects a cache made under other flags than the next start's, so a flag aiw turned on on the
 * way (pattern/linear-fallback.ts) is turned off first: nothing runs after this.
 */
function saveCodeCaches(): void {
  (globalThis as Record<symbol, (() => void) | undefined>)[Symbol.for('aiw.restoreV8Flags')]?.();
  for (const { script, cache, lasting } of unsaved) saveCodeCache(script, cache, lasting);
}

/**
 * What the bundle requires. The libraries bundled into dist/vendor/ load from there with their own
 * code cache, as the bundle does; one that aiw's modules import at load time but use only now and
 * then (yaml: the stats of a large attempt log never parse YAML) comes as an object whose exports
 * load the file on first use. Anything else (node: modules, nunjucks, the MCP SDK) is Node's
 * require, which resolves from dist/ as the bundle's own would.
 */
function bundleRequire(id: string): unknown {
  // The loader is CommonJS (dist/aiw.cjs): its own require is the one Node gives a module there.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  if (!id.startsWith('./vendor/')) return require(id);
  let exports = vendor.get(id);
  if (exports === undefined) {
    const load = () => runCached(join(__dirname, id), require) as Record<string, unknown>;
    const names = LAZY_VENDOR[id];
    exports = names ? lazyExports(names, load) : load();
    vendor.set(id, exports);
  }
  return exports;
}

const vendor = new Map<string, unknown>();
const LAZY_VENDOR: Record<string, readonly string[] | undefined> = __AIW_LAZY_VENDOR__;

interface CacheFile {
  dir: string;
  store: CacheStore;
  /** The name of every cache of this copy of the bundle, whatever its build. */
  copy: string;
  /** The name of every cache of this build of it. */
  build: string;
  /** The lasting cache of this command. */
  name: string;
  /** The cache the first start of this command made, until the next start makes the lasting one. */
  first: string;
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
  const command = `${build}${commandWord()}`;
  return { dir, store: folderStore(dir), copy, build, name: `${command}.v8cache`, first: `${command}.first.v8cache` };
}

/** The command argv names, for the cache's name; `cli` for the rest (help, the lists, completion). */
function commandWord(): string {
  const word = argv[afterGlobalOptions(argv)];
  return word !== undefined && COMMANDS.has(word) ? word : 'cli';
}

function saveCodeCache(script: Script, cache: CacheFile, lasting: boolean): void {
  // The store writes beside the entry and renames, and a failed write only costs the next start.
  cache.store.write(lasting ? cache.name : cache.first, script.createCachedData());
  try {
    if (lasting) rmSync(join(cache.dir, cache.first), { force: true });
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
  runCached(join(__dirname, 'main.cjs'), bundleRequire);
}
