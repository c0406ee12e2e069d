import { chmodSync, mkdirSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cacheDir } from '../../src/files/cache-dir.js';
import { tempRoot } from '../helpers/temp-root.js';

describe('cacheDir', () => {
  it('is $AIW_CACHE_DIR/<sub>, created private to this user', () => {
    const root = tempRoot();
    const base = root.path('c1');
    const dir = cacheDir('parse', { AIW_CACHE_DIR: base });
    expect(dir).toBe(join(base, 'parse'));
    expect(statSync(dir!).mode & 0o777).toBe(0o700);
  });

  it('falls back to $XDG_CACHE_HOME/aiw, then ~/.cache/aiw', () => {
    const root = tempRoot();
    expect(cacheDir('x', { XDG_CACHE_HOME: root.path('xdg') })).toBe(root.path('xdg', 'aiw', 'x'));
    expect(cacheDir('x', { XDG_CACHE_HOME: 'relative', HOME: root.path('home') })).toBe(root.path('home', '.cache', 'aiw', 'x'));
  });

  it('is off with AIW_CACHE_DIR=off or a relative path', () => {
    expect(cacheDir('x', { AIW_CACHE_DIR: 'off' })).toBeUndefined();
    expect(cacheDir('x', { AIW_CACHE_DIR: 'rel/dir' })).toBeUndefined();
  });

  it('refuses a folder others can write, or a symlink: its contents would be trusted', () => {
    const root = tempRoot();
    const open = root.path('open');
    mkdirSync(join(open, 'sub'), { recursive: true });
    chmodSync(join(open, 'sub'), 0o777);
    expect(cacheDir('sub', { AIW_CACHE_DIR: open })).toBeUndefined();
    mkdirSync(root.path('real'));
    symlinkSync(root.path('real'), root.path('link'));
    expect(cacheDir('sub', { AIW_CACHE_DIR: root.path('link') })).toBeUndefined();
  });

  it('is undefined when the folder cannot be created', () => {
    const root = tempRoot();
    const file = root.write('plain-file', 'x');
    expect(cacheDir('sub', { AIW_CACHE_DIR: file })).toBeUndefined();
  });
});
