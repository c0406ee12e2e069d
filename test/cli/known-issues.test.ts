import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aiw, tempRoot } from '../helpers/temp-root.js';

const SEED = join(import.meta.dirname, '..', 'memory', 'fixtures', 'seed');

function seeded() {
  return tempRoot({
    'memory/learned/tool_fixes.yaml': readFileSync(join(SEED, 'tool_fixes.yaml'), 'utf8'),
    'memory/learned/patterns.yaml': readFileSync(join(SEED, 'patterns.yaml'), 'utf8'),
  });
}

describe('aiw known-issues', () => {
  it('needs --tool or --error (usage error, exit 2)', async () => {
    const r = await aiw(['known-issues'], { root: tempRoot().dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/needs --tool, --error, or both/);
  });

  it('prints the failure class and the matches as JSON', async () => {
    const r = await aiw(['known-issues', '--tool', 'bonfire_deploy', '--error', 'manifest unknown', '--json'], { root: seeded().dir });
    expect(r.code).toBe(0);
    expect(r.json()).toEqual({
      failure_class: null,
      matches: [{ source: 'tool_fixes', tool_name: 'bonfire_deploy', pattern: 'manifest unknown', root_cause: "Short SHA doesn't exist in Quay", fix: 'Use full 40-char SHA instead of 8-char', times_prevented: 3, matched: 'manifest unknown' }],
    });
    expect(r.stderr).toMatch(/warning: .*patterns\.yaml:\d+:1: category "concur_cleanup_patterns" skipped/);
  });

  it('classifies the error the way the heal loop does', async () => {
    const r = await aiw(['known-issues', '--error', 'dial tcp 10.0.0.1:6443: connect: no route to host', '--json'], { root: seeded().dir });
    const doc = r.json<{ failure_class: string; matches: Array<{ category: string }> }>();
    expect(doc.failure_class).toBe('network');
    expect(doc.matches[0]).toMatchObject({ source: 'patterns', category: 'auth_patterns', pattern: 'No route to host' });
  });

  it('shows "Known Issues Found" for a person, or says none and suggests debug-tool', async () => {
    const root = seeded();
    const found = await aiw(['known-issues', '--tool', 'bonfire_deploy'], { root: root.dir });
    expect(found.stdout).toContain('💡 Known Issues Found!');
    expect(found.stdout).toContain('Previous fix for `bonfire_deploy`');
    const none = await aiw(['known-issues', '--tool', 'nothing_known', '--error', 'weird'], { root: root.dir });
    expect(none.code).toBe(0);
    expect(none.stdout).toContain('No known issues');
    expect(none.stdout).toContain('aiw debug-tool nothing_known');
  });

  it('masks secrets in what it prints', async () => {
    const r = await aiw(['known-issues', '--error', 'token expired for Authorization: Bearer abcdefghijklmnop', '--json'], { root: seeded().dir });
    expect(r.stdout).not.toContain('abcdefghijklmnop');
  });
});

describe('the check_known_issues built-in tool', () => {
  it('gives a skill step the matches and the seed-style markdown', async () => {
    const root = seeded();
    root.write('skills/check.yaml', `name: check
steps:
  - name: known
    tool: check_known_issues
    args: { tool_name: bonfire_deploy, error_text: "Error: manifest unknown" }
outputs:
  - { name: found, value: "{{ known.found }}" }
`);
    const doc = (await aiw(['run', 'check', '--json'], { root: root.dir })).json<{ outputs: { found: boolean }; steps: Array<{ output: { matches: Array<{ pattern: string }>; text: string } }> }>();
    expect(doc.outputs.found).toBe(true);
    expect(doc.steps[0]!.output.matches[0]!.pattern).toBe('manifest unknown');
    expect(doc.steps[0]!.output.text).toContain('## 💡 Known Issues Found!\n\n**Previous fix for `bonfire_deploy`:**\n- Pattern: `manifest unknown`\n- Root cause: Short SHA doesn\'t exist in Quay\n- **Fix:** Use full 40-char SHA instead of 8-char');
  });
});
