import { describe, expect, it } from 'vitest';
import { aiw, tempRoot, type TempRoot } from '../helpers/temp-root.js';
import { runAiw } from './support/processes.js';

/**
 * Promise: a compute step cannot reach `process`, `require` or the file system, whatever it tries,
 * and cannot stop aiw: a loop, a getter, a Proxy trap or a promise of its making is stopped at the
 * step's time limit or becomes the step's error. Each attempt below returns "ESCAPED" if it worked.
 */
const ESCAPES: Array<[string, string]> = [
  ['the global object\'s Function', "return this.constructor.constructor('return process')() ? 'ESCAPED' : 'no';"],
  ['an error object\'s Function', "return new Error('x').constructor.constructor('return process')() ? 'ESCAPED' : 'no';"],
  ['a caught TypeError\'s Function', "try { null.x; } catch (e) { return e.constructor.constructor('return process')() ? 'ESCAPED' : 'no'; }"],
  ['Symbol\'s Function', "return Symbol.constructor('return process')() ? 'ESCAPED' : 'no';"],
  ['an input\'s prototype', "return inputs.__proto__.constructor.constructor('return process')() ? 'ESCAPED' : 'no';"],
  ['the prototype of a tool\'s output', "return data.constructor.constructor('return require')() ? 'ESCAPED' : 'no';"],
  ['an array from a tool\'s output', "return data.list.map.constructor('return process')() ? 'ESCAPED' : 'no';"],
  ['an async function\'s constructor', "return (async () => 1).constructor('return process')() ? 'ESCAPED' : 'no';"],
  ['a generator\'s constructor', "return (function* () {}).constructor('return process')() ? 'ESCAPED' : 'no';"],
  ['eval', "return eval('process') ? 'ESCAPED' : 'no';"],
  ['host frames from a stack trace', "Error.prepareStackTrace = (e, frames) => frames; const frames = new Error().stack; for (const f of frames) { const fn = f.getFunction(); const self = f.getThis(); if ((fn && fn.constructor !== Function) || (self && self !== globalThis && self.constructor !== Object)) return 'ESCAPED'; } return 'no';"],
  ['globals a host would have', "return ['process', 'require', 'module', 'exports', '__dirname', 'Buffer', 'fetch', 'setTimeout', 'setImmediate', 'queueMicrotask', 'WebAssembly'].filter((n) => typeof globalThis[n] !== 'undefined' && n !== 'WebAssembly').length ? 'ESCAPED' : 'no';"],
  ['WebAssembly code generation', "new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])); return 'ESCAPED';"],
];

function project(compute: string, after = 'return typeof leaked === "undefined" ? "no" : "ESCAPED";', limit = '300ms'): TempRoot {
  const root = tempRoot();
  root.write('tools/t.yaml', 'tools:\n  data: { command: [echo, \'{"list": [1, 2], "__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}}\'], parse: json }\n');
  root.write('skills/s.yaml', `name: s
compute_timeout: ${limit}
steps:
  - { name: data, tool: data }
  - name: attempt
    on_error: continue
    compute: ${JSON.stringify(compute)}
  - name: later
    compute: ${JSON.stringify(after)}
`);
  return root;
}

interface StepDoc {
  name: string;
  status: string;
  output?: unknown;
  error?: { message: string };
}

async function runCompute(root: TempRoot, codes = [0]): Promise<StepDoc[]> {
  const r = await aiw(['run', 's', '--json'], { root: root.dir });
  expect(r.stderr).not.toMatch(/internal error|\n {4}at /);
  expect(codes).toContain(r.code);
  return r.json<{ steps: StepDoc[] }>().steps;
}

