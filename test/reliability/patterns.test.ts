import { existsSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { recordFigure } from './support/figures.js';
import { runAiw, type Exited } from './support/processes.js';
import { scratch, type Scratch } from './support/scratch.js';

/**
 * Promise: no pattern makes matching slow. A regex that can backtrack catastrophically is refused
 * wherever it enters (learn-fix, the learn_tool_fix tool, auto_heal.classes, detect_failure,
 * failed_when, or a hand-edited memory file), and matching an error of 1 MB against 10,000
 * learned and known patterns ends in bounded time, with the right match.
 */
const CATASTROPHIC = ['/(a+)+$/', '/(\\w+\\s?)*$/', '/(a|aa)+$/', '/^(\\d+)*x/', '/(x+x+)+y/i', '/(.*,)*z/'];
// Each of those takes exponential time on a text like this with a backtracking engine.
const EVIL_TEXT = `${'a'.repeat(40)}! ${'x'.repeat(40)} ${'1'.repeat(40)}! ${'word '.repeat(30)}!`;
// A hang guard per process, generous for a loaded CI machine; not a performance target.
const GUARD = { timeoutMs: 60_000 };

const roots: Scratch[] = [];
afterAll(() => roots.forEach((r) => r.remove()));

function project(files: Record<string, string> = {}): Scratch {
  const root = scratch('patterns', files);
  roots.push(root);
  root.script('bin/evil', `echo "${EVIL_TEXT}" >&2; exit 1`);
  root.write('tools/t.yaml', `tools:\n  evil: { command: ["${root.path('bin/evil')}"] }\n  big: { command: [cat, "${root.path('big.txt')}"] }\n`);
  return root;
}

function expectBounded(p: Exited): void {
  expect({ hung: p.hung, crashed: /internal error|\n {4}at /.test(p.stderr) }).toEqual({ hung: false, crashed: false });
}

describe('patterns: catastrophic regexes are refused wherever they enter', () => {
  for (const pattern of CATASTROPHIC) {
    it(`learn-fix refuses ${pattern}, and saves nothing`, async () => {
      const root = project();
      const p = await runAiw(['--root', root.dir, 'learn-fix', '--tool', 'evil', '--pattern', pattern, '--root-cause', 'r', '--fix', 'f'], GUARD);
      expectBounded(p);
      expect(p.code).toBe(2);
      expect(p.stderr).toContain('can backtrack catastrophically');
      expect(existsSync(root.path('memory/learned/tool_fixes.yaml'))).toBe(false);
    });
  }

  it('the learn_tool_fix tool refuses them too, when a skill saves a pattern taken from a tool', async () => {
    const root = project({ 'skills/learn.yaml': `name: learn\nsteps:\n  - name: save\n    tool: learn_tool_fix\n    args: { tool_name: evil, error_pattern: "${CATASTROPHIC[1]!.replace(/\\/g, '\\\\')}", root_cause: r, fix_description: f }\n` });
    const p = await runAiw(['--root', root.dir, 'run', 'learn', '--json'], GUARD);
    expectBounded(p);
    expect(p.code).toBe(1);
    expect(JSON.parse(p.stdout).steps[0].error.message).toContain('can backtrack catastrophically');
    expect(existsSync(root.path('memory/learned/tool_fixes.yaml'))).toBe(false);
  });

  it('auto_heal.classes, detect_failure and failed_when: validate reports each at file:line:col; a run refuses the pattern at its first use and ends', async () => {
    const root = project({
      'aiw.config.yaml': `auto_heal:\n  classes:\n    quota: ["${CATASTROPHIC[0]}", "quota exceeded"]\n`,
      'skills/s.yaml': `name: s\nsteps:\n  - name: call\n    tool: evil\n    on_error: continue\n    detect_failure: { auth: ["${CATASTROPHIC[2]}"] }\n    failed_when: ["${CATASTROPHIC[3]!.replace(/\\/g, '\\\\')}"]\n`,
    });
    const v = await runAiw(['--root', root.dir, 'validate'], { ...GUARD, cwd: root.dir });
    expectBounded(v);
    expect(v.code).toBe(2);
    expect(v.stdout.split('\n').filter((l) => l.includes('backtrack catastrophically')).map((l) => l.split(': ')[0])).toEqual(['aiw.config.yaml:3:12', 'skills/s.yaml:6:21', 'skills/s.yaml:7:18']);
    // A run makes the same checks before its first step: it refuses the skill and runs nothing.
    const r = await runAiw(['--root', root.dir, 'run', 's', '--json'], GUARD);
    expectBounded(r);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error.problems.map((p: { message: string }) => p.message).join('\n')).toContain('can backtrack catastrophically');
  });

  it('a catastrophic regex written into tool_fixes.yaml or patterns.yaml by hand is skipped with a warning, and the lookup ends', async () => {
    const fixes = CATASTROPHIC.map((p, i) => `  - { tool_name: evil, error_pattern: "${p.replace(/\\/g, '\\\\')}", root_cause: "hand-written ${i}", times_prevented: 0 }`).join('\n');
    const patterns = CATASTROPHIC.map((p) => `  - { pattern: "${p.replace(/\\/g, '\\\\')}", meaning: m }`).join('\n');
    const root = project({
      'memory/learned/tool_fixes.yaml': `tool_fixes:\n${fixes}\n  - { tool_name: evil, error_pattern: "word word", root_cause: "the safe one" }\n`,
      'memory/learned/patterns.yaml': `error_patterns:\n${patterns}\n`,
    });
    const p = await runAiw(['--root', root.dir, 'known-issues', '--error', EVIL_TEXT, '--json'], GUARD);
    expectBounded(p);
    expect(p.code).toBe(0);
    expect((JSON.parse(p.stdout) as { matches: Array<{ root_cause?: string }> }).matches.map((m) => m.root_cause)).toEqual(['the safe one']);
    expect(p.stderr.match(/(tool_fixes|patterns)\.yaml(:\d+:\d+)?: .*backtrack catastrophically/g)).toHaveLength(CATASTROPHIC.length * 2);
    const run = await runAiw(['--root', root.dir, 'tool', 'evil', '--json'], GUARD);
    expectBounded(run);
    expect(run.code).toBe(1);
  });

  // Found by this suite, in src/learn/known-issues.ts: the warning for a skipped pattern names the
  // file but not the entry's line (issue 5: "skipped with one warning naming file:line"), so a
  // user with 10,000 fixes cannot find it. Enable once the warning carries the entry's position.
  it.skip('the warning for a hand-written catastrophic regex names file:line:col (owner: memory/known-issues.ts)', async () => {
    const root = project({ 'memory/learned/tool_fixes.yaml': `tool_fixes:\n  - { tool_name: evil, error_pattern: "${CATASTROPHIC[0]}", root_cause: r }\n` });
    const p = await runAiw(['--root', root.dir, 'known-issues', '--error', EVIL_TEXT], GUARD);
    expect(p.stderr).toMatch(/tool_fixes\.yaml:2:\d+: .*backtrack catastrophically/);
  });
});

