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
    expect(readdirSync(root.path('cache', 'parse'))).toEqual(['abc.json']);
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
