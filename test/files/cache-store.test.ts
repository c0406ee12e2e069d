import { readdirSync, rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cacheStore, folderStore } from '../../src/files/cache-store.js';
import { tempRoot } from '../helpers/temp-root.js';

describe('cacheStore', () => {
  it('keeps entries by name under cacheDir(sub), replaced whole, with no temporary file left behind', () => {
    const root = tempRoot();
    const store = cacheStore('parse', { AIW_CACHE_DIR: root.path('cache') })!;
    expect(store.read('abc.json')).toBeUndefined();
    store.write('abc.json', 'one');
    store.write('abc.json', 'two');
    expect(store.read('abc.json')).toBe('two');
    expect(readdirSync(root.path('cache', 'parse')).filter((n) => n !== '.pruned')).toEqual(['abc.json']);
  });

  it('is off with AIW_CACHE_DIR=off', () => {
    expect(cacheStore('parse', { AIW_CACHE_DIR: 'off' })).toBeUndefined();
  });

  it('refuses a name that is not a plain file name', () => {
    const store = folderStore(tempRoot().path('cache'));
    for (const name of ['../x', 'a/b', '.hidden', '']) expect(() => store.read(name)).toThrow(/not a plain file name/);
  });

  it('treats a folder removed under it as empty, and a write there as nothing done', () => {
    const root = tempRoot();
    const store = cacheStore('parse', { AIW_CACHE_DIR: root.path('gone') })!;
    rmSync(root.path('gone'), { recursive: true });
    expect(() => store.write('abc.json', 'text')).not.toThrow();
    expect(store.read('abc.json')).toBeUndefined();
  });
});

describe('pruneDaily', () => {
  it('removes entries older than a month, at most once a day, and keeps the rest', async () => {
    const { utimesSync, writeFileSync, existsSync } = await import('node:fs');
    const { pruneDaily, PRUNE_AFTER_MS } = await import('../../src/files/cache-store.js');
    const root = tempRoot();
    const dir = root.path('cache');
    root.write('cache/old.json', 'old');
    root.write('cache/new.json', 'new');
    const now = Date.now();
    const old = (now - PRUNE_AFTER_MS - 60_000) / 1000;
    utimesSync(`${dir}/old.json`, old, old);
    pruneDaily(dir, now);
    expect(existsSync(`${dir}/old.json`)).toBe(false);
    expect(existsSync(`${dir}/new.json`)).toBe(true);
    // Within the day the folder is not walked again: an old entry written now stays until tomorrow.
    writeFileSync(`${dir}/old2.json`, 'old');
    utimesSync(`${dir}/old2.json`, old, old);
    pruneDaily(dir, now + 60_000);
    expect(existsSync(`${dir}/old2.json`)).toBe(true);
    pruneDaily(dir, now + 25 * 60 * 60 * 1000);
    expect(existsSync(`${dir}/old2.json`)).toBe(false);
    expect(existsSync(`${dir}/new.json`)).toBe(true);
  });
});
