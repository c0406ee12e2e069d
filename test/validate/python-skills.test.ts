import { describe, expect, it } from 'vitest';
import { aiw, tempRoot } from '../helpers/temp-root.js';
import { jinjaPython } from '../helpers/python.js';

const python = jinjaPython();

const SKILL = `name: s
dialect: python
inputs:
  - { name: env, type: string, default: stage }
steps:
  - name: fine
    compute: |
      name = "{{ inputs.env }}"
      if not name:
          return None
      result = {"n": name, "d": {{ [1, 2] }}}
  - name: broken
    compute: |
      x = 1
      if x > 0
          result = x
  - name: guarded
    condition: "len(never_defined or []) == 0"
    compute: "result = inputs.get('env')"
`;

describe.skipIf(!python)('aiw validate on dialect: python skills', () => {
  it('reports a Python syntax error at its file:line:col, and an undefined name in a condition as a warning only', async () => {
    const root = tempRoot({ 'skills/s.yaml': SKILL });
    const r = await aiw(['validate', '--json'], { root: root.dir, env: { AIW_PYTHON: python! } });
    const doc = r.json<{ ok: boolean; problems: Array<{ line: number; col: number; message: string; severity?: string }> }>();
    expect(doc.problems.map((p) => [p.line, p.col, p.severity ?? 'error', p.message])).toEqual([
      [18, 16, 'warning', expect.stringMatching(/step 'guarded' condition: 'never_defined' is not defined .* the condition is false while it is undefined/)],
      [15, 15, 'error', "step 'broken': Python syntax error: expected ':'"],
    ]);
    expect(r.code).toBe(2);
  });

  it('passes a project whose only findings are warnings, and says when Python blocks could not be checked', async () => {
    const root = tempRoot({ 'skills/s.yaml': SKILL.replace('      if x > 0\n', '      if x > 0:\n') });
    const ok = await aiw(['validate'], { root: root.dir, env: { AIW_PYTHON: python! } });
    expect(ok.code).toBe(0);
    expect(ok.stderr).toMatch(/file OK \(1 warning\)/);
    const none = await aiw(['validate'], { root: root.dir, env: { AIW_PYTHON: root.path('no-python3') } });
    expect(none.code).toBe(0);
    expect(none.stdout).toMatch(/warning: Python compute blocks were not checked: cannot run/);
  });
});
