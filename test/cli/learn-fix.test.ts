import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { aiw, tempRoot } from '../helpers/temp-root.js';

const TOOLS = 'tools:\n  make_token:\n    command: [touch, /tmp/never-used]\n    remedy_safe: true\n    params:\n      path: { type: string }\n';

describe('aiw learn-fix', () => {
  it('prints the saved entry as JSON, dated today, with times_prevented 0', async () => {
    const root = tempRoot({ 'tools/t.yaml': TOOLS });
    const r = await aiw(['learn-fix', '--tool', 'deploy', '--pattern', '/manifest (unknown|invalid)/i', '--root-cause', 'short SHA', '--fix', 'full SHA', '--remedy-tool', 'make_token', '--remedy-arg', 'path=/tmp/x', '--json'], { root: root.dir });
    expect(r.code).toBe(0);
    expect(r.json()).toEqual({
      tool_name: 'deploy', error_pattern: '/manifest (unknown|invalid)/i', root_cause: 'short SHA', fix_applied: 'full SHA',
      date_learned: expect.stringMatching(/^\d{4}-\d\d-\d\d$/), times_prevented: 0, remedy: { tool: 'make_token', args: { path: '/tmp/x' } },
    });
    expect(readFileSync(root.path('memory/learned/tool_fixes.yaml'), 'utf8')).toContain('remedy: { tool: "make_token", args: { path: "/tmp/x" } }');
  });

  it('refuses an invalid or catastrophic regex with exit 2', async () => {
    const root = tempRoot();
    for (const pattern of ['/[unclosed/', '/(a|a)*$/']) {
      const r = await aiw(['learn-fix', 'deploy', pattern, 'why', 'fix'], { root: root.dir });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/aiw: /);
    }
  });

  it('refuses an unknown remedy tool, naming the closest ones (exit 2)', async () => {
    const root = tempRoot({ 'tools/t.yaml': TOOLS });
    const r = await aiw(['learn-fix', 'deploy', 'manifest unknown', 'why', 'fix', '--remedy-tool', 'make_tokn'], { root: root.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown tool 'make_tokn'");
    expect(r.stderr).toContain("'make_token'");
  });

  it('refuses remedy arguments the tool does not take', async () => {
    const root = tempRoot({ 'tools/t.yaml': TOOLS });
    const r = await aiw(['learn-fix', 'deploy', 'manifest unknown', 'why', 'fix', '--remedy-tool', 'make_token', '--remedy-arg', 'nope=1'], { root: root.dir });
    expect(r.code).toBe(2);
  });

  it('says which fields are missing', async () => {
    const r = await aiw(['learn-fix', 'deploy', '--pattern', 'x'], { root: tempRoot().dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('learn-fix needs --root-cause, --fix');
  });

  it('does not save a pattern holding a secret, and masks secrets in the rest', async () => {
    const root = tempRoot();
    const bad = await aiw(['learn-fix', 'deploy', 'token=supersecretvalue1', 'why', 'fix'], { root: root.dir });
    expect(bad.code).toBe(2);
    const ok = await aiw(['learn-fix', 'deploy', 'boom', 'password=hunter2hunter2 leaked', 'fix'], { root: root.dir });
    expect(ok.code).toBe(0);
    expect(readFileSync(root.path('memory/learned/tool_fixes.yaml'), 'utf8')).not.toContain('hunter2hunter2');
  });
});

describe('learn-fix for a tool this project does not have', () => {
  it('saves it under that exact name, noting the closest tools', async () => {
    const root = tempRoot({ 'tools/t.yaml': TOOLS });
    const r = await aiw(['learn-fix', 'make_tokn', 'boom', 'why', 'fix'], { root: root.dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("no tool named 'make_tokn' in this project (did you mean 'make_token'?)");
  });
});

describe('the learn_tool_fix built-in tool', () => {
  it('saves a fix from a skill step, and refuses a bad pattern as a failed step', async () => {
    const root = tempRoot({
      'tools/t.yaml': TOOLS,
      'skills/learn.yaml': `name: learn
steps:
  - name: save
    tool: learn_tool_fix
    args: { tool_name: deploy, error_pattern: "manifest unknown", root_cause: "short SHA", fix_description: "full SHA", remedy: { tool: make_token, args: { path: /tmp/x } } }
  - name: bad
    tool: learn_tool_fix
    args: { tool_name: deploy, error_pattern: "/(a+)+$/", root_cause: r, fix_description: f }
    on_error: continue
`,
    });
    const r = await aiw(['run', 'learn', '--json'], { root: root.dir });
    const doc = r.json<{ steps: Array<{ status: string; output?: { saved: Record<string, unknown>; text: string }; error?: string }> }>();
    expect(doc.steps[0]!.output!.saved).toMatchObject({ tool_name: 'deploy', error_pattern: 'manifest unknown', times_prevented: 0, remedy: { tool: 'make_token' } });
    expect(doc.steps[0]!.output!.text).toContain('✅ Saved tool fix to memory!');
    expect(doc.steps[1]).toMatchObject({ status: 'failed', error: expect.objectContaining({ message: expect.stringMatching(/backtrack catastrophically/) }) });
    expect(readFileSync(root.path('memory/learned/tool_fixes.yaml'), 'utf8')).toContain('error_pattern: "manifest unknown"');
  });
});
