import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../files/atomic-write.js';
import type { McpServerSpec } from '../../model/tool.js';
import type { ListedTool } from './server-connection.js';

/** A server's tool list as last seen: `validate` and every start-up read it instead of asking the server. */
export interface CachedList {
  server: string;
  /** Hash of the server's declaration: a changed command, URL or env means the list is read again. */
  spec: string;
  fetched_at: string;
  tools: ListedTool[];
}

const MAX_CACHE_BYTES = 8 * 1024 * 1024;

/** `<memory>/.cache/mcp/<server>.json`, beside the lookup caches of the learned files. */
export function cacheFile(cacheDir: string, server: string): string {
  return join(cacheDir, 'mcp', `${server}.json`);
}

export function specHash(spec: McpServerSpec): string {
  const { command, args, env, cwd, url, headers } = spec;
  return createHash('sha256').update(JSON.stringify({ command, args, env, cwd, url, headers })).digest('hex').slice(0, 16);
}

/** The cached list of this exact declaration, or undefined (none, another declaration, unreadable). */
export async function readCachedList(cacheDir: string, spec: McpServerSpec): Promise<CachedList | undefined> {
  let text: string;
  try {
    text = await readFile(cacheFile(cacheDir, spec.name), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  if (text.length > MAX_CACHE_BYTES) return undefined;
  try {
    const value = JSON.parse(text) as CachedList;
    if (value.spec !== specHash(spec) || !Array.isArray(value.tools)) return undefined;
    return value;
  } catch {
    // A cache is only a copy of what the server says: a broken one is read again from the server.
    return undefined;
  }
}

export async function writeCachedList(cacheDir: string, spec: McpServerSpec, tools: ListedTool[], now = new Date()): Promise<CachedList> {
  const value: CachedList = { server: spec.name, spec: specHash(spec), fetched_at: now.toISOString(), tools };
  await mkdir(join(cacheDir, 'mcp'), { recursive: true });
  await writeFileAtomic(cacheFile(cacheDir, spec.name), `${JSON.stringify(value, null, 1)}\n`);
  return value;
}

/** "3 minutes", "2 hours", "5 days": how old a cached list is, for `validate` and `aiw tools`. */
export function describeAge(fetchedAt: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(fetchedAt)) / 1000));
  const [n, unit] = s < 120 ? [s, 'second'] : s < 7200 ? [Math.round(s / 60), 'minute'] : s < 172800 ? [Math.round(s / 3600), 'hour'] : [Math.round(s / 86400), 'day'];
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}
