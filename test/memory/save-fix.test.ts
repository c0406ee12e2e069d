import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';
import { AiwError } from '../../src/errors/errors.js';
import { learnedFile, parseToolFixes, withFixes } from '../../src/memory/fix-store.js';
import { learnFix, localDate, markFixPrevented } from '../../src/memory/save-fix.js';
import { tempRoot } from '../helpers/temp-root.js';

const run = promisify(execFile);
const SEED = join(import.meta.dirname, 'fixtures', 'seed');
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'aiw.js');

function memory(files: Record<string, string> = {}) {
  const root = tempRoot();
  for (const [name, text] of Object.entries(files)) root.write(`memory/learned/${name}`, text);
  return { root, dir: root.path('memory'), file: learnedFile(root.path('memory'), 'tool_fixes') };
}

const input = { tool: 'bonfire_deploy', pattern: 'manifest unknown', rootCause: 'short SHA', fix: 'use the full SHA', today: '2026-02-01' };

async function refusal(p: Promise<unknown>): Promise<AiwError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(AiwError);
  return err as AiwError;
}

describe('learnFix', () => {
  it('creates the file with an entry dated today and times_prevented 0', async () => {
    const { dir, file } = memory();
    const saved = await learnFix(dir, { ...input, today: undefined });
    expect(saved.created).toBe(true);
    const fixes = parseToolFixes(readFileSync(file, 'utf8'), file).entries;
    expect(fixes).toEqual([{ tool_name: 'bonfire_deploy', error_pattern: 'manifest unknown', root_cause: 'short SHA', fix_applied: 'use the full SHA', date_learned: localDate(new Date()), times_prevented: 0, line: saved.line }]);
    expect(localDate(new Date())).toMatch(/^\d{4}-\d\d-\d\d$/);
  });

  it('updates the entry for the same tool and pattern instead of adding a twin, keeping its count', async () => {
    const { dir, file } = memory({ 'tool_fixes.yaml': readFileSync(join(SEED, 'tool_fixes.yaml'), 'utf8') });
    const saved = await learnFix(dir, { ...input, pattern: 'Manifest  Unknown', rootCause: 'digest missing', fix: 'pass a digest' });
    expect(saved).toMatchObject({ created: false, line: 2, fix: { times_prevented: 3, root_cause: 'digest missing', date_learned: '2026-02-01' } });
    const fixes = parseToolFixes(readFileSync(file, 'utf8'), file).entries;
    expect(fixes).toHaveLength(1);
    expect(fixes[0]).toMatchObject({ error_pattern: 'manifest unknown', root_cause: 'digest missing', fix_applied: 'pass a digest', times_prevented: 3 });
  });

  it('keeps comments, key order, blank lines and unrelated sections byte for byte', async () => {
    const seed = readFileSync(join(SEED, 'tool_fixes.yaml'), 'utf8');
    const { dir, file } = memory({ 'tool_fixes.yaml': seed });
    await learnFix(dir, { ...input, tool: 'glab_mr_create', pattern: '/interactive prompt/i' });
    const text = readFileSync(file, 'utf8');
    const [head, tail] = seed.split('\ncommon_mistakes:');
    expect(text.startsWith(head!)).toBe(true);
    expect(text.endsWith(`\ncommon_mistakes:${tail}`)).toBe(true);
    expect(text).toContain('times_prevented: 3  # Incremented each time we skip this mistake\n');
    expect(parseToolFixes(text, file).entries.map((e) => e.tool_name)).toEqual(['bonfire_deploy', 'glab_mr_create']);
  });

  it('appends to a file dumped by the seed in its own indentation, leaving every other line as it was', async () => {
    const seed = readFileSync(join(SEED, 'tool_fixes.dumped.yaml'), 'utf8');
    const { dir, file } = memory({ 'tool_fixes.yaml': seed });
    const saved = await learnFix(dir, { ...input, remedy: { tool: 'kube_login', args: { cluster: 'stage' } } });
    const text = readFileSync(file, 'utf8');
    expect(text.startsWith(seed)).toBe(true);
    expect(text.slice(seed.length)).toBe([
      '- tool_name: bonfire_deploy', '  error_pattern: "manifest unknown"', '  root_cause: "short SHA"', '  fix_applied: "use the full SHA"',
      '  date_learned: "2026-02-01"', '  times_prevented: 0', '  remedy: { tool: "kube_login", args: { cluster: "stage" } }', '',
    ].join('\n'));
    expect(saved.line).toBe(seed.split('\n').length);
    expect(parseToolFixes(text, file).entries[2]).toMatchObject({ remedy: { tool: 'kube_login', args: { cluster: 'stage' } }, line: saved.line });
  });

  it('starts the list in a file that has none, or an empty one, without touching the rest', async () => {
    for (const seed of ['# my notes\ncommon_mistakes: {}\n', 'tool_fixes: []  # none yet\nother: 1\n', 'tool_fixes:\nother: 1', '']) {
      const { dir, file } = memory({ 'tool_fixes.yaml': seed });
      await learnFix(dir, input);
      const text = readFileSync(file, 'utf8');
      const doc = parseDocument(text);
      expect(doc.errors).toEqual([]);
      expect(parseToolFixes(text, file).entries.map((e) => e.tool_name)).toEqual(['bonfire_deploy']);
      if (seed.includes('other')) expect(doc.get('other')).toBe(1);
      if (seed.startsWith('#')) expect(text.startsWith('# my notes\ncommon_mistakes: {}\n')).toBe(true);
    }
  });

  it('refuses an invalid regex and one that can backtrack catastrophically, and writes nothing', async () => {
    const { dir, file } = memory();
    for (const pattern of ['/(unclosed/', '/(a+)+$/']) {
      const err = await refusal(learnFix(dir, { ...input, pattern }));
      expect(err.code).toBe('PATTERN');
      expect(err.exitCode).toBe(2);
    }
    expect(() => readFileSync(file)).toThrow(/ENOENT/);
  });

  it('never overwrites a file it cannot parse, and says where the problem is', async () => {
    const broken = 'tool_fixes:\n  - tool_name: a\n    error_pattern: "unterminated\n';
    const { dir, file } = memory({ 'tool_fixes.yaml': broken });
    const err = await refusal(learnFix(dir, input));
    expect(err.code).toBe('MEMORY_READ');
    expect(err.exitCode).toBe(2);
    expect(err.location).toMatchObject({ file, line: expect.any(Number), col: expect.any(Number) });
    expect(err.message).toContain(file);
    expect(readFileSync(file, 'utf8')).toBe(broken);
  });

  it('refuses to replace a tool_fixes section that is not a list', async () => {
    const { dir, file } = memory({ 'tool_fixes.yaml': 'tool_fixes: "see the wiki"\n' });
    expect((await refusal(learnFix(dir, input))).message).toMatch(/not a list/);
    expect(readFileSync(file, 'utf8')).toBe('tool_fixes: "see the wiki"\n');
  });
});

