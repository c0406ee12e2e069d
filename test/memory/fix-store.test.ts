import { readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { learnedFile, parseToolFixes, withFixes } from '../../src/memory/fix-store.js';
import { cachePathFor } from '../../src/memory/memory-cache.js';
import { parsePatterns, withPatterns } from '../../src/memory/patterns-store.js';
import { tempRoot } from '../helpers/temp-root.js';

const SEED = join(import.meta.dirname, 'fixtures', 'seed');
const seed = (name: string) => readFileSync(join(SEED, name), 'utf8');

function memoryWith(files: Record<string, string>) {
  const root = tempRoot();
  for (const [name, text] of Object.entries(files)) root.write(`memory/learned/${name}`, text);
  return root.path('memory');
}

async function allFixes(memoryDir: string) {
  return (await withFixes(memoryDir, async (t) => ({ fixes: await t.read([...Array(t.count).keys()]), warnings: t.warnings, extra: t.extra }))).value;
}

describe('tool_fixes.yaml in the seed format', () => {
  it('reads the seed document format, comments and all, with the line each fix starts on', () => {
    const built = parseToolFixes(seed('tool_fixes.yaml'), 'tool_fixes.yaml');
    expect(built.warnings).toEqual([]);
    expect(built.entries).toEqual([{
      tool_name: 'bonfire_deploy', error_pattern: 'manifest unknown', root_cause: "Short SHA doesn't exist in Quay",
      fix_applied: 'Use full 40-char SHA instead of 8-char', date_learned: '2026-01-03', times_prevented: 3, line: 2,
    }]);
    expect(Object.keys(built.extra as object)).toEqual(['missing_flags', 'wrong_formats']);
  });

  it('reads the files the seed dumped (keys sorted, list at column 0, folded values)', () => {
    const built = parseToolFixes(seed('tool_fixes.dumped.yaml'), 'f.yaml');
    expect(built.warnings).toEqual([]);
    expect(built.entries.map((e) => [e.tool_name, e.line])).toEqual([['quay_get_tag', 13], ['test_mr_ephemeral skill', 22]]);
    expect(built.entries[0]!.fix_applied).toMatch(/^Added skopeo_get_digest .* its output\.$/);
  });

  it('skips an entry of the wrong shape with one warning at its line and keeps the others', () => {
    const built = parseToolFixes('tool_fixes:\n  - tool_name: a\n    error_pattern: x\n  - just a string\n  - tool_name: b\n', 'f.yaml');
    expect(built.entries.map((e) => e.tool_name)).toEqual(['a']);
    expect(built.warnings.map((w) => `${w.file}:${w.line}`)).toEqual(['f.yaml:4', 'f.yaml:5']);
  });

  it('reads a bare-number pattern as text, and keeps a fix whose remedy is malformed without the remedy', () => {
    const built = parseToolFixes('tool_fixes:\n  - {tool_name: t, error_pattern: 401, remedy: "kube_login"}\n', 'f.yaml');
    expect(built.entries[0]).toMatchObject({ error_pattern: '401' });
    expect(built.entries[0]!.remedy).toBeUndefined();
    expect(built.warnings[0]!.message).toMatch(/remedy/);
  });

  it('turns invalid YAML into a warning with file:line:col instead of an exception', () => {
    const built = parseToolFixes('tool_fixes:\n  - tool_name: a\n    error_pattern: [unclosed\n', 'f.yaml');
    expect(built.entries).toEqual([]);
    expect(built.warnings[0]).toMatchObject({ file: 'f.yaml', line: expect.any(Number), col: expect.any(Number) });
    expect(built.warnings[0]!.message).toMatch(/invalid YAML/);
  });
});

describe('patterns.yaml in the seed format', () => {
  it('reads every *_patterns category and ignores the unrelated sections', () => {
    const built = parsePatterns(seed('patterns.yaml'), 'patterns.yaml');
    expect([...new Set(built.entries.map((e) => e.category))]).toEqual(['auth_patterns', 'bonfire_patterns', 'error_patterns']);
    expect(built.entries.find((e) => e.pattern === 'ImagePullBackOff')).toMatchObject({
      meaning: 'Cannot pull container image from registry', commands: ["quay_check_image_exists(image='...', tag='...')", 'kubectl describe pod <pod> -n <namespace>'],
    });
  });

  it('skips the category stored as one long string, and the statistics list, with ONE warning each at the key', () => {
    const text = seed('patterns.yaml');
    const built = parsePatterns(text, 'patterns.yaml');
    const lineOf = (key: string) => text.split('\n').findIndex((l) => l.startsWith(`${key}:`)) + 1;
    expect(built.warnings.map((w) => `${w.file}:${w.line}`)).toEqual([`patterns.yaml:${lineOf('concur_cleanup_patterns')}`, `patterns.yaml:${lineOf('daily_patterns')}`]);
    expect(built.warnings[0]!.message).toMatch(/one long string/);
    expect(built.warnings[1]!.message).toMatch(/2 of 2 entries skipped/);
  });
});

describe('the lookup cache', () => {
  it('is written beside memory on the first read, and used (not the YAML) on the next', async () => {
    const dir = memoryWith({ 'tool_fixes.yaml': seed('tool_fixes.yaml') });
    const first = await allFixes(dir);
    const cache = cachePathFor(dir, learnedFile(dir, 'tool_fixes'));
    expect(statSync(cache).isFile()).toBe(true);
    // Age the source so the cache is not "racy"; then prove the cache is read by planting a marker in it.
    const old = new Date(Date.now() - 60_000);
    utimesSync(learnedFile(dir, 'tool_fixes'), old, old);
    await allFixes(dir);
    writeFileSync(cache, readFileSync(cache, 'utf8').replace('bonfire_deploy","error_pattern', 'from_the_cache","error_pattern'));
    expect((await allFixes(dir)).fixes[0]!.tool_name).toBe('from_the_cache');
    expect(first.fixes[0]!.tool_name).toBe('bonfire_deploy');
  });

  it('sees a changed file at once, even a same-size edit in the same instant', async () => {
    const dir = memoryWith({ 'tool_fixes.yaml': 'tool_fixes:\n  - {tool_name: aaa, error_pattern: x}\n' });
    const file = learnedFile(dir, 'tool_fixes');
    expect((await allFixes(dir)).fixes[0]!.tool_name).toBe('aaa');
    const { mtime } = statSync(file);
    writeFileSync(file, 'tool_fixes:\n  - {tool_name: bbb, error_pattern: x}\n');
    utimesSync(file, mtime, mtime);
    expect((await allFixes(dir)).fixes[0]!.tool_name).toBe('bbb');
  });

  it('ignores a broken cache and rebuilds it', async () => {
    const dir = memoryWith({ 'patterns.yaml': seed('patterns.yaml') });
    const count = async () => (await withPatterns(dir, async (t) => t.count)).value;
    const expected = await count();
    const cache = cachePathFor(dir, learnedFile(dir, 'patterns'));
    for (const junk of ['', 'garbage\n', readFileSync(cache, 'utf8').slice(0, 200)]) {
      writeFileSync(cache, junk);
      expect(await count()).toBe(expected);
    }
    expect(readFileSync(cache, 'utf8').length).toBeGreaterThan(200);
  });

  it('reports, but survives, a cache it cannot write', async () => {
    const dir = memoryWith({ 'tool_fixes.yaml': seed('tool_fixes.yaml') });
    writeFileSync(join(dir, '.cache'), 'a file where the cache folder should be');
    const result = await withFixes(dir, async (t) => t.count);
    expect(result.value).toBe(1);
    expect(result.cacheWarning).toMatch(/cannot write the lookup cache/);
  });
});