describe('patterns: a 1 MB error against 10,000 patterns', () => {
  it('a skill that checks a 1 MB tool output against 9,000 learned fixes and 1,000 known patterns ends, with the right match', async () => {
    const FIXES = 9000;
    const KNOWN = 1000;
    // Near misses of every pattern fill the text; one real match sits at its very end.
    const fixes = Array.from({ length: FIXES }, (_, i) => i % 3 === 0
      ? `  - { tool_name: tool_${i % 50}, error_pattern: "/connection (refused|reset) on port ${i}\\\\b/i", root_cause: "regex ${i}" }`
      : `  - { tool_name: tool_${i % 50}, error_pattern: "widget ${i} exploded", root_cause: "plain ${i}" }`).join('\n');
    const known = Array.from({ length: KNOWN }, (_, i) => `  - { pattern: "${i % 2 ? `gadget ${i} jammed` : `/gadget ${i} (stuck|jammed) at \\\\d+ rpm/`}", meaning: "known ${i}" }`).join('\n');
    const root = project({
      'memory/learned/tool_fixes.yaml': `tool_fixes:\n${fixes}\n`,
      'memory/learned/patterns.yaml': `error_patterns:\n${known}\n`,
      'skills/check.yaml': 'name: check\nsteps:\n  - { name: out, tool: big }\n  - { name: lookup, tool: check_known_issues, args: { tool_name: nobody, error_text: "{{ out }}" } }\n',
    });
    const noise = ['widget 12 explode', 'connection refuse on port 3', 'gadget 7 jamme', 'a'.repeat(60), 'widget widget widget', 'connection reset on port 99x', '((((((', '\\\\\\'];
    const parts: string[] = [];
    let size = 0;
    for (let i = 0; size < 1024 * 1024; i++) {
      const piece = `${noise[i % noise.length]} ${i}\n`;
      parts.push(piece);
      size += piece.length;
    }
    parts.push('fatal: widget 8999 exploded\n');
    root.write('big.txt', parts.join(''));
    const p = await runAiw(['--root', root.dir, 'run', 'check', '--json'], GUARD);
    expectBounded(p);
    expect(p.code).toBe(0);
    const lookup = (JSON.parse(p.stdout) as { steps: Array<{ name: string; output: { matches: Array<{ root_cause?: string }> } }> }).steps[1]!;
    expect(lookup.output.matches.map((m) => m.root_cause)).toContain('plain 8999');
    expect(readFileSync(root.path('big.txt')).length).toBeGreaterThan(1024 * 1024);
    recordFigure('patterns', { patterns: FIXES + KNOWN, error_bytes: size, catastrophic_refused: CATASTROPHIC.length });
  });
});
