import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aiw, tempRoot } from '../helpers/temp-root.js';

const SEED = join(import.meta.dirname, '..', 'memory', 'fixtures', 'seed');

const TOOLS = `# cluster tools
tools:
  kubectl_get_pods:
    description: list pods
    command: [kubectl, get, pods, -n, "{{ namespace }}"]
    params:
      namespace: { type: string, required: true }
    auto_heal: k8s
    timeout: 30s

  slow_report:
    command: [sleep, "100"]
`;

interface Report { location: { file: string; line?: number }; failure_class: string | null; steps: string[]; learn_fix_command: string; suggested_pattern: string | null; definition: string; recent_failures: unknown[]; known_issues: unknown[] }

describe('aiw debug-tool', () => {
  it('shows where a YAML tool is defined, its YAML block, and auth steps naming the login to refresh', async () => {
    const root = tempRoot({ 'tools/k.yaml': TOOLS });
    const r = await aiw(['debug-tool', 'kubectl_get_pods', 'error: You must be logged in to the server (Unauthorized)', '--json'], { root: root.dir });
    expect(r.code).toBe(0);
    const doc = r.json<Report>();
    expect(doc.location).toEqual({ file: root.path('tools/k.yaml'), line: 3 });
    expect(doc.definition.split('\n')[0]).toBe('  kubectl_get_pods:');
    expect(doc.definition).toContain('timeout: 30s');
    expect(doc.definition).not.toContain('slow_report');
    expect(doc.failure_class).toBe('auth');
    expect(doc.steps.join('\n')).toContain("aiw tool kube_login -a 'cluster=<environment>'");
    expect(doc.steps.join('\n')).toContain('heal_commands.kube_login');
    expect(doc.learn_fix_command).toBe("aiw learn-fix --tool kubectl_get_pods --pattern 'You must be logged in to the server' --root-cause '<why it failed>' --fix '<what fixed it>'");
  });

  it('for a timeout, says to raise timeout:', async () => {
    const root = tempRoot({ 'tools/k.yaml': TOOLS });
    const doc = (await aiw(['debug-tool', 'slow_report', 'timed out after 30000 ms and was stopped', '--json'], { root: root.dir })).json<Report>();
    expect(doc.failure_class).toBe('timeout');
    expect(doc.steps.join('\n')).toContain('raise `timeout:`');
  });

  it('for an unknown class, lists the common mistakes from tool_fixes.yaml', async () => {
    const root = tempRoot({ 'tools/k.yaml': TOOLS, 'memory/learned/tool_fixes.yaml': readFileSync(join(SEED, 'tool_fixes.yaml'), 'utf8') });
    const r = await aiw(['debug-tool', 'slow_report', 'Error: prompt requires a TTY'], { root: root.dir });
    expect(r.stdout).toContain('missing_flags: CLI tools often need --yes/--force for automation');
    expect(r.stdout).toContain('wrong_formats:');
    expect(r.stdout).toMatch(/How to find and fix the cause:\n 1\. /);
  });

  it('finds the source line of a built-in tool', async () => {
    const doc = (await aiw(['debug-tool', 'kube_login', '--json'], { root: tempRoot().dir })).json<Report>();
    expect(doc.location.file).toBe('src/tools/builtin/heal-tools.ts');
    const source = readFileSync(join(import.meta.dirname, '..', '..', doc.location.file), 'utf8').split('\n');
    expect(source[doc.location.line! - 1]).toContain("'kube_login'");
    const memoryTool = (await aiw(['debug-tool', 'check_known_issues', '--json'], { root: tempRoot().dir })).json<Report>();
    expect(memoryTool.location.file).toBe('src/learn/memory-tools.ts');
    expect(memoryTool.location.line).toBeGreaterThan(1);
  });

  it('refuses an unknown tool, listing the closest names (exit 2)', async () => {
    const r = await aiw(['debug-tool', 'kubectl_get_pod'], { root: tempRoot({ 'tools/k.yaml': TOOLS }).dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("did you mean 'kubectl_get_pods'");
  });

  it('quotes a suggested pattern safely for the shell', async () => {
    const root = tempRoot({ 'tools/k.yaml': TOOLS });
    const doc = (await aiw(['debug-tool', 'slow_report', "exit code 1: can't open display; it's gone", '--json'], { root: root.dir })).json<Report>();
    expect(doc.suggested_pattern).toBe("can't open display; it's gone");
    expect(doc.learn_fix_command).toContain(`--pattern 'can'\\''t open display; it'\\''s gone'`);
  });
});

describe('the debug_tool built-in tool', () => {
  it('gives a skill step the report and its text', async () => {
    const root = tempRoot({ 'tools/k.yaml': TOOLS, 'skills/d.yaml': 'name: d\nsteps:\n  - name: dbg\n    tool: debug_tool\n    args: { tool_name: kubectl_get_pods, error_text: "error: You must be logged in to the server (Unauthorized)" }\n' });
    const doc = (await aiw(['run', 'd', '--json'], { root: root.dir })).json<{ steps: Array<{ status: string; output: Report & { text: string } }> }>();
    expect(doc.steps[0]!.status).toBe('success');
    expect(doc.steps[0]!.output.failure_class).toBe('auth');
    expect(doc.steps[0]!.output.text).toContain('How to find and fix the cause:');
  });
});
