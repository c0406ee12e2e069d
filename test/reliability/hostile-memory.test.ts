import { afterAll, describe, expect, it } from 'vitest';
import { recordFigure } from './support/figures.js';
import { runAiw } from './support/processes.js';
import { scratch, type Scratch } from './support/scratch.js';

/**
 * Issue 17.5: memory files are shared data, so a hostile (or merely unlucky) one must not stall a
 * run. Each test plants what was reported and runs the built `aiw` under a hang guard; the guard
 * is a safety net, not a performance target (the figures go to bench/).
 */
const roots: Scratch[] = [];
afterAll(() => roots.forEach((r) => r.remove()));

function project(): Scratch {
  const root = scratch('hostile');
  roots.push(root);
  // Fails with a long run of E and no colon: the worst text for /E+:N?/.
  root.script('bin/fail', `printf 'E%.0s' $(seq 1 4000) >&2; exit 1`);
  root.write('tools/t.yaml', `tools:\n  failing: { command: ["${root.path('bin/fail')}"] }\n`);
  return root;
}

const FIXES = 'memory/learned/tool_fixes.yaml';

describe('hostile memory files', () => {
  it('a 2 MB flow mapping in tool_fixes.yaml is parsed in linear time: lookups and runs go on', async () => {
    const root = project();
    const keys = Array.from({ length: 200_000 }, (_, i) => `k${i}: v`).join(', ');
    root.write(FIXES, `tool_fixes: [{${keys}}]\n`);
    const started = performance.now();
    const look = await runAiw(['--root', root.dir, 'known-issues', '--tool', 'failing', '--error', 'boom', '--json'], { timeoutMs: 120_000 });
    recordFigure('hostile-flow-mapping', { bytes: keys.length, ms: Math.round(performance.now() - started) });
    expect(look.hung).toBe(false);
    expect(look.code).toBe(0);
    expect(look.stderr).toMatch(/tool_fixes\.yaml:1:\d+: .*tool fix skipped/);
  });

  it('duplicate keys are still refused, at the key that repeats', async () => {
    const root = project();
    root.write(FIXES, 'tool_fixes:\n  - tool_name: failing\n    error_pattern: boom\n    error_pattern: other\n');
    const look = await runAiw(['--root', root.dir, 'known-issues', '--tool', 'failing', '--error', 'boom', '--json'], { timeoutMs: 60_000 });
    expect(look.stderr).toMatch(/tool_fixes\.yaml:4:5: invalid YAML, nothing in this file is used: Map keys must be unique \("error_pattern" appears twice\)/);
  });

  it('2,000 quadratic regexes (/E+:N?/ and variants) cannot stall a failing call: the lookup budget skips the rest and says so', async () => {
    const root = project();
    const entries = Array.from({ length: 2000 }, (_, i) => `  - { tool_name: failing, error_pattern: "/E+:N?(?:v${i})?/", root_cause: r, fix_applied: f }`);
    root.write(FIXES, `tool_fixes:\n${entries.join('\n')}\n`);
    const started = performance.now();
    const call = await runAiw(['--root', root.dir, 'tool', 'failing'], { timeoutMs: 120_000 });
    recordFigure('hostile-regexes', { entries: 2000, ms: Math.round(performance.now() - started) });
    expect(call.hung).toBe(false);
    expect(call.code).toBe(1);
    expect(call.stderr).toMatch(/the lookup spent its 250 ms for \/regex\/ patterns; \d+ more were not tried \(first: .*tool_fixes\.yaml: \/E\+:N\?/);
  });

  it('aiw validate names the slow regex entries with their line', async () => {
    const root = project();
    root.write(FIXES, 'tool_fixes:\n  - { tool_name: failing, error_pattern: "plain words", root_cause: r, fix_applied: f }\n  - { tool_name: failing, error_pattern: "/E+:N?/", root_cause: r, fix_applied: f }\n');
    const v = await runAiw(['--root', root.dir, 'validate', '--json'], { timeoutMs: 60_000 });
    const problems = (JSON.parse(v.stdout) as { problems: Array<{ file: string; line: number; message: string }> }).problems;
    const slow = problems.filter((p) => /is slow on hostile text/.test(p.message));
    expect(slow.map((p) => [p.file.endsWith('tool_fixes.yaml'), p.line])).toEqual([[true, 3]]);
    expect(slow[0]!.message).toContain('"/E+:N?/"');
  });
});