describe('compute steps: no way out of the sandbox', () => {
  for (const [what, code] of ESCAPES) {
    it(`cannot reach the host through ${what}`, async () => {
      const [, attempt, later] = await runCompute(project(code));
      // Either the attempt threw (the usual case: code generation is off) or it found nothing.
      if (attempt!.status === 'success') expect(attempt!.output).toBe('no');
      else expect(attempt!.error?.message).toMatch(/EvalError|CompileError|TypeError|ReferenceError|Code generation/);
      expect(later!.output).toBe('no');
    });
  }

  it('cannot import(): the promise rejects inside the sandbox and nothing is loaded', async () => {
    const [, attempt, later] = await runCompute(project("import('node:fs').then((fs) => { globalThis.leaked = fs; }, () => { globalThis.rejected = true; }); return 'started';", 'return typeof leaked === "undefined" && rejected === true ? "no" : "ESCAPED";'));
    expect(attempt!.output).toBe('started');
    expect(later!.output).toBe('no');
  });

  it('cannot pollute the host: prototypes changed in compute code stay in the sandbox', async () => {
    const [, attempt] = await runCompute(project("const clean = ({}).polluted === undefined && Object.keys(data).includes('__proto__'); Object.prototype.polluted = 'yes'; Array.prototype.push = null; JSON.parse = null; return clean ? 'own keys only' : 'ESCAPED';", 'return [1].concat([2]).length'));
    expect(attempt!.output).toBe('own keys only');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(typeof Array.prototype.push).toBe('function');
  });
});

describe('compute steps: nothing of their making runs in the host without a time limit', () => {
  const stoppers: Array<[string, string]> = [
    ['an endless loop', 'while (true) {}'],
    ['endless recursion', 'function f() { return f() + 1; } return f();'],
    ['an endless chain of promises', 'Promise.resolve().then(function loop() { return Promise.resolve().then(loop); }); return 1;'],
    ['a returned getter "then"', 'return { get then() { while (true) {} } };'],
    ['a returned Proxy', 'return new Proxy({}, { get() { while (true) {} }, ownKeys() { while (true) {} }, getPrototypeOf() { while (true) {} } });'],
    ['a returned toJSON', 'return { toJSON() { while (true) {} } };'],
    ['a thrown Proxy', 'throw new Proxy({}, { get() { while (true) {} } });'],
    ['a thrown object with a getter message', 'throw { get message() { while (true) {} }, get name() { while (true) {} } };'],
    ['Atomics.wait', 'Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); return 1;'],
    ['a trap on a global the host writes', "Object.defineProperty(globalThis, 'steps', { get() { while (true) {} }, set() { while (true) {} } }); return 1;"],
    ['a returned BigInt', 'return 10n;'],
    ['a returned cycle', 'const a = {}; a.self = a; return a;'],
  ];
  for (const [what, code] of stoppers) {
    it(`${what} ends as a step's failure at its time limit (or as a value), and the run ends normally`, async () => {
      const [, attempt, later] = await runCompute(project(code, 'return "next step ran"'), [0, 1]);
      if (attempt!.status === 'failed') expect(attempt!.error?.message).toMatch(/stopped after 300 ms \(time limit\)|RangeError|TypeError|returned a promise/);
      // A trap left on a global the host hands values through fires when the next step starts.
      if (later!.status === 'failed') expect(later!.error?.message).toMatch(/stopped after 300 ms \(time limit\)/);
      else expect(later!.output).toBe('next step ran');
    });
  }

  it('a loop is stopped at its time limit with the step, file and line named', async () => {
    const root = project('let n = 0;\nwhile (true) { n++; }');
    const r = await aiw(['run', 's'], { root: root.dir });
    expect(r.stdout).toMatch(/step 'attempt' compute: stopped after 300 ms \(time limit\)/);
  });

  it('a promise it rejects and never handles does not crash aiw (real binary: an unhandled rejection would end the process)', async () => {
    const root = project("Promise.reject(new Error('boom')); (async () => { throw new Error('boom too'); })(); return 'returned';", 'return "next step ran"');
    const r = await runAiw(['--root', root.dir, 'run', 's', '--json'], { timeoutMs: 30_000 });
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/\n {4}at /);
    expect(JSON.parse(r.stdout).steps.map((s: StepDoc) => s.output)).toEqual([expect.anything(), 'returned', 'next step ran']);
  });
});
