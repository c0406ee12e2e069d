/**
 * The program of the compute process (run with `node -e`, so it needs no file of its own in the
 * bundle). It holds one V8 context per skill run that has compute code, runs each step's code in
 * it and answers with a primitive string made inside the context: `u` (undefined), `v<json>` or
 * `e<json [name, message, stack]>`. The host never runs code of the skill's making: it parses a
 * string. Whatever the code does here is within reach of the host's time limit, memory limit and
 * SIGKILL; callbacks it leaves behind never run at all (see the request loop below).
 */
const OUT = '__aiw_out';
const ERR = '__aiw_err';
const SET = '__aiw_set';
const PENDING = '__aiw_pending';
const APPLY = '__aiw_apply';

// Helpers defined in the context before any compute code runs, as read-only globals. They hold the
// context's own JSON functions as they were then, so later code cannot swap them.
const PRELUDE = `(() => {
  const parse = JSON.parse, stringify = JSON.stringify, S = String, define = Object.defineProperty, g = globalThis;
  const fixed = (name, value) => define(g, name, { value, writable: false, enumerable: false, configurable: false });
  const field = (e, key) => { try { return S(e[key]); } catch { return ''; } };
  fixed(${JSON.stringify(OUT)}, (v) => {
    if (v !== null && (typeof v === 'object' || typeof v === 'function') && typeof v.then === 'function') {
      throw new TypeError('compute code returned a promise; compute steps are synchronous');
    }
    const json = v === undefined ? undefined : stringify(v);
    return json === undefined ? 'u' : 'v' + json;
  });
  fixed(${JSON.stringify(ERR)}, (e) => {
    const error = e !== null && typeof e === 'object';
    return 'e' + stringify([error ? field(e, 'name') || 'Error' : 'Error', error ? field(e, 'message') : 'thrown: ' + field([e], 0), error ? field(e, 'stack') : '']);
  });
  fixed(${JSON.stringify(SET)}, (name, key, json) => {
    try {
      const value = json === undefined ? undefined : parse(json);
      if (key === undefined) g[name] = value;
      else {
        if (g[name] === undefined || g[name] === null) g[name] = {};
        g[name][key] = value;
      }
      return 'u';
    } catch (e) {
      return g[${JSON.stringify(ERR)}](e);
    }
  });
  // Values the host stored since the last run, as one JSON text, applied by the next run's own
  // script. A plain data property code cannot redefine: setting it never runs code of the skill's making.
  define(g, ${JSON.stringify(PENDING)}, { value: undefined, writable: true, enumerable: false, configurable: false });
  fixed(${JSON.stringify(APPLY)}, () => {
    const pending = g[${JSON.stringify(PENDING)}];
    g[${JSON.stringify(PENDING)}] = undefined;
    if (typeof pending !== 'string') return 'u';
    for (const [name, key, json] of parse(pending)) {
      const r = g[${JSON.stringify(SET)}](name, key === null ? undefined : key, json === null ? undefined : json);
      if (r !== 'u') return r;
    }
    return 'u';
  });
})()`;

/** The body of the function compute code runs in; the prefix stays on line 1 so error lines match the skill file. */
export function wrapCompute(code: string): string {
  return `(function () { var __s = ${APPLY}(); if (__s !== 'u') return __s; try { var result; var __r = (function () { ${code}\n})(); return ${OUT}(__r === undefined ? result : __r); } catch (__e) { return ${ERR}(__e); } })()`;
}

/**
 * The request loop reads and answers synchronously on stdin/stdout (one JSON text per line) and
 * never returns to the event loop: callbacks compute code leaves behind (a FinalizationRegistry
 * callback, Atomics.waitAsync, a rejected promise's report) are never run, so nothing of the code's
 * making runs between steps, outside the time limit of a step.
 */
export const CHILD_SOURCE = `'use strict';
const vm = require('node:vm');
const fs = require('node:fs');
const PRELUDE = ${JSON.stringify(PRELUDE)};
const contexts = new Map();
function contextFor(id) {
  let c = contexts.get(id);
  if (!c) {
    const context = vm.createContext(Object.create(null), { name: 'aiw compute', codeGeneration: { strings: false, wasm: false }, microtaskMode: 'afterEvaluate' });
    vm.runInContext(PRELUDE, context);
    c = { context, scripts: new Map() };
    contexts.set(id, c);
  }
  return c;
}
function handle(m) {
  if (m.t === 'drop') return void contexts.delete(m.ctx);
  let text;
  try {
    const c = contextFor(m.ctx);
    let script = c.scripts.get(m.key);
    if (!script) {
      script = new vm.Script(m.source, { filename: m.file, lineOffset: m.line - 1 });
      c.scripts.set(m.key, script);
    }
    if (m.pending !== undefined) c.context[${JSON.stringify(PENDING)}] = m.pending;
    const out = script.runInContext(c.context);
    text = typeof out === 'string' ? out : 'e["Error","compute code did not complete",""]';
  } catch (e) {
    // Only this realm throws here (a syntax error when compiling): the code's own errors came back as text.
    text = 'e' + JSON.stringify([String(e.name), String(e.message), String(e.stack)]);
  }
  write(JSON.stringify({ id: m.id, text }) + '\\n');
}
function write(line) {
  const bytes = Buffer.from(line, 'utf8');
  for (let off = 0; off < bytes.length;) {
    try {
      off += fs.writeSync(1, bytes, off);
    } catch (e) {
      if (e.code !== 'EAGAIN') throw e;
    }
  }
}
// Ctrl-C reaches the whole process group: the host decides what it means and stops this process.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
write('{"t":"ready"}\\n');
const chunk = Buffer.alloc(1 << 16);
let parts = [];
for (;;) {
  let n;
  try {
    n = fs.readSync(0, chunk, 0, chunk.length, null);
  } catch (e) {
    if (e.code === 'EAGAIN') continue;
    throw e;
  }
  if (n === 0) process.exit(0);
  let start = 0;
  for (let i = 0; i < n; i++) {
    if (chunk[i] !== 10) continue;
    parts.push(Buffer.from(chunk.subarray(start, i)));
    handle(JSON.parse(Buffer.concat(parts).toString('utf8')));
    parts = [];
    start = i + 1;
  }
  if (start < n) parts.push(Buffer.from(chunk.subarray(start, n)));
}
`;
