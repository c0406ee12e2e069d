import { describe, expect, it } from 'vitest';
import { aiw, tempRoot } from '../helpers/temp-root.js';
import { jinjaPython } from '../helpers/python.js';

const python = jinjaPython();

interface Doc {
  status: string;
  steps: Array<{ name: string; status: string; output?: unknown; error?: { message: string; location?: { line?: number } }; classification?: { class: string } | null }>;
}

async function run(skill: string): Promise<{ doc: Doc; stderr: string }> {
  const root = tempRoot({ 'skills/s.yaml': skill });
  const r = await aiw(['run', 's', '--json'], { root: root.dir, env: { AIW_PYTHON: python! } });
  return { doc: r.json<Doc>(), stderr: r.stderr };
}

describe.skipIf(!python)('dialect: python, a series of compute blocks (sent to the worker together)', () => {
  it('gives every block the values and step states of the blocks before it', async () => {
    const steps = Array.from({ length: 80 }, (_, i) => `  - name: p${i}\n    compute: "result = ${i === 0 ? '0' : `p${i - 1} + (1 if steps['p${i - 1}']['status'] == 'success' else 1000)`}"`);
    const { doc } = await run(`name: s\ndialect: python\nsteps:\n${steps.join('\n')}\n  - name: total\n    compute: "result = [p79, len(steps)]"\n`);
    expect(doc.status).toBe('success');
    expect(doc.steps[80]!.output).toEqual([79, 80]);
  });

  it('after a block that raises, goes on (as the original did) with the values so far, and names the line in the file', async () => {
    const { doc } = await run(`
name: s
dialect: python
steps:
  - name: a
    compute: "result = {'k': (1, 2)}"
  - name: bad
    compute: |
      x = 1
      def inner():
          raise ValueError('nope')
      inner()
  - name: after
    compute: "result = [a, 'bad' in dir(), steps['bad']['status']]"
`);
    expect(doc.steps.map((s) => s.status)).toEqual(['success', 'failed', 'success']);
    expect(doc.steps[1]!.error!.message).toMatch(/ValueError: nope \(.*s\.yaml:11\)/);
    expect(doc.steps[2]!.output).toEqual([{ k: [1, 2] }, false, 'failed']);
  });

  it('names the line of a syntax error inside a later block', async () => {
    const { doc } = await run(`
name: s
dialect: python
steps:
  - name: a
    compute: "result = 1"
  - name: broken
    compute: |
      y = 2
      if y
          result = 3
`);
    expect(doc.steps[1]!.status).toBe('failed');
    expect(doc.steps[1]!.error!.message).toMatch(/SyntaxError.*s\.yaml:10\)/);
  });

  it('stops a block in the middle of a series at its time limit (class timeout); the next block runs in a fresh worker with the values so far', async () => {
    const { doc } = await run(`
name: s
dialect: python
compute_timeout: 500ms
steps:
  - name: a
    compute: "result = 'kept'"
  - name: spin
    compute: |
      while True:
          pass
  - name: after
    compute: "result = [a, steps['spin']['status']]"
`);
    expect(doc.steps[1]!.status).toBe('failed');
    expect(doc.steps[1]!.classification?.class).toBe('timeout');
    expect(doc.steps[2]!.output).toEqual(['kept', 'failed']);
  });

  it('reports what a block in the middle of a series printed, as a warning of that step', async () => {
    const { doc, stderr } = await run(`
name: s
dialect: python
steps:
  - name: a
    compute: "result = 1"
  - name: talk
    compute: "print('hello from talk'); result = a + 1"
  - name: b
    compute: "result = talk + 1"
`);
    expect(doc.steps.map((s) => s.output)).toEqual([1, 2, 3]);
    expect(stderr).toMatch(/step 'talk' compute printed: hello from talk/);
  });
});