describe('markFixPrevented', () => {
  it('counts a prevented repeat and records when, in place', async () => {
    const seed = readFileSync(join(SEED, 'tool_fixes.yaml'), 'utf8');
    const { dir, file } = memory({ 'tool_fixes.yaml': seed });
    expect(await markFixPrevented(dir, 'bonfire_deploy', 'manifest unknown', '2026-02-01T10:00:00+01:00')).toBe(4);
    expect(await markFixPrevented(dir, 'bonfire_deploy', 'manifest unknown', '2026-02-02T10:00:00+01:00')).toBe(5);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('    times_prevented: 5  # Incremented each time we skip this mistake\n    last_prevented: "2026-02-02T10:00:00+01:00"\n\ncommon_mistakes:');
    expect(await markFixPrevented(dir, 'other_tool', 'manifest unknown', 'x')).toBeNull();
  });

  it('edits an entry written in flow style too', async () => {
    const { dir, file } = memory({ 'tool_fixes.yaml': 'tool_fixes: [{tool_name: t, error_pattern: boom, times_prevented: 1}]\n' });
    expect(await markFixPrevented(dir, 't', 'boom', 'now')).toBe(2);
    expect(parseToolFixes(readFileSync(file, 'utf8'), file).entries[0]).toMatchObject({ times_prevented: 2, last_prevented: 'now' });
  });
});

