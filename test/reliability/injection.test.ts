import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { aiw, tempRoot, type TempRoot } from '../helpers/temp-root.js';

/**
 * Promise: text that comes from outside the skill and tool files (inputs, tool output, memory) is
 * data. It reaches a process as exactly the argv item it was, appears in reports as it was, and is
 * never evaluated: not as a template, not by a shell, not as code.
 */

/** Payloads that something, somewhere, might evaluate. `PWNED` is created if anything does. */
function payloads(root: TempRoot): string[] {
  const pwned = root.path('PWNED');
  return [
    '{{ 7 * 7 }}',
    '{% for x in [1,2] %}{{ x }}{% endfor %}',
    '{{ range.constructor("return process")().pid }}',
    '{# a comment #}',
    `$(touch ${pwned})`,
    `\`touch ${pwned}\``,
    `a; touch ${pwned}`,
    `x && touch ${pwned} || touch ${pwned}`,
    `| touch ${pwned}`,
    `> ${pwned}`,
    `it's "quoted" \\"escaped\\" \\n`,
    'line one\nline two\r\nline three\n',
    '$HOME ${HOME} %PATH% ~ * ?',
    '-rf --help',
    '   padded   ',
    'ünïcödé 💥 \u202e rtl',
    '<script>alert(1)</script> &amp; &',
  ];
}

/**
 * A tool that records its argv (NUL-separated, so every byte shows) in $ARGV_DIR/<tag> and prints
 * its second argument back: a tool's output is then exactly what it was given.
 */
function project(): TempRoot {
  const root = tempRoot();
  root.script('bin/argv', 'tag=$1; shift; : > "$ARGV_DIR/$tag"; for a in "$@"; do printf \'%s\\0\' "$a" >> "$ARGV_DIR/$tag"; done; printf \'%s\' "$1"');
  root.script('bin/emit', 'cat "$PAYLOAD_FILE"');
  root.script('bin/fail', 'echo "error: widget jammed" >&2; exit 1');
  root.write('argv/.keep', '');
  root.write('tools/t.yaml', `tools:
  record:
    command: ["${root.path('bin/argv')}", "{{ tag }}", "{{ value }}", "prefix-{{ value }}-suffix"]
    params: { tag: { type: string, required: true }, value: { type: string } }
    remedy_safe: true
  emit:
    command: ["${root.path('bin/emit')}"]
  failing:
    command: ["${root.path('bin/fail')}"]
`);
  root.write('skills/from_input.yaml', `name: from_input
inputs: [{ name: value, type: string, required: true }]
steps:
  - { name: call, tool: record, args: { tag: input, value: "{{ inputs.value }}" } }
outputs:
  - { name: echoed, value: "{{ call }}" }
`);
  root.write('skills/from_output.yaml', `name: from_output
steps:
  - { name: emitted, tool: emit }
  - { name: call, tool: record, args: { tag: output, value: "{{ emitted }}" } }
outputs:
  - { name: echoed, value: "{{ call }}" }
`);
  root.write('skills/from_memory.yaml', `name: from_memory
steps:
  - { name: call, tool: failing, on_error: auto_heal }
`);
  return root;
}

function argvOf(root: TempRoot, tag: string): string[] {
  return readFileSync(root.path('argv', tag), 'utf8').split('\0').slice(0, -1);
}

const env = (root: TempRoot, extra: Record<string, string> = {}) => ({ ARGV_DIR: root.path('argv'), PAYLOAD_FILE: root.path('payload'), ...extra });

