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
import { collectCodePaths } from '../model/code-paths.js';
import { restoreV8Flags } from '../pattern/linear-fallback.js';
import { asksVersionOnly } from './version-only.js';
import { afterGlobalOptions, runSkillWord } from './global-options.js';
import { lazyExports } from './lazy-exports.js';

declare const __AIW_VERSION__: string;
/** Set by the build: vendor files that load on first use of an export, with their export names. */
declare const __AIW_LAZY_VENDOR__: Record<string, readonly string[]>;
/** Set by the build: how each file it made for this loader starts (the CommonJS module function). */
declare const __AIW_COMMONJS_WRAPPER__: string;

const argv = process.argv.slice(2);
const COMMANDS = new Set(['run', 'tool', 'known-issues', 'learn-fix', 'debug-tool', 'memory', 'validate', 'mcp', 'import', 'init']);

/**
 * The paths this start took through the code (src/model/code-paths.ts adds them, the exit code is
 * added at exit). A code cache is made on some starts of a command and read by the others: each
 * cache says which paths it was made on, and a start that took a path its cache lacks makes it
 * again, with that path's functions added (see saveCodeCaches).
 */
const paths = collectCodePaths();

/** Scripts compiled this start with a cache file, and what their cache was. */
const compiled: Array<{ script: Script; cache: CacheFile; read: 'none' | 'first' | 'lasting'; covers: ReadonlySet<string> }> = [];

/**
 * Compile a CommonJS file of the build (the bundle, a vendor file) with its V8 code cache (the
 * one named by `key`: see codeCacheFile), run it with `req` as its require, and return its exports.
 */
function runCached(file: string, key: string, req: (id: string) => unknown): unknown {
  // The build's files are ASCII (the build checks it): read as latin1, they need no UTF-8 decoding.
  const source = readFileSync(file, 'latin1');
  const cache = codeCacheFile(file, key);
  // The first start of a command after a build often takes another path than the ones after it (a
  // cache miss that parses YAML, then lookups that read the cache): its code cache is kept as a
  // first one, and the next start, which has both, makes the lasting one. After that a start
  // writes only when it took a path the lasting cache was not made on.
  const lasting = cache?.store.readBytes(cache.name);
  const first = cache && !lasting ? cache.store.readBytes(cache.first) : undefined;
  const entry = codeCacheEntry(lasting ?? first);
  // node:vm only now: `aiw --version` does not need it.
  const { Script } = process.getBuiltinModule('node:vm');
  // The build wrapped the file in the function Node gives a CommonJS module (scripts/build.mjs).
  if (!source.startsWith(__AIW_COMMONJS_WRAPPER__)) throw new Error(`${file} is not a file of aiw's build: run \`npm run build\` (or reinstall aiw)`);
  const script = new Script(source, { filename: file, cachedData: entry?.data });
  if (cache) {
    if (!compiled.length) process.once('exit', saveCodeCaches);
    // A cache V8 rejected (or not a cache at all) covers nothing: it is made again, in its place.
    const used = entry !== undefined && !script.cachedDataRejected;
    compiled.push({ script, cache, read: lasting ? 'lasting' : used ? 'first' : 'none', covers: used ? entry.paths : new Set() });
  }
  const mod = { exports: {} };
  (script.runInThisContext() as (...args: unknown[]) => void).call(mod.exports, mod.exports, req, mod, file, dirname(file));
  return mod.exports;
}

/** Seconds after which a start no longer adds its paths to a lasting cache (see saveCodeCaches). */
const LONGEST_START_THAT_ADDS_S = 30;

/**
 * Made at exit, after the command ran: the functions it compiled on the way are in the cache too,
 * beside those it read from the cache, so a cache made again for a new path keeps the old ones.
 * Written when the start read no cache (or one V8 rejected), read the first one, or took a path
 * the lasting one lacks; the usual start writes nothing. V8 rejects a cache made under other flags
 * than the next start's, so a flag aiw turned on on the way (pattern/linear-fallback.ts) is turned
 * off first: nothing runs after this.
 */
