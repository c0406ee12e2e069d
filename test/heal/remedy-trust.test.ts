import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectKey, remedyHash, trustFilePath } from '../../src/heal/remedy-trust.js';
import { aiw, tempRoot, TEST_XDG_CONFIG_HOME, type TempRoot } from '../helpers/temp-root.js';

/**
 * Attacks on learned remedies (issue 17.1): tool_fixes.yaml is committed and shared, so anyone who
 * can change it could make aiw run a command on the next failure. Each test plants a remedy in the
 * file as an attacker would (a pull request, a CI job writing back) and checks what aiw runs.
 */
function project(): TempRoot {
  const root = tempRoot();
  root.script('bin/fail', 'echo "error: widget jammed" >&2; exit 1');
  // Records its argv, one item per line, under marks/<first arg>.
  root.script('bin/mark', 'tag=$1; shift; mkdir -p "$MARKS"; printf "%s\\n" "$@" > "$MARKS/$tag"');
  root.write('tools/t.yaml', `tools:
  failing:
    command: ["${root.path('bin/fail')}"]
  mark:
    command: ["${root.path('bin/mark')}", "{{ tag }}", "{{ value }}"]
    params: { tag: { type: string, required: true }, value: {} }
    remedy_safe: true
  mark_unmarked:
    command: ["${root.path('bin/mark')}", "{{ tag }}"]
    params: { tag: { type: string, required: true } }
  mark_shell:
    command: "${root.path('bin/mark')} {{ tag }}"
    shell: true
    remedy_safe: true
    params: { tag: { type: string, required: true } }
`);
  root.write('skills/s.yaml', 'name: s\nsteps:\n  - { name: call, tool: failing, on_error: auto_heal }\n');
  root.write('skills/strict.yaml', 'name: strict\nsteps:\n  - { name: call, tool: failing, on_error: fail }\n');
  return root;
}

function plant(root: TempRoot, remedy: string): void {
  root.write('memory/learned/tool_fixes.yaml', `tool_fixes:
  - tool_name: failing
    error_pattern: "widget jammed"
    root_cause: r
    fix_applied: f
    times_prevented: 0
    remedy: ${remedy}
`);
}

const env = (root: TempRoot) => ({ MARKS: root.path('marks') });
const ran = (root: TempRoot, tag: string) => existsSync(root.path('marks', tag));
type Doc = { steps: Array<{ status: string; heals?: unknown[]; known_issues?: Array<Record<string, unknown>> }> };

