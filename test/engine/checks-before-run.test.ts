import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { aiw, tempRoot } from '../helpers/temp-root.js';

/** A first step with a side effect (a file it creates), then a step with a mistake in it. */
function project(second: string) {
  const root = tempRoot();
  root.write('tools/t.yaml', `
tools:
  touch:
    command: [touch, "{{ path }}"]
    params: { path: { type: string, required: true } }
  say:
    command: [printf, "%s", "{{ message }}"]
    params: { message: { type: string, required: true } }
`);
  root.write('skills/s.yaml', `name: s
inputs:
  - { name: port, type: integer, default: 80 }
steps:
  - name: side_effect
    tool: touch
    args: { path: "${root.path('touched')}" }
${second}`);
  return root;
}

describe('aiw run checks everything before the first step', () => {
  const mistakes: Array<[string, string, RegExp]> = [
    ['a misspelt input', '  - name: use\n    tool: say\n    args: { message: "{{ inputs.prot }}" }\n', /skills\/s\.yaml:10:\d+: .*'inputs\.prot' is not a declared input/],
    ['a wrong tool param', '  - name: use\n    tool: say\n    args: { mesage: "x" }\n', /skills\/s\.yaml:10:\d+: .*has no param 'mesage'/],
    ['compute that does not compile', '  - name: use\n    compute: "return (;"\n', /skills\/s\.yaml:9:\d+: .*does not compile/],
    ['an unknown filter', '  - name: use\n    tool: say\n    args: { message: "{{ side_effect | lenght }}" }\n', /skills\/s\.yaml:10:\d+: .*unknown filter 'lenght' \(did you mean 'length'\?\)/],
    ['a misspelt name in an expression condition', '  - name: use\n    condition: "dwn | length == 0"\n    compute: "return 1"\n', /skills\/s\.yaml:9:\d+: .*'dwn' is not defined/],
  ];
  for (const [what, step, message] of mistakes) {
    it(`${what}: exit 2 with file:line:col, and nothing ran`, async () => {
      const root = project(step);
      const r = await aiw(['run', 's'], { root: root.dir, cwd: root.dir });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(existsSync(root.path('touched'))).toBe(false);
    });
  }

  it('prints one JSON document with every problem under --json', async () => {
    const root = project('  - name: use\n    tool: say\n    args: { message: "{{ inputs.prot }}" }\n');
    const r = await aiw(['run', 's', '--json'], { root: root.dir });
    expect(r.code).toBe(2);
    const doc = r.json<{ error: { code: string; problems: Array<{ line: number; message: string }> } }>();
    expect(doc.error.problems).toEqual([expect.objectContaining({ line: 10, message: expect.stringMatching(/inputs\.prot/) })]);
  });

  it('checks the skills a skill calls too', async () => {
    const root = project('  - name: child\n    skill: child\n');
    root.write('skills/child.yaml', 'name: child\nsteps:\n  - name: c\n    tool: say\n    args: { message: "{{ nope }}" }\n');
    const r = await aiw(['run', 's'], { root: root.dir, cwd: root.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/skills\/child\.yaml:5:\d+: .*'nope' is not defined/);
    expect(existsSync(root.path('touched'))).toBe(false);
  });

  it('takes the project from the skill file given by path, wherever the shell is', async () => {
    const root = project('');
    const elsewhere = tempRoot({ 'skills/other.yaml': 'name: other\nsteps:\n  - { name: x, compute: "return 1" }\n' });
    const r = await aiw(['run', root.path('skills/s.yaml')], { cwd: elsewhere.dir });
    expect(r.code).toBe(0);
    expect(existsSync(root.path('touched'))).toBe(true);
  });
});

describe('conditions at run time', () => {
  it('a missing key makes a condition false, with a warning, never true through a filter', async () => {
    const root = project(`  - name: check
    compute: "return { up: ['a'] }"
  - name: healthy
    condition: "check.dwn | length == 0"
    compute: "return 'healthy'"
`);
    const r = await aiw(['run', 's', '--json'], { root: root.dir });
    expect(r.code).toBe(0);
    const doc = r.json<{ steps: Array<{ name: string; status: string }> }>();
    expect(doc.steps.find((s) => s.name === 'healthy')?.status).toBe('skipped');
    expect(r.stderr).toMatch(/skills\/s\.yaml:10: step 'healthy' condition: 'check\.dwn \| length == 0' uses a name or key that is not defined; the condition is taken as false/);
  });

  it('a condition that asks about definedness itself is evaluated as written', async () => {
    const root = project(`  - name: check
    compute: "return { up: ['a'] }"
  - name: no_down_list
    condition: "check.dwn is not defined"
    compute: "return 'fine'"
`);
    const r = await aiw(['run', 's', '--json'], { root: root.dir });
    const doc = r.json<{ steps: Array<{ name: string; status: string }> }>();
    expect(doc.steps.find((s) => s.name === 'no_down_list')?.status).toBe('success');
    expect(r.stderr).not.toMatch(/not defined; the condition/);
  });
});