describe('concurrent learn-fix processes', () => {
  it('all land, with no twins and a valid file', async () => {
    const { root, dir, file } = memory({ 'tool_fixes.yaml': readFileSync(join(SEED, 'tool_fixes.yaml'), 'utf8') });
    const env = { ...process.env, CI: 'true', AIW_MEMORY_DIR: dir };
    const runs = Array.from({ length: 8 }, (_, i) => [`tool_${i % 4}`, `error number ${i % 4} happened`, `cause ${i}`, `fix ${i}`]);
    await Promise.all(runs.map((args) => run(process.execPath, [BIN, '--root', root.dir, 'learn-fix', ...args], { env })));
    const text = readFileSync(file, 'utf8');
    expect(parseDocument(text).errors).toEqual([]);
    const fixes = parseToolFixes(text, file).entries;
    expect(fixes.map((f) => f.tool_name).sort()).toEqual(['bonfire_deploy', 'tool_0', 'tool_1', 'tool_2', 'tool_3']);
    expect(text).toContain('common_mistakes:');
  });
});

describe('the lookup cache after a write', () => {
  it('is brought up to date by the writer, lines and all, exactly as a fresh parse would see the file', async () => {
    const seed = readFileSync(join(SEED, 'tool_fixes.dumped.yaml'), 'utf8');
    const { dir, file } = memory({ 'tool_fixes.yaml': seed });
    const cached = async () => (await withFixes(dir, async (t) => t.read([...Array(t.count).keys()]))).value;
    const fresh = () => parseToolFixes(readFileSync(file, 'utf8'), file).entries;
    await cached();
    // Folded multi-line values become one line: every later entry moves up.
    await learnFix(dir, { ...input, tool: 'quay_get_tag', pattern: 'manifest unknown / unauthorized / failed to get digest' });
    expect(await cached()).toEqual(fresh());
    await learnFix(dir, { ...input, remedy: { tool: 'make_token', args: { path: '/tmp/x' } } });
    expect(await cached()).toEqual(fresh());
    await markFixPrevented(dir, 'bonfire_deploy', 'manifest unknown', '2026-02-01T10:00:00Z');
    await markFixPrevented(dir, 'quay_get_tag', 'manifest unknown / unauthorized / failed to get digest', '2026-02-01T10:00:00Z');
    const now = await cached();
    expect(now).toEqual(fresh());
    expect(now.map((f) => [f.tool_name, f.line, f.times_prevented])).toEqual([['quay_get_tag', 13, 1], ['test_mr_ephemeral skill', 20, 0], ['bonfire_deploy', 26, 1]]);
  });
});

describe('learnFix with pasted text', () => {
  // Found by the planted-secrets suite: a long multi-line root cause (a pasted log) was folded onto
  // lines at column 0, which made tool_fixes.yaml invalid YAML, so nothing more could be learned.
  it('keeps tool_fixes.yaml valid for a long multi-line root cause, and reads it back exactly', async () => {
    const { dir, file } = memory();
    const pasted = Array.from({ length: 6 }, (_, i) => `line ${i} of a pasted log that is long enough to be folded by a YAML writer`).join('\n');
    await learnFix(dir, { ...input, rootCause: pasted });
    await learnFix(dir, { ...input, pattern: 'second', rootCause: `${pasted}\n  indented "quoted" \\ back` });
    const text = readFileSync(file, 'utf8');
    expect(parseDocument(text).errors).toEqual([]);
    expect(parseToolFixes(text, file).entries.map((e) => e.root_cause)).toEqual([pasted, `${pasted}\n  indented "quoted" \\ back`]);
  });

  it('refuses a pattern, tool name or remedy argument that holds a secret, and masks the prose with a warning', async () => {
    const { dir, file } = memory();
    for (const bad of [{ pattern: 'ghp_PlantedGitHubToken0123456789abcdefABCD' }, { tool: 'glpat-PlantedGitLab12345xyz' }, { remedy: { tool: 'x', args: { a: 'password=hunter2hunter2' } } }]) {
      expect((await refusal(learnFix(dir, { ...input, ...bad }))).code).toBe('USAGE');
    }
    const warnings: string[] = [];
    await learnFix(dir, { ...input, rootCause: 'token ghp_PlantedGitHubToken0123456789abcdefABCD expired' }, warnings);
    expect(warnings).toEqual(['the root cause holds what looks like a secret; it is saved masked (***)']);
    expect(readFileSync(file, 'utf8')).not.toContain('ghp_Planted');
  });
});