function saveCodeCaches(code: number): void {
  paths.add(`exit:${code}`);
  // V8 drops the bytecode of functions a long process has not run for a while (after several full
  // garbage collections): a cache made again by one would lose what it read. A command is over in
  // well under this; a long deploy or `aiw mcp` leaves the new path to the next short start.
  const mayAdd = process.uptime() < LONGEST_START_THAT_ADDS_S;
  let restored = false;
  for (const { script, cache, read, covers } of compiled) {
    const union = new Set([...covers, ...paths]);
    if (read === 'lasting' && (union.size === covers.size || !mayAdd)) continue;
    if (!restored) restoreV8Flags();
    restored = true;
    // A start that read no cache makes a first one; the one after it makes the lasting one.
    saveCodeCache(script, cache, read !== 'none', union);
  }
}

/** How a code cache file starts: this line, with the paths it was made on, then V8's bytes. */
const CODE_CACHE_HEADER = 'aiw-code-cache ';

/** A code cache file's V8 bytes and paths; undefined for none, or for a file without the header. */
function codeCacheEntry(bytes: Buffer | undefined): { data: Buffer; paths: ReadonlySet<string> } | undefined {
  if (!bytes) return undefined;
  const end = bytes.subarray(0, 4096).indexOf(10);
  if (end < 0 || bytes.toString('latin1', 0, CODE_CACHE_HEADER.length) !== CODE_CACHE_HEADER) return undefined;
  const list = bytes.toString('latin1', CODE_CACHE_HEADER.length, end);
  return { data: bytes.subarray(end + 1), paths: new Set(list ? list.split(',') : []) };
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
    const load = () => runCached(join(__dirname, id), commandWord(), require) as Record<string, unknown>;
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
 * One cache per installed copy of the file (by path), per build of it (size, mtime and inode: a
 * rebuild or an upgrade writes a new file, so a cache never outlives the code it was made from),
 * and per `key`: the command (`run` compiles other functions than `known-issues`), and for the
 * bundle's runs the skill too (see bundleCacheKey).
 */
function codeCacheFile(file: string, key: string): CacheFile | undefined {
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
  const command = `${build}${key}`;
  return { dir, store: folderStore(dir), copy, build, name: `${command}.v8cache`, first: `${command}.first.v8cache` };
}

/** The command argv names; `cli` for the rest (help, the lists, completion). */
function commandWord(): string {
  const word = argv[afterGlobalOptions(argv)];
  return word !== undefined && COMMANDS.has(word) ? word : 'cli';
}

/**
 * The bundle's cache key: the command, and for `aiw run` the skill too. V8 writes into a code
 * cache which functions ran hot in the start that made it (its tiering decisions), and a start that
 * reads the cache compiles those to machine code the first time they run: a cache made by a
 * 200-step skill made every run of a 1-step one compile what it never needed (~4 ms, 6 %). So each
 * skill's runs make and read a cache of their own. A vendor file's cache stays one per command:
 * yaml and the validators load only when a skill's files changed, so per skill their caches would
 * be made once and hardly ever read.
 */
function bundleCacheKey(): string {
  const word = commandWord();
  const skill = word === 'run' ? runSkillWord(argv, afterGlobalOptions(argv) + 1) : undefined;
  // By the skill's name: `one`, `skills/one.yaml` and a checkout's `/ci/job-7/skills/one.yaml` are one
  // skill, and a path unique to each job must not make every run a first one.
  return skill === undefined ? word : `run-${contentHash(skill.replace(/^.*[\\/]/, '').replace(/\.ya?ml$/i, ''))}`;
}

function saveCodeCache(script: Script, cache: CacheFile, lasting: boolean, made: ReadonlySet<string>): void {
  // The store writes beside the entry and renames, and a failed write only costs the next start.
  const header = Buffer.from(`${CODE_CACHE_HEADER}${[...made].sort().join(',')}\n`, 'latin1');
  cache.store.write(lasting ? cache.name : cache.first, Buffer.concat([header, script.createCachedData()]));
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
  runCached(join(__dirname, 'main.cjs'), bundleCacheKey(), bundleRequire);
}
