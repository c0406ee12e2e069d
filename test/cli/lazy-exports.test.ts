import { describe, expect, it } from 'vitest';
import { lazyExports } from '../../src/cli/lazy-exports.js';

describe('a module whose exports load it on first use', () => {
  it('loads nothing until an export is read, then loads once', () => {
    let loads = 0;
    const lazy = lazyExports(['parse', 'Document'], () => {
      loads++;
      return { parse: (s: string) => `parsed ${s}`, Document: class Document {} };
    });
    expect(loads).toBe(0);
    expect(Object.keys(lazy)).toEqual(['parse', 'Document']);
    expect(loads).toBe(0);
    expect((lazy.parse as (s: string) => string)('a')).toBe('parsed a');
    expect(new (lazy.Document as new () => object)()).toBeInstanceOf(lazy.Document as new () => object);
    expect(loads).toBe(1);
  });

  it('passes on an error of the load, and tries again on the next read', () => {
    let fail = true;
    const lazy = lazyExports(['x'], () => {
      if (fail) throw new Error('cannot load');
      return { x: 1 };
    });
    expect(() => lazy.x).toThrow('cannot load');
    fail = false;
    expect(lazy.x).toBe(1);
  });
});
