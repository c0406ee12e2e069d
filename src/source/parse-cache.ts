import { readFileSync } from 'node:fs';
import type { Problem } from '../errors/errors.js';
import type { CacheStore } from '../model/cache-store.js';
import { contentHash } from '../model/content-hash.js';
import { schemaFingerprint } from './check-schema.js';
import type { PosNode } from './positions.js';
import { parseYamlSource, readSourceBytes, sourceFromParts, type YamlSource } from './yaml-source.js';

/**
 * The parse cache: a YAML file's value and node positions as JSON, under a hash of its text, and
 * with the text itself: a hit needs the very same text, so an edited file is never served stale
 * whatever its size or mtime (and a hash collision is a miss), and two files with the same text
 * share an entry. A hit costs a hash, a JSON.parse and a string comparison instead of a yaml parse
 * with positions (and loading the yaml library at all). The hash is aiw's own (model/content-hash):
 * node:crypto would cost more to load than a cached start spends on everything else it reads.
 *
 * Only files without YAML problems, whose values are plain JSON (no NaN, Infinity, -0, `!!set`...),
 * are cached. The schema kinds a file passed are kept in its entry too; the key holds the schemas'
 * fingerprint, so a changed schema never trusts an old verdict. Bump FORMAT whenever what an entry
 * holds, or how it is made, changes.
 */
const FORMAT = 2;

interface Entry {
  format: number;
  /** The text the entry was made from: a hit needs exactly this text. */
  text: string;
  positions: PosNode;
  value: unknown;
  /** Last, so a verdict is added by rewriting the tail only (see `withKinds`). */
  schemaValid: string[];
}

/**
 * Read and parse `file`, through the parse cache when a store is given (`cacheStore('parse')`): its
 * YAML problems with `file:line:col`, or the source. An unreadable file is a USAGE error.
 */
export async function readYamlSource(file: string, store?: CacheStore): Promise<{ source: YamlSource; problems: Problem[] }> {
  return parseYamlBytes(file, await readSourceBytes(file), store);
}

/** parseYamlSource of a file's bytes, through the parse cache when a store is given. */
export async function parseYamlBytes(file: string, bytes: Buffer, store?: CacheStore): Promise<{ source: YamlSource; problems: Problem[] }> {
  const text = bytes.toString('utf8');
  if (!store) return parseYamlSource(file, text);
  const name = `${entryKey(text)}.json`;
  const hit = readEntry(store, name, text);
  if (hit) {
    const { entry, head } = hit;
    const onSchemaPassed = rememberer(store, name, head, entry.schemaValid);
    return { source: sourceFromParts(file, text, { value: entry.value, positions: entry.positions, schemaValid: entry.schemaValid, onSchemaPassed }), problems: [] };
  }
  // Verdicts are remembered only once the entry exists (a file with problems never has one).
  const entry: { remember?: (kind: string) => void } = {};
  const parsed = await parseYamlSource(file, text, { onSchemaPassed: (kind) => entry.remember?.(kind) });
  if (parsed.problems.length || !isPlainJson(parsed.source.value)) return parsed;
  // Serialized before any caller sees the value, so nothing done to it later can reach the cache.
  const head = JSON.stringify({ format: FORMAT, text, positions: parsed.source.positions, value: parsed.source.value }).slice(0, -1);
  entry.remember = rememberer(store, name, head, []);
  store.write(name, sealed(withKinds(head, [])));
  return parsed;
}

/** The entry's name: the text's hash, with what else decides its content (aiw, the format, the schemas). */
function entryKey(text: string): string {
  return contentHash(`aiw parse cache ${FORMAT} ${aiwVersion()} ${schemaFingerprint}\0${text}`);
}

/** A schema kind the value passed is written into its entry, so the next run skips that check too. */
function rememberer(store: CacheStore, name: string, head: string, known: string[]): (kind: string) => void {
  const kinds = [...known];
  return (kind) => {
    if (kinds.includes(kind)) return;
    kinds.push(kind);
    store.write(name, sealed(withKinds(head, kinds)));
  };
}

/** An entry's JSON: its head (everything but the schema verdicts, without the closing brace) and verdicts. */
function withKinds(head: string, kinds: string[]): string {
  return `${head},"schemaValid":${JSON.stringify(kinds)}}`;
}

/**
 * An entry is its JSON after a line with that JSON's digest: a truncated or otherwise damaged entry
 * fails the digest, which is far cheaper than checking every node of its position tree.
 */
function sealed(json: string): string {
  return `${contentHash(json)}\n${json}`;
}

function readEntry(store: CacheStore, name: string, text: string): { entry: Entry; head: string } | undefined {
  const raw = store.read(name);
  if (raw === undefined) return undefined;
  const newline = raw.indexOf('\n');
  const json = raw.slice(newline + 1);
  // Damaged (a crash mid-write on a file system that reorders, a hand edit): a miss, and the parse
  // that follows writes a good entry over it.
  if (newline !== 16 || raw.slice(0, newline) !== contentHash(json)) return undefined;
  let entry: Partial<Entry> | null;
  try {
    entry = JSON.parse(json) as Partial<Entry> | null;
  } catch {
    return undefined;
  }
  if (!entry || typeof entry !== 'object' || entry.format !== FORMAT || entry.text !== text || entry.value === undefined) return undefined;
  if (!Array.isArray(entry.schemaValid) || !entry.schemaValid.every((k) => typeof k === 'string') || !Array.isArray(entry.positions)) return undefined;
  // The verdicts are the last key and hold only kind names, so the last match is theirs.
  const tail = json.lastIndexOf(',"schemaValid":');
  if (tail < 0) return undefined;
  return { entry: entry as Entry, head: json.slice(0, tail) };
}

/** Whether JSON.parse(JSON.stringify(value)) gives `value` back: plain objects, arrays, strings, finite numbers. */
export function isPlainJson(value: unknown, depth = 0): boolean {
  if (depth > 1000) return false;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0);
  if (Array.isArray(value)) return Object.getPrototypeOf(value) === Array.prototype && value.every((v) => isPlainJson(v, depth + 1));
  if (typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return false;
  return Object.values(value).every((v) => isPlainJson(v, depth + 1));
}

declare const __AIW_VERSION__: string | undefined;

/** The bundle has the version baked in; from source (tests), package.json's. */
function aiwVersion(): string {
  if (typeof __AIW_VERSION__ === 'string') return __AIW_VERSION__;
  version ??= (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return version;
}
let version: string | undefined;
