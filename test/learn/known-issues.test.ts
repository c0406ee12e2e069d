import { readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findLearnedRemedy, lookupKnownIssues, shellQuote } from '../../src/learn/known-issues.js';
import { tempRoot } from '../helpers/temp-root.js';

const SEED = join(import.meta.dirname, '..', 'memory', 'fixtures', 'seed');
const seed = (name: string) => readFileSync(join(SEED, name), 'utf8');

function memory(files: Record<string, string>) {
  const root = tempRoot();
  for (const [name, text] of Object.entries(files)) root.write(`memory/learned/${name}`, text);
  return root.path('memory');
}

const FIXES = `tool_fixes:
  - tool_name: deploy
    error_pattern: "manifest unknown"
    root_cause: short SHA
    fix_applied: use the full SHA
    times_prevented: 2
  - tool_name: deploy
    error_pattern: "quota exceeded"
    fix_applied: clean up namespaces
  - tool_name: other
    error_pattern: "manifest unknown"
    fix_applied: other fix
  - tool_name: api_call
    error_pattern: "401"
    fix_applied: refresh the token
    remedy: { tool: refresh_token, args: { scope: api } }
  - tool_name: api_call
    error_pattern: "/HTTP 5\\\\d\\\\d/"
    fix_applied: wait
`;