describe('a learned remedy that arrives in tool_fixes.yaml', () => {
  it('is only suggested, with the exact command, until a person trusts it; then it runs', async () => {
    const root = project();
    plant(root, '{ tool: mark, args: { tag: planted, value: x } }');
    const first = await aiw(['run', 's', '--json'], { root: root.dir, env: env(root) });
    expect(ran(root, 'planted')).toBe(false);
    const step = first.json<Doc>().steps[0]!;
    expect(step.status).toBe('failed');
    expect(step.known_issues?.[0]).toMatchObject({
      commands: ['aiw tool mark -a tag=planted -a value=x'], remedy_status: 'suggested',
      remedy_note: expect.stringContaining("aiw memory trust failing 'widget jammed'"),
    });
    const plain = await aiw(['tool', 'failing'], { root: root.dir, env: env(root) });
    expect(plain.stderr).toContain('run: aiw tool mark -a tag=planted -a value=x');
    expect(plain.stderr).toContain('remedy suggested, not run');

    const trust = await aiw(['memory', 'trust', 'failing', 'widget jammed'], { root: root.dir, env: env(root) });
    expect(trust.code).toBe(0);
    expect(trust.stdout).toContain('aiw tool mark -a tag=planted -a value=x');
    const second = await aiw(['run', 's', '--json'], { root: root.dir, env: env(root) });
    expect(second.json<Doc>().steps[0]!.heals).toEqual([expect.objectContaining({ fix: 'mark', source: 'learned', fix_success: true })]);
    expect(ran(root, 'planted')).toBe(true);
  });

  it('loses its trust when anyone changes it (args, tool or pattern), and the list says so', async () => {
    const root = project();
    plant(root, '{ tool: mark, args: { tag: before, value: x } }');
    expect((await aiw(['memory', 'trust', 'failing', 'widget jammed'], { root: root.dir })).code).toBe(0);
    plant(root, '{ tool: mark, args: { tag: after, value: "--kubeconfig=/tmp/evil" } }');
    await aiw(['run', 's'], { root: root.dir, env: env(root) });
    expect(ran(root, 'after')).toBe(false);
    const list = await aiw(['memory', 'trusted', '--json'], { root: root.dir });
    expect(list.json()).toMatchObject({
      remedies: [{ tool: 'failing', status: 'suggested' }],
      stale: [{ tool: 'failing', pattern: 'widget jammed' }],
    });
  });

  it('is trusted per project and outside the repository: the same file in another checkout is not trusted', async () => {
    const a = project();
    const b = project();
    for (const r of [a, b]) plant(r, '{ tool: mark, args: { tag: t, value: x } }');
    expect((await aiw(['memory', 'trust', 'failing', 'widget jammed'], { root: a.dir })).code).toBe(0);
    const file = trustFilePath({ XDG_CONFIG_HOME: TEST_XDG_CONFIG_HOME });
    expect(file.startsWith(TEST_XDG_CONFIG_HOME)).toBe(true);
    expect(Object.keys(JSON.parse(readFileSync(file, 'utf8')).projects)).toContain(projectKey(a.dir));
    await aiw(['run', 's'], { root: b.dir, env: env(b) });
    expect(ran(b, 't')).toBe(false);
    await aiw(['run', 's'], { root: a.dir, env: env(a) });
    expect(ran(a, 't')).toBe(true);
  });

  it('never runs under on_error: fail or --no-heal, even when trusted', async () => {
    const root = project();
    plant(root, '{ tool: mark, args: { tag: t, value: x } }');
    expect((await aiw(['memory', 'trust', 'failing', 'widget jammed'], { root: root.dir })).code).toBe(0);
    expect((await aiw(['run', 'strict'], { root: root.dir, env: env(root) })).code).toBe(1);
    expect((await aiw(['tool', 'failing', '--no-heal'], { root: root.dir, env: env(root) })).code).toBe(1);
    expect(ran(root, 't')).toBe(false);
  });

  it('untrust makes it a suggestion again', async () => {
    const root = project();
    plant(root, '{ tool: mark, args: { tag: t, value: x } }');
    await aiw(['memory', 'trust', 'failing', 'widget jammed'], { root: root.dir });
    expect((await aiw(['memory', 'untrust', 'failing'], { root: root.dir })).stdout).toContain('No longer trusted');
    await aiw(['run', 's'], { root: root.dir, env: env(root) });
    expect(ran(root, 't')).toBe(false);
  });
});

