import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { folderStore } from '../../src/files/cache-store.js';
import { CompileCheck } from '../../src/validate/compile-check.js';
import { tempRoot } from '../helpers/temp-root.js';

function store() {
  const root = tempRoot();
  root.write('cache/.keep', '');
  const dir = root.path('cache');
  return { store: folderStore(dir), verdicts: () => readdirSync(dir).filter((n) => n.endsWith('.compiles')) };
}

function check(blocks: string[], cache: ReturnType<typeof store>['store']): Array<string | null> {
  const c = new CompileCheck(blocks, cache);
  const errors = blocks.map((code, i) => c.error(code, 's.yaml', i + 1));
  c.finish();
  return errors;
}

describe('CompileCheck', () => {
  it('remembers a skill whose blocks all compile, and trusts that only for exactly those blocks', () => {
    const { store: cache, verdicts } = store();
    expect(check(['return 1;', 'return inputs.n * 2;'], cache)).toEqual([null, null]);
    expect(verdicts()).toHaveLength(1);
    expect(check(['return 1;', 'return inputs.n * 2;'], cache)).toEqual([null, null]);
    expect(verdicts()).toHaveLength(1);
    // One character changed: a different set of blocks, compiled again, and the mistake found.
    const edited = check(['return 1;', 'return inputs.n * ;'], cache);
    expect(edited[0]).toBeNull();
    expect(edited[1]).toMatch(/Unexpected token/);
    expect(verdicts()).toHaveLength(1);
  });

  it('never remembers blocks that do not compile: the error comes back every time', () => {
    const { store: cache, verdicts } = store();
    for (let i = 0; i < 2; i++) expect(check(['return (;'], cache)[0]).toMatch(/Unexpected token/);
    expect(verdicts()).toEqual([]);
  });

  it('compiles each distinct block once, and reports it wherever it appears', () => {
    const c = new CompileCheck(['return (;', 'return (;']);
    expect(c.error('return (;', 's.yaml', 3)).toMatch(/Unexpected token/);
    expect(c.error('return (;', 's.yaml', 9)).toMatch(/Unexpected token/);
    c.finish();
  });

  it('keeps a top-level return legal and a stray closing brace illegal, as the sandbox does', () => {
    expect(check(['return 1', 'const x = 1; return x', '})'], store().store).map((e) => e === null)).toEqual([true, true, false]);
  });
});
