import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aiw, tempRoot } from '../helpers/temp-root.js';

const SEED = join(import.meta.dirname, '..', 'memory', 'fixtures', 'seed');
const seed = (name: string) => readFileSync(join(SEED, name), 'utf8');

function seeded() {
  return tempRoot({
    'memory/learned/tool_fixes.yaml': seed('tool_fixes.yaml'),
    'memory/learned/patterns.yaml': seed('patterns.yaml'),
    'memory/learned/tool_failures.yaml': seed('tool_failures.yaml'),
  });
}

describe('aiw memory', () => {
  it('shows all memory as readable text', async () => {
    const r = await aiw(['memory'], { root: seeded().dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Learned tool fixes');
    expect(r.stdout).toContain('bonfire_deploy: `manifest unknown`  (prevented 3×)');
    expect(r.stdout).toContain('auth_patterns:');
    expect(r.stdout).toContain('`No route to host` - Cannot reach internal cluster or service');
    expect(r.stdout).toMatch(/2026-01-04T11:00:00 gitlab_mr_list \[review_all_prs\] failed/);
    expect(r.stdout).toContain('Heal statistics:');
    expect(r.stderr).toContain('concur_cleanup_patterns');
  });

  it('prints one JSON document for a view, newest failures first, limited', async () => {
    const root = seeded();
    const fixes = (await aiw(['memory', 'fixes', '--json'], { root: root.dir })).json<{ tool_fixes: unknown[]; common_mistakes: object; patterns?: unknown }>();
    expect(fixes.tool_fixes).toHaveLength(1);
    expect(Object.keys(fixes.common_mistakes)).toEqual(['missing_flags', 'wrong_formats']);
    expect(fixes.patterns).toBeUndefined();
    const failures = (await aiw(['memory', 'failures', '--json', '--limit', '1'], { root: root.dir })).json<{ failures: { total: number; recent: Array<{ tool: string }> } }>();
    expect(failures.failures.total).toBe(2);
    expect(failures.failures.recent.map((f) => f.tool)).toEqual(['gitlab_mr_list']);
  });

  it('shows heal statistics computed from the attempt log', async () => {
    const json = (await aiw(['memory', 'stats', '--json'], { root: seeded().dir })).json<{ stats: { entries: number } }>();
    expect(json.stats.entries).toBe(2);
    const text = await aiw(['memory', 'stats'], { root: seeded().dir });
    expect(text.stdout).toContain('Attempt log: 2 entries');
  });

  it('survives 200,000 broken entries in every view, summarising their warnings', async () => {
    const root = tempRoot({ 'memory/learned/tool_failures.yaml': `failures:\n${'  - {"tool":"t","success":false}\r\n'.repeat(200_000)}` });
    for (const view of ['all', 'stats', 'failures']) {
      const r = await aiw(['memory', view, '--json'], { root: root.dir });
      expect(r.code).toBe(0);
      const warnings = r.json<{ warnings: string[] }>().warnings;
      expect(warnings).toHaveLength(4);
      expect(warnings[3]).toContain('199,997 more entries like this');
    }
    const validate = await aiw(['validate'], { root: root.dir });
    expect(validate.stderr + validate.stdout).not.toContain('internal error');
  });

  it('shows the same statistics in the stats view (which reads only the keys it counts) as in the whole view', async () => {
    const seedLog = seed('tool_failures.yaml');
    const aiwLines = Array.from({ length: 30 }, (_, i) => `  - ${JSON.stringify({ tool: `t${i % 4}`, error: i % 3 ? `boom "${i}" ü` : null, error_type: i % 2 ? 'network' : null, fix_attempted: i % 5 ? null : 'vpn_connect', success: i % 3 === 0, timestamp: `2026-01-0${1 + (i % 9)}T10:00:0${i % 10}+01:00`, step: `s${i % 2}`, attempt: 1 + (i % 2), run_id: `r${Math.floor(i / 3)}`, kind: i % 7 === 6 ? 'fix' : i % 11 === 10 ? 'interrupted' : 'attempt' })}`);
    const hand = ['  - {tool: hand, success: false, timestamp: "2026-01-02T00:00:00Z", run_id: r1, step: s1} # edited', '  - {"tool":"odd","success":"no","timestamp":"2026-01-02T00:00:00Z"}'];
    const root = tempRoot({ 'memory/learned/tool_failures.yaml': `${seedLog.trimEnd()}\n${[...aiwLines.slice(0, 15), ...hand, ...aiwLines.slice(15)].join('\n')}\n` });
    type Doc = { stats: Record<string, unknown>; warnings: string[] };
    const [stats, all] = await Promise.all([aiw(['memory', 'stats', '--json'], { root: root.dir }), aiw(['memory', '--json'], { root: root.dir })]);
    const a = stats.json<Doc>();
    const b = all.json<Doc>();
    expect({ ...a.stats, generated_at: 0 }).toEqual({ ...b.stats, generated_at: 0 });
    expect(a.stats).toMatchObject({ entries: 2 + 30 + 1 });
    expect(a.warnings).toEqual(b.warnings.filter((w) => !w.includes('patterns.yaml') && !w.includes('tool_fixes.yaml')));
    expect(a.warnings.join('\n')).toMatch(/tool_failures\.yaml:\d+:\d+: entry skipped: "success" must be a boolean/);
  });

  it('works on an empty memory', async () => {
    const r = await aiw(['memory', '--json'], { root: tempRoot().dir });
    expect(r.json()).toMatchObject({ tool_fixes: [], patterns: [], failures: { total: 0, recent: [] } });
  });

  it('rejects a bad --limit', async () => {
    expect((await aiw(['memory', 'failures', '--limit', 'ten'], { root: tempRoot().dir })).code).toBe(2);
  });
});