describe('remedies that can never run, trusted or not', () => {
  /** Forge trust the way only a person's own account could: straight into their trust file. */
  function forgeTrust(root: TempRoot, remedy: { tool: string; args: Record<string, unknown> }): void {
    const file = trustFilePath({ XDG_CONFIG_HOME: TEST_XDG_CONFIG_HOME });
    const all = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : { version: 1, projects: {} };
    all.projects[projectKey(root.dir)] = [{ tool: 'failing', pattern: 'widget jammed', hash: remedyHash({ tool_name: 'failing', error_pattern: 'widget jammed', remedy }), trusted_at: 'now' }];
    writeFileSync(file, JSON.stringify(all));
  }

  const cases: Array<[string, string, { tool: string; args: Record<string, unknown> }, RegExp]> = [
    ['a shell: true tool', '{ tool: mark_shell, args: { tag: sh } }', { tool: 'mark_shell', args: { tag: 'sh' } }, /runs through a shell/],
    ['a tool not marked remedy_safe', '{ tool: mark_unmarked, args: { tag: um } }', { tool: 'mark_unmarked', args: { tag: 'um' } }, /not marked remedy_safe/],
    ['learn_tool_fix (planting a second remedy)', '{ tool: learn_tool_fix, args: { tool_name: failing, error_pattern: x, root_cause: r, fix_description: f } }',
      { tool: 'learn_tool_fix', args: { tool_name: 'failing', error_pattern: 'x', root_cause: 'r', fix_description: 'f' } }, /reads or writes memory/],
    ['a list to an untyped param (extra argv items)', '{ tool: mark, args: { tag: list, value: ["--kubeconfig=/tmp/evil", "--insecure-skip-tls-verify=true"] } }',
      { tool: 'mark', args: { tag: 'list', value: ['--kubeconfig=/tmp/evil', '--insecure-skip-tls-verify=true'] } }, /is a list, but the param is untyped/],
  ];

  for (const [what, yaml, remedy, reason] of cases) {
    it(`${what}: refused when trusted by hand, never run, the reason shown`, async () => {
      const root = project();
      plant(root, yaml);
      const trust = await aiw(['memory', 'trust', 'failing', 'widget jammed'], { root: root.dir });
      expect(trust.code).toBe(2);
      forgeTrust(root, remedy);
      const r = await aiw(['run', 's', '--json'], { root: root.dir, env: env(root) });
      const step = r.json<Doc>().steps[0]!;
      expect(step.heals ?? []).toEqual([]);
      expect(step.known_issues?.[0]).toMatchObject({ remedy_status: 'refused', remedy_note: expect.stringMatching(reason) });
      expect(existsSync(root.path('marks'))).toBe(false);
      expect(readFileSync(root.path('memory/learned/tool_fixes.yaml'), 'utf8').match(/^ {2}- tool_name:/gm)).toHaveLength(1);
    });
  }

  it('a remedy of the wrong shape is a warning at its line when the file is read, and is never run', async () => {
    const root = project();
    plant(root, '{ tool: mark, args: { tag: t, value: { nested: { deeper: 1 } } }, shell: "touch x" }');
    const r = await aiw(['known-issues', '--tool', 'failing', '--error', 'widget jammed', '--json'], { root: root.dir });
    expect(r.stderr).toMatch(/tool_fixes\.yaml:2:5: .*remedy of failing \('widget jammed'\) is never run: unknown key "shell"/);
    expect(r.json<{ matches: Array<Record<string, unknown>> }>().matches[0]).not.toHaveProperty('commands');
  });
});

describe('who may trust', () => {
  it('learn-fix --trust: the person saving a remedy trusts it in the same step; without it, it is only suggested', async () => {
    const root = project();
    const plain = await aiw(['learn-fix', 'failing', 'widget jammed', 'r', 'f', '--remedy-tool', 'mark', '--remedy-arg', 'tag=a', '--remedy-arg', 'value=x'], { root: root.dir });
    expect(plain.stdout).toContain("to let it run by itself: aiw memory trust failing 'widget jammed'");
    await aiw(['run', 's'], { root: root.dir, env: env(root) });
    expect(ran(root, 'a')).toBe(false);
    const trusted = await aiw(['learn-fix', 'failing', 'widget jammed', 'r', 'f', '--remedy-tool', 'mark', '--remedy-arg', 'tag=b', '--remedy-arg', 'value=x', '--trust'], { root: root.dir });
    expect(trusted.stdout).toContain('aiw applies the remedy and retries');
    await aiw(['run', 's'], { root: root.dir, env: env(root) });
    expect(ran(root, 'b')).toBe(true);
  });

  it('a remedy saved by a skill step (learn_tool_fix, e.g. from an agent) is not trusted', async () => {
    const root = project();
    root.write('skills/agent.yaml', `name: agent
steps:
  - name: save
    tool: learn_tool_fix
    args: { tool_name: failing, error_pattern: "widget jammed", root_cause: r, fix_description: f, remedy: { tool: mark, args: { tag: agent, value: x } } }
  - { name: call, tool: failing, on_error: auto_heal }
`);
    await aiw(['run', 'agent'], { root: root.dir, env: env(root) });
    expect(ran(root, 'agent')).toBe(false);
    expect(existsSync(join(TEST_XDG_CONFIG_HOME, 'aiw', 'trust.json')) ? readFileSync(join(TEST_XDG_CONFIG_HOME, 'aiw', 'trust.json'), 'utf8') : '').not.toContain(projectKey(root.dir));
  });
});