describe('injection: inputs, tool output and memory text are data', () => {
  it('an input reaches the process as exactly one argv item, and comes back verbatim in --json and the report', async () => {
    const root = project();
    for (const p of payloads(root)) {
      const json = await aiw(['run', 'from_input', '--inputs-json', JSON.stringify({ value: p }), '--json'], { root: root.dir, env: env(root) });
      expect({ p, code: json.code }).toEqual({ p, code: 0 });
      expect(argvOf(root, 'input')).toEqual([p, `prefix-${p}-suffix`]);
      const doc = json.json<{ steps: Array<{ output: string }>; outputs: { echoed: string }; inputs: { value: string } }>();
      expect(doc.inputs.value).toBe(p);
      expect(doc.steps[0]!.output).toBe(p.replace(/\n$/, ''));
      expect(doc.outputs.echoed).toBe(p.replace(/\n$/, ''));
      // The log shows text with its control characters made visible, and otherwise as it is.
      const plain = await aiw(['run', 'from_input', '-i', `value=${p}`], { root: root.dir, env: env(root) });
      expect(plain.code).toBe(0);
      if (!/[\r]/.test(p)) expect(plain.stdout).toContain(p.trim());
    }
    expect(existsSync(root.path('PWNED'))).toBe(false);
  });

  it("a tool's output passed to the next tool arrives as exactly one argv item, never rendered again", async () => {
    const root = project();
    for (const p of payloads(root)) {
      root.write('payload', p);
      const r = await aiw(['run', 'from_output', '--json'], { root: root.dir, env: env(root) });
      expect({ p, code: r.code }).toEqual({ p, code: 0 });
      const shown = p.replace(/\n$/, '');
      expect(argvOf(root, 'output')).toEqual([shown, `prefix-${shown}-suffix`]);
      expect(r.json<{ steps: Array<{ output: string }> }>().steps.map((s) => s.output)).toEqual([shown, shown]);
    }
    expect(existsSync(root.path('PWNED'))).toBe(false);
  });

  it('memory text (a learned fix, a known pattern and its commands) is shown verbatim and never run', async () => {
    const root = project();
    const [template, loop, escape, , subshell, backticks, chained] = payloads(root);
    const saved = await aiw(['learn-fix', '--tool', 'failing', '--pattern', 'widget jammed', '--root-cause', `${template} ${escape}`, '--fix', `${subshell}; ${backticks}`], { root: root.dir });
    expect(saved.code).toBe(0);
    root.write('memory/learned/patterns.yaml', `error_patterns:\n  - pattern: "widget jammed"\n    meaning: ${JSON.stringify(loop)}\n    fix: ${JSON.stringify(chained)}\n    commands: [${JSON.stringify(subshell)}, ${JSON.stringify(backticks)}]\n`);
    const r = await aiw(['run', 'from_memory', '--json'], { root: root.dir, env: env(root) });
    expect(r.code).toBe(0);
    const matches = r.json<{ steps: Array<{ known_issues: Array<Record<string, unknown>> }> }>().steps[0]!.known_issues;
    expect(matches).toEqual(expect.arrayContaining([
      expect.objectContaining({ root_cause: `${template} ${escape}`, fix: `${subshell}; ${backticks}` }),
      expect.objectContaining({ meaning: loop, fix: chained, commands: [subshell, backticks] }),
    ]));
    const plain = await aiw(['known-issues', '--tool', 'failing', '--error', 'widget jammed'], { root: root.dir });
    for (const text of [template!, escape!, subshell!, backticks!, loop!, chained!]) expect(plain.stdout).toContain(text);
    expect(existsSync(root.path('PWNED'))).toBe(false);
  });

  it('a NUL byte cannot be an argv item: the call fails before anything runs, with a clear error (never truncated at the NUL)', async () => {
    const root = project();
    const r = await aiw(['run', 'from_input', '--inputs-json', JSON.stringify({ value: 'safe\u0000; touch PWNED' }), '--json'], { root: root.dir, env: env(root) });
    expect(r.code).toBe(1);
    const step = r.json<{ steps: Array<{ status: string; error: { message: string } }> }>().steps[0]!;
    expect(step.status).toBe('failed');
    expect(step.error.message).toMatch(/cannot start .*bin\/argv: .*must be a string without null bytes/);
    expect(existsSync(root.path('argv', 'input'))).toBe(false);
    expect(r.stderr).not.toMatch(/\n {4}at /);
    // The same from a tool's output: the NUL shows as \u0000 in JSON, and the next call is refused.
    root.write('payload', 'before\u0000after');
    const o = await aiw(['run', 'from_output', '--json'], { root: root.dir, env: env(root) });
    expect(o.code).toBe(1);
    const steps = o.json<{ steps: Array<{ status: string; output?: string; error?: { message: string } }> }>().steps;
    expect(steps[0]!.output).toBe('before\u0000after');
    expect(steps[1]!.error?.message).toMatch(/must be a string without null bytes/);
    expect(o.stdout).toContain('before\\u0000after');
    expect(readdirSync(root.path('argv'))).toEqual(['.keep']);
  });

  it('a learned remedy whose args hold a template cannot reach the host through it', async () => {
    const root = project();
    root.write('memory/learned/tool_fixes.yaml', `tool_fixes:
  - tool_name: failing
    error_pattern: "widget jammed"
    root_cause: r
    fix_applied: f
    times_prevented: 0
    remedy: { tool: record, args: { tag: remedy, value: "{{ range.constructor(\\"return process\\")().pid }}" } }
`);
    // Trusted as a person would, so that it really runs (an untrusted remedy is only suggested).
    expect((await aiw(['memory', 'trust', 'failing', 'widget jammed'], { root: root.dir, env: env(root) })).code).toBe(0);
    const r = await aiw(['run', 'from_memory', '--json'], { root: root.dir, env: env(root) });
    expect(r.code).toBe(0);
    const recorded = existsSync(root.path('argv', 'remedy')) ? argvOf(root, 'remedy') : [];
    expect(recorded.join(' ')).not.toContain(String(process.pid));
  });

  // Found by this suite: a learned remedy's args (from tool_fixes.yaml) were rendered as templates,
  // so `{{ env.GITHUB_TOKEN }}` in memory would have sent the token to the remedy tool.
  it('a learned remedy receives its args exactly as stored, never rendered', async () => {
    const root = project();
    root.write('memory/learned/tool_fixes.yaml', `tool_fixes:
  - tool_name: failing
    error_pattern: "widget jammed"
    root_cause: r
    fix_applied: f
    times_prevented: 0
    remedy: { tool: record, args: { tag: remedy, value: "{{ env.HOME }} {{ 7 * 7 }}" } }
`);
    expect((await aiw(['memory', 'trust', 'failing', 'widget jammed'], { root: root.dir, env: env(root) })).code).toBe(0);
    await aiw(['run', 'from_memory', '--json'], { root: root.dir, env: env(root) });
    expect(argvOf(root, 'remedy')).toEqual(['{{ env.HOME }} {{ 7 * 7 }}', 'prefix-{{ env.HOME }} {{ 7 * 7 }}-suffix']);
  });
});
