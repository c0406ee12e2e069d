import { describe, expect, it } from 'vitest';
import { aiw, tempRoot } from '../helpers/temp-root.js';

interface Doc {
  status: string;
  steps: Array<{ name: string; status: string; output?: unknown; error?: { message: string; location?: { line?: number } }; steps?: Doc['steps'] }>;
}

async function run(skills: Record<string, string>): Promise<Doc> {
  const files = Object.fromEntries(Object.entries(skills).map(([name, text]) => [`skills/${name}.yaml`, text]));
  const root = tempRoot(files);
  const r = await aiw(['run', 's', '--json'], { root: root.dir });
  expect(r.stderr).not.toMatch(/internal error/);
  return r.json<Doc>();
}

describe('compute steps in the run\'s compute process', () => {
  it('take the value of `return`, else of `result`, and a `return` without a value leaves `result`', async () => {
    const doc = await run({ s: `
name: s
steps:
  - { name: returned, compute: "result = 1; return 2" }
  - { name: assigned, compute: "result = 3" }
  - { name: bare_return, compute: "result = 4; return;" }
  - { name: nothing, compute: "const x = 5" }
  - { name: block_result, compute: "{ let result = 6; } return result === undefined ? 'outer' : 'inner'" }
` });
    expect(doc.steps.map((s) => s.output)).toEqual([2, 3, 4, undefined, 'outer']);
  });

  it("runs code that opens with 'use strict' in strict mode, with its line numbers kept", async () => {
    const doc = await run({ s: `
name: s
steps:
  - name: strict
    compute: |
      'use strict';
      return (function () { return this === undefined; })();
  - name: sloppy
    compute: |
      return (function () { return this === undefined; })();
  - name: strict_error
    on_error: continue
    compute: |
      'use strict';
      undeclared = 1;
` });
    expect(doc.steps.slice(0, 2).map((s) => s.output)).toEqual([true, false]);
    expect(doc.steps[2]!.status).toBe('failed');
    expect(doc.steps[2]!.error!.message).toMatch(/ReferenceError: undeclared is not defined/);
    expect(doc.steps[2]!.error!.location!.line).toBe(15);
  });

  it('runs a block of a nested skill called twice in each call\'s own context, with its own inputs', async () => {
    const doc = await run({
      s: `
name: s
steps:
  - { name: first, skill: child, inputs: { n: 2 } }
  - { name: second, skill: child, inputs: { n: 5 } }
  - { name: sum, compute: "return first.doubled + second.doubled + (typeof seen === 'undefined' ? 0 : 100)" }
`,
      child: `
name: child
inputs:
  - { name: n, type: integer }
steps:
  - { name: seen, compute: "return inputs.n * 2" }
outputs:
  - { name: doubled, value: "{{ seen }}" }
`,
    });
    expect(doc.status).toBe('success');
    expect(doc.steps[2]!.output).toBe(14);
  });

  it('passes values larger than a pipe buffer, with tabs, newlines and characters of several bytes, both ways intact', async () => {
    const doc = await run({ s: `
name: s
steps:
  - { name: big, compute: "return 'é\\\\t€\\\\n𝄞'.repeat(40000)" }
  - { name: back, compute: "return [big.length, big.slice(0, 6), big === 'é\\\\t€\\\\n𝄞'.repeat(40000)]" }
` });
    expect(doc.steps[0]!.output).toBe('é\t€\n𝄞'.repeat(40000));
    expect(doc.steps[1]!.output).toEqual([240000, 'é\t€\n𝄞', true]);
  });

  it('sees a step named like a builtin global, as the value it output', async () => {
    const doc = await run({ s: `
name: s
steps:
  - { name: JSON, compute: "return 'shadowed'" }
  - { name: seen, compute: "return typeof JSON === 'string' ? JSON : 'builtin'" }
` });
    expect(doc.steps[1]!.output).toBe('shadowed');
  });

  it('runs a long series of compute steps (sent to the process together) with every value and step state in place', async () => {
    const steps = Array.from({ length: 150 }, (_, i) => i === 0 ? '  - { name: c0, compute: "return 0" }' : `  - { name: c${i}, compute: "return c${i - 1} + 1 + (steps.c${i - 1}.status === 'success' ? 0 : 1000)" }`);
    const doc = await run({ s: `name: s\nsteps:\n${steps.join('\n')}\n  - { name: total, compute: "return [c149, Object.keys(steps).length]" }\n` });
    expect(doc.status).toBe('success');
    expect(doc.steps[150]!.output).toEqual([149, 150]);
  });

  it('after a failing step in such a series, the next steps run and see it failed, with earlier values kept', async () => {
    const doc = await run({ s: `
name: s
steps:
  - { name: a, compute: "return 1" }
  - { name: bad, on_error: continue, compute: "throw new Error('nope')" }
  - { name: after, compute: "return [a, typeof bad, steps.bad.status, steps.bad.error]" }
  - { name: last, compute: "return after.length" }
` });
    expect(doc.status).toBe('partial');
    expect(doc.steps.map((s) => s.status)).toEqual(['success', 'failed', 'success', 'success']);
    expect(doc.steps[2]!.output).toEqual([1, 'undefined', 'failed', "step 'bad' compute: Error: nope"]);
    expect(doc.steps[3]!.output).toBe(4);
  });

  it('stops a block in the middle of such a series at its time limit; later steps run in a fresh process with the values so far', async () => {
    const doc = await run({ s: `
name: s
compute_timeout: 300ms
steps:
  - { name: a, compute: "return 'kept'" }
  - { name: loop, on_error: continue, compute: "while (true) {}" }
  - { name: after, compute: "return [a, typeof loop, steps.loop.status]" }
` });
    expect(doc.steps[1]!.status).toBe('failed');
    expect(doc.steps[1]!.error!.message).toMatch(/time limit/);
    expect(doc.steps[2]!.output).toEqual(['kept', 'undefined', 'failed']);
  });

  it('a block that breaks `steps` for the next one fails that next one, as if the value had been sent', async () => {
    const doc = await run({ s: `
name: s
steps:
  - { name: a, on_error: continue, compute: "Object.defineProperty(steps, 'a', { set() { throw new Error('trap'); } }); return 1" }
  - { name: b, on_error: continue, compute: "return 2" }
  - { name: c, compute: "return 3" }
` });
    expect(doc.steps.map((s) => s.status)).toEqual(['success', 'failed', 'success']);
    expect(doc.steps[1]!.error!.message).toMatch(/trap/);
  });
});
