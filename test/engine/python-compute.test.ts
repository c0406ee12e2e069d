import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { aiw, tempRoot } from '../helpers/temp-root.js';
import { jinjaPython } from '../helpers/python.js';

const python = jinjaPython();

const TOOLS = `
tools:
  say:
    command: [printf, "%s", "{{ message }}"]
    params:
      message: { type: string, required: true }
`;

interface Doc {
  status: string;
  steps: Array<{ name: string; status: string; output?: unknown; error?: { message: string }; classification?: { class: string } | null }>;
  outputs: Record<string, unknown>;
}

function project(skill: string, files: Record<string, string> = {}) {
  return tempRoot({ 'tools/t.yaml': TOOLS, 'skills/s.yaml': skill, ...files });
}

async function runSkill(root: string, extra: string[] = [], env: Record<string, string> = {}) {
  return aiw(['run', 's', '--json', ...extra], { root, env: { AIW_PYTHON: python!, ...env } });
}

describe.skipIf(!python)('dialect: python compute steps', () => {
  it('see inputs as a dict, earlier outputs by name, the ready-made names and the team helpers under scripts/common', async () => {
    const root = project(`
name: s
dialect: python
inputs:
  - { name: team, type: string, default: ops }
steps:
  - name: hello
    tool: say
    args: { message: "status: green" }
  - name: summary
    compute: |
      import json
      when = datetime(2024, 1, 2, tzinfo=ZoneInfo("UTC")) + timedelta(days=1)
      summary = {
          "team": inputs.get("team"),
          "missing": inputs.get("nope", "fallback"),
          "hello": hello,
          "parsed": hello_parsed["status"],
          "words": parsers.words(hello),
          "day": when.strftime("%Y-%m-%d"),
          "digits": re.findall(r"\\d", "a1b2"),
          "cwd_is_root": os.path.isdir("scripts/common"),
          "json": json.dumps([1]),
      }
`, {
      'scripts/__init__.py': '',
      'scripts/common/__init__.py': '',
      'scripts/common/parsers.py': 'def words(text):\n    return text.replace(":", "").split()\n',
    });
    const r = await runSkill(root.dir);
    expect(r.code).toBe(0);
    expect(r.json<Doc>().steps[1]!.output).toEqual({
      team: 'ops', missing: 'fallback', hello: 'status: green', parsed: 'green', words: ['status', 'green'],
      day: '2024-01-03', digits: ['1', '2'], cwd_is_root: true, json: '[1]',
    });
  });

  it("take the value named like the step's output, else result, else a top-level return; variables do not persist", async () => {
    const root = project(`
name: s
dialect: python
steps:
  - name: named
    output: total
    compute: |
      helper = 5
      result = "ignored"
      total = helper * 2
  - name: by_result
    compute: |
      result = total + 1
  - name: by_return
    compute: |
      items = [total, by_result]
      if not items:
          return []
      return sum(items)
  - name: leak
    compute: |
      result = "helper" in dir()
`);
    const r = await runSkill(root.dir);
    const steps = r.json<Doc>().steps;
    expect(steps.map((s) => s.output)).toEqual([10, 11, 21, false]);
  });

  it('renders the block as a Jinja2 template first, and runs a block that is not a valid template as written', async () => {
    const root = project(`
name: s
dialect: python
inputs:
  - { name: sha, type: string, default: "0123456789abcdef" }
steps:
  - name: templated
    compute: |
      result = "{{ inputs.sha[:8] }}"
  - name: literal
    compute: |
      data = {"a": {"b": 1}}
      text = "{{" + "not jinja }} {{ x"
      result = [data["a"]["b"], text]
`);
    const r = await runSkill(root.dir);
    expect(r.json<Doc>().steps.map((s) => s.output)).toEqual(['01234567', [1, '{{not jinja }} {{ x']]);
  });

  it('pastes values into a block as data: text stays inside its string literal, and text that would run as code fails the step', async () => {
    const hostile = 'x" + str(__import__("os").getpid()) + "\\\n{y}';
    const root = project(`
name: s
dialect: python
inputs:
  - { name: v, type: string }
  - { name: n, type: integer, default: 41 }
steps:
  - name: quoted
    compute: |
      result = "{{ inputs.v }}"
  - name: single_and_f
    compute: |
      result = ['{{ inputs.v }}', f"{{ inputs.v }}|{1 + 1}"]  # note {{ inputs.v }}
  - name: numbers_and_lists
    compute: |
      result = [{{ inputs.n }} + 1, {{ [1, "two"] }}, {{ inputs.missing }}None]
  - name: as_code
    compute: |
      result = {{ inputs.v }}
`);
    const r = await aiw(['run', 's', '--json', '--inputs-json', JSON.stringify({ v: hostile })], { root: root.dir, env: { AIW_PYTHON: python! } });
    const steps = r.json<Doc>().steps;
    expect(steps[0]!.output).toBe(hostile);
    expect(steps[1]!.output).toEqual([hostile, `${hostile}|2`]);
    expect(steps[2]!.output).toEqual([42, [1, 'two'], null]);
    expect(steps[3]!.status).toBe('failed');
    expect(steps[3]!.error?.message).toMatch(/would run as code; read the value as a variable instead/);
  });

  it('names the skill file and the line inside the block when a block raises, and the skill goes on as in the original', async () => {
    const root = project(`
name: s
dialect: python
steps:
  - name: broken
    compute: |
      first = 1
      second = {}["missing"]
  - name: after
    compute: "result = 'still ran'"
`);
    const r = await runSkill(root.dir);
    const doc = r.json<Doc>();
    expect(doc.status).toBe('partial');
    expect(doc.steps[0]!.error?.message).toMatch(/KeyError: 'missing'/);
    expect(doc.steps[0]!.error?.message).toContain(`${root.path('skills/s.yaml')}:8`);
    expect(doc.steps[1]!.output).toBe('still ran');
  });

  it('stops a runaway block at its time limit with class timeout, and the next block runs in a fresh worker', async () => {
    const root = project(`
name: s
dialect: python
compute_timeout: 1s
steps:
  - name: before
    compute: "result = 'kept'"
  - name: spin
    compute: |
      while True:
          pass
  - name: next
    compute: "result = before + ' after restart'"
`);
    const r = await runSkill(root.dir);
    const steps = r.json<Doc>().steps;
    expect(steps[1]!.status).toBe('failed');
    expect(steps[1]!.classification?.class).toBe('timeout');
    expect(steps[1]!.error?.message).toMatch(/time limit/);
    expect(steps[2]!.output).toBe('kept after restart');
  });

  it('fails the step whose block ends the worker, and the next block runs in a fresh one', async () => {
    const root = project(`
name: s
dialect: python
steps:
  - name: first
    compute: "result = 'kept'"
  - name: dies
    compute: "os._exit(3)"
  - name: next
    compute: "result = first + ' again'"
`);
    const steps = (await runSkill(root.dir)).json<Doc>().steps;
    expect(steps[1]!.status).toBe('failed');
    expect(steps[1]!.error?.message).toMatch(/the Python worker stopped \(exit code 3\)/);
    expect(steps[2]!.output).toBe('kept again');
  });

  it('says how to install Python when python3 is missing, naming the step', async () => {
    const root = project(`
name: s
dialect: python
steps:
  - name: calc
    compute: "result = 1"
`);
    const r = await runSkill(root.dir, [], { AIW_PYTHON: root.path('no-such-python3') });
    const step = r.json<Doc>().steps[0]!;
    expect(step.status).toBe('failed');
    expect(step.error?.message).toMatch(/step 'calc'.*Install Python 3/);
  });

  it('takes the dialect from aiw.config.yaml skills.dialect when the skill does not say it', async () => {
    const root = project(`
name: s
steps:
  - name: calc
    compute: "result = [len('abc'), str(True)]"
`, { 'aiw.config.yaml': 'skills:\n  dialect: python\n' });
    const r = await runSkill(root.dir);
    expect(r.json<Doc>().steps[0]!.output).toEqual([3, 'True']);
  });

  it('never starts Python for a skill without the python dialect', async () => {
    const root = project(`
name: s
steps:
  - name: calc
    compute: "return 1 + 1"
  - name: shown
    tool: say
    args: { message: "{{ calc }}" }
`);
    const marker = root.path('python-started');
    const fake = root.script('fake-python', `touch ${marker}\nexec ${python} "$@"`);
    const r = await runSkill(root.dir, [], { AIW_PYTHON: fake });
    expect(r.code).toBe(0);
    expect(r.json<Doc>().steps[1]!.output).toBe('2');
    expect(existsSync(marker)).toBe(false);
  });

  it('serves every block, template and nested skill of a run from one Python process', async () => {
    const root = project(`
name: s
dialect: python
steps:
  - name: a
    compute: "result = 1"
  - name: b
    condition: "a == 1"
    compute: "result = a + 1"
  - name: nested
    skill: child
  - name: c
    tool: say
    args: { message: "{{ b }} {{ nested }}" }
`, { 'skills/child.yaml': 'name: child\ndialect: python\nsteps:\n  - name: x\n    compute: "result = 7"\noutputs:\n  - { name: x, value: "{{ x * 2 }}" }\n' });
    const log = root.path('starts.log');
    const fake = root.script('fake-python', `echo started >> ${log}\nexec ${python} "$@"`);
    const r = await runSkill(root.dir, [], { AIW_PYTHON: fake });
    expect(r.json<Doc>().steps[3]!.output).toBe("2 {'x': 14}");
    expect(readFileSync(log, 'utf8').trim().split('\n')).toHaveLength(1);
  });
});
