import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { FailureRecord } from '../../src/model/learning.js';
import { readFailures } from '../../src/memory/attempt-log/attempt-log.js';
import { learnedFile, parseToolFixes } from '../../src/memory/fix-store.js';
import { openLearning } from '../../src/learn/learning-store.js';
import { checkMemoryFiles } from '../../src/validate/check-memory.js';
import { tempRoot } from '../helpers/temp-root.js';

const record = (over: Partial<FailureRecord> = {}): FailureRecord => ({
  tool: 'deploy', error: 'exit code 1: manifest unknown', error_type: null, fix_attempted: null, success: false,
  timestamp: '2026-02-01T10:00:00+01:00', skill: null, step: null, attempt: 1, duration_ms: 12, run_id: 'r1', kind: 'attempt', ...over,
});

const FIXES = 'tool_fixes:\n  - tool_name: deploy\n    error_pattern: manifest unknown\n    fix_applied: make a token\n    times_prevented: 0\n    remedy: {tool: make_token, args: {}}\n';

describe('openLearning', () => {
  it('records every attempt in tool_failures.yaml with the fields of the issue, nulls included', async () => {
    const dir = tempRoot().path('memory');
    const learning = openLearning(dir);
    await learning.recordAttempt(record());
    await learning.recordAttempt(record({ kind: 'remedy', fix_attempted: 'make_token', success: true, error: null, skill: 'ship', step: 'deploy', pattern: 'manifest unknown' }));
    const { records, warnings } = await readFailures(learnedFile(dir, 'tool_failures'));
    expect(warnings).toEqual([]);
    expect(records).toEqual([
      expect.objectContaining({ tool: 'deploy', error: 'exit code 1: manifest unknown', success: false, kind: 'attempt', run_id: 'r1' }),
      expect.objectContaining({ kind: 'remedy', fix_attempted: 'make_token', success: true, error: null, skill: 'ship', step: 'deploy', pattern: 'manifest unknown' }),
    ]);
    expect(records[0]).toHaveProperty('skill');
    expect(learning.warnings()).toEqual([]);
  });

  it('never throws for a broken attempt log: the entry goes to a sidecar and the user is told once', async () => {
    const root = tempRoot({ 'memory/learned/tool_failures.yaml': 'failures: [unclosed\n' });
    const seen: string[] = [];
    const learning = openLearning(root.path('memory'), { onWarning: (w) => seen.push(w) });
    await learning.recordAttempt(record());
    await learning.recordAttempt(record({ attempt: 2 }));
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatch(/unsaved/);
    expect(learning.warnings()).toEqual(seen);
    expect(readFileSync(root.path('memory/learned/tool_failures.yaml'), 'utf8')).toBe('failures: [unclosed\n');
  });

  it('finds a remedy, counts it as prevented, and reports (not throws) when it cannot', async () => {
    const root = tempRoot({ 'memory/learned/tool_fixes.yaml': FIXES });
    const dir = root.path('memory');
    const seen: string[] = [];
    const learning = openLearning(dir, { onWarning: (w) => seen.push(w), now: () => new Date('2026-02-01T09:00:00Z') });
    const remedy = await learning.findRemedy('deploy', 'Error: manifest unknown');
    expect(remedy).toEqual({ tool: 'make_token', args: {}, fixTool: 'deploy', pattern: 'manifest unknown' });
    await learning.markPrevented(remedy!);
    const fix = parseToolFixes(readFileSync(learnedFile(dir, 'tool_fixes'), 'utf8'), 'f').entries[0]!;
    expect(fix.times_prevented).toBe(1);
    expect(Date.parse(fix.last_prevented!)).toBe(Date.parse('2026-02-01T09:00:00Z'));
    writeFileSync(learnedFile(dir, 'tool_fixes'), 'tool_fixes: [broken\n');
    await learning.markPrevented(remedy!);
    expect(seen.join('\n')).toMatch(/times_prevented .* not counted/);
    expect(await learning.knownIssues('deploy', 'manifest unknown')).toEqual([]);
    expect(seen.join('\n')).toMatch(/invalid YAML/);
  });

  it('reports a memory folder it cannot use instead of failing the run', async () => {
    const root = tempRoot({ 'memory/learned/x': '' });
    chmodSync(root.path('memory/learned'), 0o500);
    try {
      const seen: string[] = [];
      const learning = openLearning(root.path('memory'), { onWarning: (w) => seen.push(w) });
      await learning.recordAttempt(record());
      if (process.getuid?.() !== 0) expect(seen.length).toBe(1);
    } finally {
      chmodSync(root.path('memory/learned'), 0o700);
    }
  });
});

describe('checkMemoryFiles', () => {
  it('lists what lookups skip in the learned files, for aiw validate', async () => {
    const root = tempRoot({
      'memory/learned/tool_fixes.yaml': 'tool_fixes:\n  - tool_name: a\n',
      'memory/learned/patterns.yaml': 'x_patterns: "one long string"\n',
    });
    const problems = await checkMemoryFiles(root.path('memory'));
    expect(problems.map((p) => [p.file.split('/').pop(), p.line, p.code])).toEqual([['tool_fixes.yaml', 2, 'VALIDATION'], ['patterns.yaml', 1, 'VALIDATION']]);
    expect(await checkMemoryFiles(tempRoot().path('memory'))).toEqual([]);
  });
});