describe('lookupKnownIssues', () => {
  it('ranks tool and pattern > pattern only > tool only, fixes before general patterns', async () => {
    const dir = memory({ 'tool_fixes.yaml': FIXES, 'patterns.yaml': 'error_patterns:\n  - pattern: manifest unknown\n    meaning: image missing\n    commands: [check the tag]\n' });
    const { matches, warnings } = await lookupKnownIssues(dir, 'deploy', 'Error: manifest unknown: image not found');
    expect(warnings).toEqual([]);
    expect(matches.map((m) => [m.source, m.tool_name ?? m.category, m.fix ?? m.meaning])).toEqual([
      ['tool_fixes', 'deploy', 'use the full SHA'],
      ['tool_fixes', 'other', 'other fix'],
      ['patterns', 'error_patterns', 'image missing'],
      ['tool_fixes', 'deploy', 'clean up namespaces'],
    ]);
    expect(matches[0]).toMatchObject({ pattern: 'manifest unknown', root_cause: 'short SHA', times_prevented: 2, matched: 'manifest unknown' });
  });

  it('finds all fixes of a tool by name alone, and by error alone finds no tool-only matches', async () => {
    const dir = memory({ 'tool_fixes.yaml': FIXES });
    expect((await lookupKnownIssues(dir, 'deploy', undefined)).matches.map((m) => m.pattern)).toEqual(['manifest unknown', 'quota exceeded']);
    expect((await lookupKnownIssues(dir, undefined, 'quota exceeded for namespace')).matches.map((m) => m.tool_name)).toEqual(['deploy']);
  });

  it('matches at word boundaries: "401" does not match 14012 or a commit id, but matches "HTTP 401"', async () => {
    const dir = memory({ 'tool_fixes.yaml': FIXES });
    for (const text of ['request 14012 failed', 'commit 4013ab9 broke it', 'id x401y']) {
      expect((await lookupKnownIssues(dir, undefined, text)).matches).toEqual([]);
    }
    expect((await lookupKnownIssues(dir, undefined, 'HTTP 401 Unauthorized')).matches[0]).toMatchObject({ tool_name: 'api_call', matched: '401' });
  });

  it('matches /regex/ patterns and case-insensitive plain text', async () => {
    const dir = memory({ 'tool_fixes.yaml': FIXES });
    expect((await lookupKnownIssues(dir, undefined, 'got HTTP 503 from upstream')).matches[0]).toMatchObject({ pattern: '/HTTP 5\\d\\d/', matched: 'HTTP 503' });
    expect((await lookupKnownIssues(dir, undefined, 'MANIFEST UNKNOWN')).matches).toHaveLength(2);
  });

  it('shows a remedy as the command that runs it', async () => {
    const dir = memory({ 'tool_fixes.yaml': FIXES });
    expect((await lookupKnownIssues(dir, 'api_call', 'HTTP 401')).matches[0]!.commands).toEqual(['aiw tool refresh_token -a scope=api']);
  });

  it('reads the seed files as they are: the long-string category gives one warning and the lookup goes on', async () => {
    const dir = memory({ 'tool_fixes.yaml': seed('tool_fixes.yaml'), 'patterns.yaml': seed('patterns.yaml') });
    const result = await lookupKnownIssues(dir, 'bonfire_deploy', 'Error: manifest unknown; pod in ImagePullBackOff');
    expect(result.matches.map((m) => m.pattern)).toEqual(['manifest unknown', 'ImagePullBackOff']);
    expect(result.warnings.filter((w) => w.includes('concur_cleanup_patterns'))).toHaveLength(1);
    expect(result.warnings[0]).toMatch(/patterns\.yaml:\d+:1: category "concur_cleanup_patterns" skipped/);
  });

  it('goes on with the other file when one is not valid YAML, with a warning naming file:line:col', async () => {
    const dir = memory({ 'tool_fixes.yaml': 'tool_fixes:\n  - tool_name: [oops\n', 'patterns.yaml': seed('patterns.yaml') });
    const result = await lookupKnownIssues(dir, 'x', 'No route to host');
    expect(result.matches.map((m) => m.pattern)).toEqual(['No route to host']);
    expect(result.warnings.some((w) => /tool_fixes\.yaml:\d+:\d+: invalid YAML/.test(w))).toBe(true);
  });

  it('skips a pattern that cannot be compiled with a warning, and still finds the rest', async () => {
    const dir = memory({ 'tool_fixes.yaml': 'tool_fixes:\n  - {tool_name: a, error_pattern: "/(x+)+$/"}\n  - {tool_name: b, error_pattern: boom}\n' });
    const result = await lookupKnownIssues(dir, undefined, 'xxxx boom');
    expect(result.matches.map((m) => m.tool_name)).toEqual(['b']);
    expect(result.warnings.join('\n')).toMatch(/\/\(x\+\)\+\$\//);
  });

  it('stays correct with 10,000 fixes and 1,000 patterns, and caps what it returns', async () => {
    let fixes = 'tool_fixes:\n';
    for (let i = 0; i < 10_000; i++) fixes += `  - {tool_name: tool_${i % 500}, error_pattern: "error number ${i} happened", fix_applied: "fix ${i}"}\n`;
    let patterns = 'error_patterns:\n';
    for (let i = 0; i < 1_000; i++) patterns += `  - {pattern: "pattern ${i} seen", meaning: "m${i}"}\n`;
    const dir = memory({ 'tool_fixes.yaml': fixes, 'patterns.yaml': patterns });
    for (let pass = 0; pass < 2; pass++) {
      const exact = await lookupKnownIssues(dir, 'tool_7', 'boom: error number 9507 happened; then pattern 999 seen');
      expect(exact.matches.slice(0, 2).map((m) => m.fix ?? m.meaning)).toEqual(['fix 9507', 'm999']);
      expect(exact.total).toBe(21);
      expect(exact.matches).toHaveLength(20);
    }
  });
});

describe('lookups through the cache', () => {
  // Plain and /regex/ patterns, short and non-ASCII ones, repeated ones, tools shared by many fixes.
  const PATTERNS = ['manifest unknown', '401', '/registry (?:mismatch|failed) after \\d+ ?ms E1457/i', '/HTTP 5\\d\\d/', 'écrit refusé', 'ab', '/\\d+ errors?/', 'quota exceeded'];
  const quote = (s: string) => JSON.stringify(s);
  function bigMemory(): string {
    let fixes = 'tool_fixes:\n';
    for (let i = 0; i < 400; i++) fixes += `  - {tool_name: tool_${i % 7}, error_pattern: ${quote(i % 5 ? `${PATTERNS[i % PATTERNS.length]} E${i}` : PATTERNS[i % PATTERNS.length]!)}, fix_applied: "fix ${i}"}\n`;
    let patterns = 'error_patterns:\n';
    for (let i = 0; i < 120; i++) patterns += `  - {pattern: ${quote(i % 3 ? `${PATTERNS[i % PATTERNS.length]} P${i}` : PATTERNS[i % PATTERNS.length]!)}, meaning: "m${i}"}\n`;
    return memory({ 'tool_fixes.yaml': fixes, 'patterns.yaml': patterns });
  }
  const QUERIES: Array<[string | undefined, string | undefined]> = [
    ['tool_3', 'Error: manifest unknown E10 and HTTP 503; registry failed after 12ms E1457'],
    [undefined, 'écrit refusé E4 P4; 3 errors, quota exceeded E15'],
    ['tool_0', undefined],
    ['tool_9', 'ab 401 ab'],
    [undefined, 'nothing here'],
  ];
  const answers = async (dir: string) => Promise.all(QUERIES.map(([tool, error]) => lookupKnownIssues(dir, tool, error, 1000)));

  it('gives the same answers from the YAML, from a fresh cache, and from a cache made long ago', async () => {
    const dir = bigMemory();
    const parsed = await answers(dir);
    expect(parsed.every((a) => a.warnings.length === 0)).toBe(true);
    expect(parsed[0]!.matches.length).toBeGreaterThan(5);
    expect(await answers(dir)).toEqual(parsed);
    // Once the files are old, the cache drops its content hash (rewritten once), then is read as it is.
    const old = new Date(Date.now() - 60_000);
    for (const name of ['tool_fixes', 'patterns']) utimesSync(join(dir, 'learned', `${name}.yaml`), old, old);
    expect(await answers(dir)).toEqual(parsed);
    expect(await answers(dir)).toEqual(parsed);
    rmSync(join(dir, '.cache'), { recursive: true });
    expect(await answers(dir)).toEqual(parsed);
  });

  it('answers from the edited file after a memory file changes, never from the old cache', async () => {
    const dir = bigMemory();
    const old = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
    const file = join(dir, 'learned', 'tool_fixes.yaml');
    utimesSync(file, old, old);
    const fixes = async (error: string) => (await lookupKnownIssues(dir, undefined, error, 1000)).matches.map((m) => m.fix);
    expect(await fixes('quota exceeded E23')).toContain('fix 23');
    expect(await fixes('quota exceeded E23')).toContain('fix 23');
    writeFileSync(file, readFileSync(file, 'utf8').replace('quota exceeded E23', 'quota exhausted E23'));
    utimesSync(file, old, old); // the same mtime as before: the size tells
    expect(statSync(file).mtimeMs).toBe(old.getTime());
    expect(await fixes('quota exceeded E23')).not.toContain('fix 23');
    expect(await fixes('quota exhausted E23')).toEqual(['fix 23']);
  });

  it('rebuilds a cache whose index was damaged, with the same answers', async () => {
    const dir = bigMemory();
    const parsed = await answers(dir);
    const cache = join(dir, '.cache', 'tool_fixes.yaml.cache');
    const text = readFileSync(cache, 'latin1');
    const indexStart = text.indexOf('\n') + 1 + Number(text.split('\n')[0]!.split(' ')[2]);
    // Every hex digit of the index turned into a letter that is not one: offsets, rows, needle positions.
    writeFileSync(cache, text.slice(0, indexStart) + text.slice(indexStart, indexStart + 4000).replace(/[0-9a-f]/g, 'z') + text.slice(indexStart + 4000), 'latin1');
    expect(await answers(dir)).toEqual(parsed);
    expect(await answers(dir)).toEqual(parsed);
  });
});

describe('findLearnedRemedy', () => {
  it('returns the matching fix of that tool that has a remedy, and nothing for another tool', async () => {
    const dir = memory({ 'tool_fixes.yaml': FIXES });
    expect(await findLearnedRemedy(dir, 'api_call', 'HTTP 401 Unauthorized')).toMatchObject({ tool_name: 'api_call', remedy: { tool: 'refresh_token', args: { scope: 'api' } } });
    expect(await findLearnedRemedy(dir, 'deploy', 'HTTP 401 Unauthorized')).toBeUndefined();
    expect(await findLearnedRemedy(dir, 'api_call', 'HTTP 503')).toBeUndefined();
  });
});

describe('shellQuote', () => {
  it('leaves safe words bare and single-quotes the rest', () => {
    expect(shellQuote('manifest')).toBe('manifest');
    expect(shellQuote("it's $HOME `x`")).toBe(`'it'\\''s $HOME \`x\`'`);
  });
});

describe('regex prefilter needles', () => {
  it('lets a /regex/ row be skipped when its required literal is absent, and still matches when present', async () => {
    const { regexNeedle } = await import('../../src/pattern/match.js');
    expect(regexNeedle('/exceeded quota for (cpu|memory)/i')).toBe('exceeded');
    expect(regexNeedle('/Connection refused/')).toBe('connection');
    expect(regexNeedle('/(a+)+$/')).toBeNull();
    expect(regexNeedle('/\\d+/')).toBeNull();
  });
});
