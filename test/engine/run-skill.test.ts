import { describe, expect, it } from 'vitest';
import { aiw, tempRoot } from '../helpers/temp-root.js';

const TOOLS = `
tools:
  say:
    description: print the message
    command: [printf, "%s", "{{ message }}"]
    params:
      message: { type: string, required: true }
  argv:
    description: print each argument on its own line
    command: [printf, "%s\\n", "{{ items }}"]
    params:
      items: { type: array, required: true }
    parse: lines
  fail:
    description: fail with a message on stderr
    command: [sh, -c, "echo \\"$0\\" >&2; exit 3", "{{ message }}"]
    params:
      message: { type: string, default: boom }
  json_out:
    command: [printf, '{"n": 3, "tags": ["a", "b"]}']
    parse: json
`;

function project(skill: string) {
  return tempRoot({ 'tools/t.yaml': TOOLS, 'skills/s.yaml': skill });
}

interface Doc {
  status: string;
  steps: Array<{ name: string; type: string; status: string; output?: unknown; error?: { code: string; message: string; location?: { file: string; line?: number; col?: number }; hint?: string }; attempts?: number; tool?: string }>;
  outputs: Record<string, unknown>;
  returned?: unknown;
  inputs: Record<string, unknown>;
}

describe('aiw run', () => {
  it('runs tool, compute, description and then steps, and renders outputs', async () => {
    const root = project(`
name: s
inputs:
  - { name: who, type: string, default: world }
steps:
  - name: hello
    tool: say
    args: { message: "hi {{ inputs.who }}" }
  - name: manual
    description: check the dashboard by hand
  - name: shout
    compute: "return hello.toUpperCase()"
  - name: both
    then:
      - name: inner
        compute: "result = shout + '!'"
outputs:
  - name: text
    value: "{{ inner }}"
`);
    const r = await aiw(['run', 's', '--json'], { root: root.dir });
    expect(r.code).toBe(0);
    const doc = r.json<Doc>();
    expect(doc.status).toBe('success');
    expect(doc.steps.map((s) => [s.name, s.type, s.status])).toEqual([
      ['hello', 'tool', 'success'], ['manual', 'description', 'success'], ['shout', 'compute', 'success'], ['both', 'then', 'success'],
    ]);
    expect(doc.steps[0]!.output).toBe('hi world');
    expect(doc.outputs.text).toBe('HI WORLD!');
  });

  it('keeps the native type of a template that is exactly one expression', async () => {
    const root = project(`
name: s
steps:
  - name: data
    tool: json_out
  - name: list
    tool: argv
    args: { items: "{{ data.tags }}" }
  - name: check
    compute: "return { n: data.n + 1, isArray: Array.isArray(list) }"
outputs:
  - { name: n, value: "{{ check.n }}" }
  - { name: mixed, value: "n={{ check.n }}" }
`);
    const doc = (await aiw(['run', 's', '--json'], { root: root.dir })).json<Doc>();
    expect(doc.steps[1]!.output).toEqual(['a', 'b']);
    expect(doc.outputs).toEqual({ n: 4, mixed: 'n=4' });
  });

  it('never renders tool output as a template, and passes it to argv verbatim', async () => {
    const evil = "{{ 7*7 }} {% if true %}x{% endif %} $(id) `id` ; 'q' \"dq\"";
    const root = project(`
name: s
inputs:
  - { name: text, type: string, required: true }
steps:
  - name: first
    tool: say
    args: { message: "{{ inputs.text }}" }
  - name: again
    tool: say
    args: { message: "{{ first }}" }
outputs:
  - { name: out, value: "{{ again }}" }
`);
    const r = await aiw(['run', 's', '--json', '-i', `text=${evil}`], { root: root.dir });
    const doc = r.json<Doc>();
    expect(doc.steps[1]!.output).toBe(evil);
    expect(doc.outputs.out).toBe(evil);
  });

  it('does not autoescape: & stays & in arguments', async () => {
    const root = project(`
name: s
steps:
  - name: q
    tool: say
    args: { message: "a=1&b=<2>" }
  - name: r
    tool: say
    args: { message: "{{ q }}&c" }
`);
    const doc = (await aiw(['run', 's', '--json'], { root: root.dir })).json<Doc>();
    expect(doc.steps[1]!.output).toBe('a=1&b=<2>&c');
  });

  it('keeps a run-time error structured to the end: code, file:line in --json and once in the log', async () => {
    const root = project(`
name: s
steps:
  - name: first
    compute: "return 1"
  - name: go
    tool: say
    args: { message: "cd {{ steps.first.nope.path }}" }
`);
    const json = await aiw(['run', 's', '--json'], { root: root.dir });
    expect(json.code).toBe(1);
    const step = json.json<Doc>().steps[1]!;
    expect(step.error).toMatchObject({ code: 'TEMPLATE', location: { file: root.path('skills/s.yaml'), line: 6 } });
    const run = json.json<{ error: { step: string; code: string } }>();
    expect(run.error).toMatchObject({ step: 'go', code: 'TEMPLATE' });
    const plain = await aiw(['run', 's'], { root: root.dir, cwd: root.dir });
    expect(plain.code).toBe(1);
    const mentions = plain.stdout.split('\n').filter((l) => l.includes('skills/s.yaml:6:'));
    expect(mentions).toHaveLength(1);
    expect(plain.stdout).not.toMatch(/failed: step 'go'/);
  });

  it('reports a compute TypeError at the line of the skill file where it happened, once', async () => {
    const root = project(`
name: s
steps:
  - name: calc
    compute: |
      const pods = null;
      return pods.length;
`);
    const json = await aiw(['run', 's', '--json'], { root: root.dir });
    const step = json.json<Doc>().steps[0]!;
    expect(step.error?.message).toMatch(/TypeError/);
    expect(step.error?.location).toEqual({ file: root.path('skills/s.yaml'), line: 7 });
    const plain = await aiw(['run', 's'], { root: root.dir, cwd: root.dir });
    expect(plain.stdout.split('\n').filter((l) => l.includes('TypeError'))).toHaveLength(1);
    expect(plain.stdout).toContain('skills/s.yaml:7:1:');
  });

  it('refuses to start a skill whose arguments use an undefined name, naming the step, file and line', async () => {
    const root = project(`
name: s
steps:
  - name: go
    tool: say
    args: { message: "cd {{ resolved_repo.path }}" }
`);
    const r = await aiw(['run', 's', '--json'], { root: root.dir });
    expect(r.code).toBe(2);
    const [problem] = r.json<{ error: { problems: Array<{ file: string; line: number; message: string }> } }>().error.problems;
    expect(problem).toMatchObject({ file: root.path('skills/s.yaml'), line: 6 });
    expect(problem!.message).toMatch(/step 'go' args: 'resolved_repo' is not defined/);
  });

  it('refuses a condition that names nothing defined; a guarded one is false when the name is missing', async () => {
    const typo = project('name: s\nsteps:\n  - name: maybe\n    condition: "not_defined_anywhere"\n    tool: say\n    args: { message: x }\n');
    const refused = await aiw(['run', 's'], { root: typo.dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/step 'maybe' condition: 'not_defined_anywhere' is not defined/);
    const root = project(`
name: s
steps:
  - name: maybe
    condition: "steps.nothing_here is defined"
    tool: say
    args: { message: x }
  - name: templated
    condition: "{{ inputs_missing is defined and inputs_missing }}"
    tool: say
    args: { message: y }
  - name: always
    condition: "1 + 1 == 2"
    tool: say
    args: { message: z }
`);
    const doc = (await aiw(['run', 's', '--json'], { root: root.dir })).json<Doc>();
    expect(doc.steps.map((s) => s.status)).toEqual(['skipped', 'skipped', 'success']);
  });

  it('stops at a failing step by default (on_error: fail) and exits 1', async () => {
    const root = project(`
name: s
steps:
  - name: broken
    tool: fail
    args: { message: "it broke" }
  - name: never
    tool: say
    args: { message: x }
`);
    const r = await aiw(['run', 's', '--json'], { root: root.dir });
    expect(r.code).toBe(1);
    const doc = r.json<Doc>();
    expect(doc.status).toBe('failed');
    expect(doc.steps).toHaveLength(1);
    expect(doc.steps[0]!.error?.message).toContain('exit code 3');
    expect(doc.steps[0]!.error?.message).toContain('it broke');
    expect(doc.steps[0]!.error?.code).toBe('TOOL_FAILED');
  });

  it('goes on after on_error: continue, leaves the output undefined and the error in steps.<name>.error', async () => {
    const root = project(`
name: s
steps:
  - name: broken
    tool: fail
    on_error: continue
  - name: detect_failure_broken
    compute: "return { failed: steps.broken.status === 'failed', output: typeof broken, error: steps.broken.error }"
  - name: retry_broken
    condition: "steps.broken.status == 'failed'"
    tool: say
    args: { message: "retrying after: {{ steps.broken.error }}" }
`);
    const r = await aiw(['run', 's', '--json'], { root: root.dir });
    expect(r.code).toBe(0);
    const doc = r.json<Doc>();
    expect(doc.status).toBe('partial');
    expect(doc.steps[1]!.output).toMatchObject({ failed: true, output: 'undefined' });
    expect((doc.steps[1]!.output as { error: string }).error).toContain('boom');
    expect(doc.steps[2]!.status).toBe('success');
  });

  it('ends the skill early with return: inside then', async () => {
    const root = project(`
name: s
steps:
  - name: check
    compute: "return 0"
  - name: nothing_to_do
    condition: "check == 0"
    then:
      - return: { message: "no alerts", count: "{{ check }}" }
  - name: never
    tool: say
    args: { message: x }
`);
    const doc = (await aiw(['run', 's', '--json'], { root: root.dir })).json<Doc>();
    expect(doc.status).toBe('success');
    expect(doc.returned).toEqual({ message: 'no alerts', count: 0 });
    expect(doc.steps.map((s) => s.name)).toEqual(['check', 'nothing_to_do']);
  });

  it('runs a nested skill whose outputs become the step output', async () => {
    const root = project(`
name: s
steps:
  - name: child
    skill: child
    inputs: { n: 2 }
  - name: use
    compute: "return child.doubled * 10"
`);
    root.write('skills/child.yaml', `
name: child
inputs:
  - { name: n, type: integer, required: true }
steps:
  - name: double
    compute: "return inputs.n * 2"
outputs:
  - { name: doubled, value: "{{ double }}" }
`);
    const doc = (await aiw(['run', 's', '--json'], { root: root.dir })).json<Doc>();
    expect(doc.steps[0]!).toMatchObject({ type: 'skill', status: 'success', output: { doubled: 4 } });
    expect(doc.steps[1]!.output).toBe(40);
  });

  it('makes the parent partial when a nested skill went on past a failed step', async () => {
    const root = project(`
name: s
steps:
  - name: child
    skill: child
`);
    root.write('skills/child.yaml', 'name: child\nsteps:\n  - name: b\n    tool: fail\n    on_error: continue\n');
    const r = await aiw(['run', 's', '--json'], { root: root.dir });
    expect(r.code).toBe(0);
    const doc = r.json<Doc>();
    expect(doc.status).toBe('partial');
    expect(doc.steps[0]!.status).toBe('success');
  });

  it('converts inputs by type and lists every input when a required one is missing', async () => {
    const root = project(`
name: s
inputs:
  - { name: env, type: string, required: true, enum: [stage, prod], description: Target environment }
  - { name: count, type: integer, default: 1, description: How many }
  - { name: flag, type: boolean, default: false }
  - { name: tags, type: array, default: [] }
steps:
  - name: show
    compute: "return [typeof inputs.count, inputs.flag, inputs.tags.length]"
`);
    const ok = await aiw(['run', 's', '--json', '-i', 'env=stage', '-i', 'count=3', '-i', 'flag=true', '--inputs-json', '{"tags": ["x"]}'], { root: root.dir });
    expect(ok.code).toBe(0);
    expect(ok.json<Doc>().steps[0]!.output).toEqual(['number', true, 1]);
    const missing = await aiw(['run', 's'], { root: root.dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("missing required input 'env'");
    expect(missing.stderr).toContain('env (string, required, one of "stage"|"prod"): Target environment');
    expect(missing.stderr).toContain('count (integer, optional, default 1): How many');
    const bad = await aiw(['run', 's', '-i', 'env=qa', '-i', 'count=x'], { root: root.dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("input 'env' must be one of");
    expect(bad.stderr).toContain("input 'count' must be an integer");
  });

  it('stops a compute loop at its time limit and reports the line', async () => {
    const root = project(`
name: s
compute_timeout: 200ms
steps:
  - name: spin
    compute: |
      let i = 0;
      while (true) { i++; }
`);
    const r = await aiw(['run', 's', '--json'], { root: root.dir });
    expect(r.code).toBe(1);
    expect(r.json<Doc>().steps[0]!.error?.message).toMatch(/time limit/);
  });

  it('keeps compute code away from process, require and the host Function', async () => {
    const root = project(`
name: s
steps:
  - name: data
    tool: json_out
  - name: probe
    compute: |
      const out = {};
      out.process = typeof process;
      out.require = typeof require;
      try { out.escape = typeof data.constructor.constructor('return process')(); } catch (e) { out.escape = 'blocked: ' + e.message; }
      try { out.evalled = eval('1+1'); } catch (e) { out.evalled = 'blocked'; }
      return out;
`);
    const doc = (await aiw(['run', 's', '--json'], { root: root.dir })).json<Doc>();
    const out = doc.steps[1]!.output as Record<string, string>;
    expect(out.process).toBe('undefined');
    expect(out.require).toBe('undefined');
    expect(out.escape).toMatch(/^blocked/);
    expect(out.evalled).toBe('blocked');
  });

  it('--plan shows the steps and runs nothing', async () => {
    const root = project(`
name: s
steps:
  - name: broken
    tool: fail
`);
    const r = await aiw(['run', 's', '--plan'], { root: root.dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('1. broken: tool fail');
  });

  it('exits 2 for an unknown skill, with the closest names', async () => {
    const root = project('name: s\nsteps:\n  - name: a\n    description: x\n');
    const r = await aiw(['run', 'ss'], { root: root.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown skill 'ss'");
    expect(r.stderr).toContain("did you mean 's'");
  });

  it('exits 2 for invalid YAML, naming file:line:col and no stack trace', async () => {
    const root = project('name: s\nsteps:\n  - name: a\n    tool: [unclosed\n');
    const r = await aiw(['run', 's'], { root: root.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/s\.yaml:\d+:\d+: /);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 for a schema problem at the line of the offending key', async () => {
    const root = project('name: s\nsteps:\n  - name: a\n    tool: say\n    on_eror: continue\n');
    const r = await aiw(['run', 's'], { root: root.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("s.yaml:5:5: unknown property 'on_eror'");
  });
});

describe('compute sandbox', () => {
  it('sees every earlier output, and code cannot hijack how the host passes values in', async () => {
    const root = tempRoot({ 'skills/s.yaml': `
name: s
steps:
  - { name: a, compute: "return 1" }
  - name: attack
    compute: |
      try { Object.defineProperty(globalThis, '__aiw_pending', { set() { throw new Error('hijacked'); } }); return 'redefined'; }
      catch (e) { return 'refused'; }
  - { name: b, compute: "return a + 1" }
  - { name: c, compute: "return [a, b, steps.b.status, attack]" }
` });
    const r = await aiw(['run', 's', '--json'], { root: root.dir });
    expect(r.code).toBe(0);
    const doc = r.json<{ steps: Array<{ output: unknown }> }>();
    expect(doc.steps[3]!.output).toEqual([1, 2, 'success', 'refused']);
  });
});
