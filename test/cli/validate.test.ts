import { describe, expect, it } from 'vitest';
import { aiw, tempRoot } from '../helpers/temp-root.js';

const TOOLS = `
tools:
  say:
    command: [echo, "{{ message }}"]
    params:
      message: { type: string, required: true }
  bad_template:
    command: [echo, "{{ message", "{{ nope }}"]
    params:
      message: { type: string }
`;

describe('aiw validate', () => {
  it('exits 0 and says so when everything is clean', async () => {
    const root = tempRoot({
      'tools/t.yaml': 'tools:\n  say:\n    command: [echo, "{{ message }}"]\n    params: { message: { type: string, required: true } }\n',
      'skills/ok.yaml': 'name: ok\ninputs:\n  - { name: who, type: string }\nsteps:\n  - name: hi\n    tool: say\n    args: { message: "{{ inputs.who }}" }\n  - name: again\n    tool: say\n    args: { message: "{{ hi }}" }\n',
    });
    const r = await aiw(['validate'], { root: root.dir });
    expect(r.stderr).toContain('files OK');
    expect(r.code).toBe(0);
  });

  it('reports every problem in one pass as file:line:col and exits 2', async () => {
    const root = tempRoot({
      'tools/t.yaml': TOOLS,
      'skills/bad.yaml': [
        'name: bad',
        'inputs:',
        '  - { name: env, type: string }',
        'steps:',
        '  - name: first',
        '    tool: nope_tool',
        '  - name: second',
        '    tool: say',
        '    args: { message: "cd {{ resolved_repo.path }}", extra: 1 }',
        '  - name: second',
        '    tool: say',
        '  - name: third',
        '    condition: "{{ inputs.envv }}"',
        '    compute: "return (;"',
        '  - name: fourth',
        '    tool: say',
        '    args: { message: "{% if x %}unclosed" }',
        '',
      ].join('\n'),
    });
    const r = await aiw(['validate', '--json'], { root: root.dir });
    expect(r.code).toBe(2);
    const { problems } = r.json<{ problems: Array<{ file: string; line: number; col: number; message: string }> }>();
    const lines = problems.filter((p) => p.file.startsWith('skills')).map((p) => `${p.file}:${p.line}:${p.col}: ${p.message}`);
    // duplicate names are structural problems, reported before the reference checks run
    expect(lines).toEqual([expect.stringMatching(/skills\/bad\.yaml:10:\d+: duplicate step name 'second'/)]);
    const fixedDuplicate = await aiw(['validate'], { root: root.dir });
    expect(fixedDuplicate.code).toBe(2);

    root.write('skills/bad.yaml', [
      'name: bad',
      'inputs:',
      '  - { name: env, type: string }',
      'steps:',
      '  - name: first',
      '    tool: nope_tool',
      '  - name: second',
      '    tool: say',
      '    args: { message: "cd {{ resolved_repo.path }}", extra: 1 }',
      '  - name: missing_param',
      '    tool: say',
      '  - name: third',
      '    condition: "{{ inputs.envv }}"',
      '    compute: "return (;"',
      '  - name: fourth',
      '    tool: say',
      '    args: { message: "{% if x %}unclosed" }',
      '',
    ].join('\n'));
    const all = await aiw(['validate'], { root: root.dir });
    expect(all.code).toBe(2);
    const out = all.stdout;
    expect(out).toMatch(/skills\/bad\.yaml:6:\d+: step 'first': unknown tool 'nope_tool'/);
    expect(out).toMatch(/skills\/bad\.yaml:9:\d+: step 'second' args: 'resolved_repo' is not defined by any input, default or earlier step/);
    expect(out).toMatch(/skills\/bad\.yaml:9:\d+: step 'second': tool 'say' has no param 'extra'/);
    expect(out).toMatch(/skills\/bad\.yaml:10:\d+: step 'missing_param': tool 'say' needs param 'message'/);
    expect(out).toMatch(/skills\/bad\.yaml:13:\d+: step 'third' condition: 'inputs\.envv' is not a declared input/);
    expect(out).toMatch(/skills\/bad\.yaml:14:\d+: step 'third': compute code does not compile/);
    expect(out).toMatch(/skills\/bad\.yaml:17:\d+: step 'fourth' args: template does not parse/);
    expect(out).toMatch(/tools\/t\.yaml:\d+:\d+: tool 'bad_template': template does not parse/);
  });

  it('reports YAML syntax errors and schema errors with positions', async () => {
    const root = tempRoot({
      'skills/syntax.yaml': 'name: syntax\nsteps:\n  - name: a\n    args: {x: 1\n',
      'skills/schema.yaml': 'name: schema\nsteps:\n  - name: a\n    on_error: sometimes\n',
    });
    const r = await aiw(['validate'], { root: root.dir });
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/skills\/syntax\.yaml:\d+:\d+: /);
    expect(r.stdout).toContain('skills/schema.yaml:4:15: steps.0.on_error: must be one of "fail", "continue", "auto_heal"');
  });

  it('checks only the files it is given, and prints GitHub annotations on GitHub Actions', async () => {
    const root = tempRoot({
      'skills/good.yaml': 'name: good\nsteps:\n  - name: a\n    description: manual\n',
      'skills/bad.yaml': 'name: bad\nsteps:\n  - name: a\n    tool: ghost\n',
    });
    expect((await aiw(['validate', 'skills/good.yaml'], { root: root.dir })).code).toBe(0);
    const r = await aiw(['validate', 'skills/bad.yaml'], { root: root.dir, env: { GITHUB_ACTIONS: 'true' } });
    expect(r.code).toBe(2);
    expect(r.stdout).toContain("::error file=skills/bad.yaml,line=4,col=11::step 'a': unknown tool 'ghost'");
  });

  it('checks memory files: skipped entries and refused patterns with their lines, and changes nothing', async () => {
    const fixes = [
      'tool_fixes:',
      '  - tool_name: deploy',
      '    error_pattern: "manifest unknown"',
      '    root_cause: short SHA',
      '    fix_applied: use the full SHA',
      '    times_prevented: 0',
      '  - tool_name: deploy',
      '    error_pattern: "/(a+)+$/"',
      '    root_cause: x',
      '    fix_applied: y',
      '    times_prevented: 0',
      '',
    ].join('\n');
    const patterns = 'error_patterns:\n  - pattern: ok\n    meaning: fine\nbroken_patterns: "one long string"\n';
    const root = tempRoot({ 'memory/learned/tool_fixes.yaml': fixes, 'memory/learned/patterns.yaml': patterns });
    const r = await aiw(['validate'], { root: root.dir });
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/memory\/learned\/tool_fixes\.yaml:7:1: .*backtrack/);
    expect(r.stdout).toMatch(/memory\/learned\/patterns\.yaml:4:\d+: /);
    const named = await aiw(['validate', 'memory/learned/patterns.yaml'], { root: root.dir });
    // A category of another shape is the Python project's data, not a mistake: a warning, exit 0.
    expect(named.code).toBe(0);
    expect(named.stdout).toMatch(/^memory\/learned\/patterns\.yaml:4:\d+: warning: category "broken_patterns" skipped/);
    expect(named.stderr).toContain('(1 warning)');
    expect(named.stdout).not.toContain('tool_fixes');
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(root.path('memory/learned/tool_fixes.yaml'), 'utf8')).toBe(fixes);
    expect(readFileSync(root.path('memory/learned/patterns.yaml'), 'utf8')).toBe(patterns);
  });
});

describe('aiw validate says each problem once, in plain words', () => {
  it('keeps the other tools of a file when one tool has a bad key, and suggests the key meant', async () => {
    const root = tempRoot({
      'tools/t.yaml': 'tools:\n  good:\n    command: [echo, hi]\n  bad:\n    comand: [echo]\n    params:\n      x: { type: strin }\n',
      'skills/s.yaml': 'name: s\ninputs:\n  - { name: n, type: integer, default: "abc" }\nsteps:\n  - name: a\n    tool: good\n    on_eror: continue\n',
    });
    const r = await aiw(['validate', '--json'], { root: root.dir, cwd: root.dir });
    expect(r.code).toBe(2);
    const messages = r.json<{ problems: Array<{ file: string; line: number; col: number; message: string }> }>().problems.map((p) => `${p.file}:${p.line}:${p.col}: ${p.message}`);
    expect(messages).toEqual([
      "tools/t.yaml:5:5: unknown property 'comand' in tools.bad (did you mean 'command'?)",
      'tools/t.yaml:7:18: tools.bad.params.x.type: must be one of "string", "integer", "number", "boolean", "array", "object" (did you mean "string"?)',
      "skills/s.yaml:7:5: unknown property 'on_eror' in steps.0 (did you mean 'on_error'?)",
    ]);
    // The skill's schema problem hides its reference checks; fixed, 'good' is still a known tool.
    root.write('skills/s.yaml', 'name: s\ninputs:\n  - { name: n, type: integer, default: "abc" }\nsteps:\n  - name: a\n    tool: good\n    on_error: continue\n');
    const again = await aiw(['validate', 'skills/s.yaml'], { root: root.dir, cwd: root.dir });
    expect(again.stdout).toBe('skills/s.yaml:3:40: input \'n\' default must be an integer, got "abc"\n');
    expect(again.stderr).toBe('aiw validate: 1 problem in 1 file\n');
  });

  it('says that a tool needs a command or an http block in one message', async () => {
    const root = tempRoot({ 'tools/t.yaml': 'tools:\n  empty:\n    description: nothing to run\n' });
    const r = await aiw(['validate'], { root: root.dir, cwd: root.dir });
    expect(r.stdout).toBe("tools/t.yaml:3:5: tools.empty: needs one of 'command' or 'http'\n");
  });
});
