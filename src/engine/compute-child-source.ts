import { BATCHED_STEP_STATE } from './step-state.js';

/**
 * The program of the compute process (run with `node -e`, so it needs no file of its own in the
 * bundle). It holds one V8 context per skill run that has compute code and runs each step's code in
 * it. The protocol is one line per message, framed so that each side parses as little as it can:
 *
 * - host → process: `<header JSON>` or `<header JSON>\t<values JSON>`. The header is
 *   `{"id","c" (context),"b" (blocks)}`, each block `{"s" (script id)}`, plus `"f","l","src"` the first
 *   time a script id is used in this process, plus `"o","n"` (its output's name and its step's name)
 *   when more blocks follow it. The values, if any, are the names set since the context's last run,
 *   as one JSON array of `[name, key|null, value]` (`[name, key|null]` for undefined), parsed inside
 *   the context.
 * - process → host: one `<id + k>\t<answer>` per block k, the answer a primitive string made inside
 *   the context: `u` (undefined), `v<json>` or `e<json [name, message, stack]>`. The host never runs
 *   code of the skill's making: it parses a string.
 *
 * Several blocks in one request are consecutive compute steps of a skill (see compute-sandbox.ts):
 * after each block that succeeds, its value and its step's state are set here exactly as the host
 * would have sent them (`BATCHED_STEP_STATE`), and the next block runs at once; the first error
 * ends the request. That saves a round trip per step, which costs more than the step itself.
 *
 * JSON text never holds a raw tab or newline, so the framing needs no escaping. Whatever the code
 * does here is within reach of the host's time limit, memory limit and SIGKILL (so no vm `timeout`,
 * whose watchdog thread per call costs more than the step itself); callbacks it leaves behind never
 * run at all (see the request loop below).
 */
const RUN = '__aiw_run';
const PENDING = '__aiw_pending';
const KEEP = '__aiw_keep';
const AFTER = '__aiw_after';

// Helpers defined in the context before any compute code runs, as read-only globals. They hold the
// context's own JSON functions as they were then, so later code cannot swap them.
const PRELUDE = `((store) => {
  const parse = JSON.parse, stringify = JSON.stringify, S = String, define = Object.defineProperty, g = globalThis;
  const fixed = (name, value) => define(g, name, { value, writable: false, enumerable: false, configurable: false });
  const field = (e, key) => { try { return S(e[key]); } catch { return ''; } };
  const out = (v) => {
    if (v !== null && (typeof v === 'object' || typeof v === 'function') && typeof v.then === 'function') {
      throw new TypeError('compute code returned a promise; compute steps are synchronous');
    }
    const json = v === undefined ? undefined : stringify(v);
    return json === undefined ? 'u' : 'v' + json;
  };
  const err = (e) => {
    const error = e !== null && typeof e === 'object';
    return 'e' + stringify([error ? field(e, 'name') || 'Error' : 'Error', error ? field(e, 'message') : 'thrown: ' + field([e], 0), error ? field(e, 'stack') : '']);
  };
  // Values the host stored since the last run. A plain data property code cannot redefine: setting
  // it never runs code of the skill's making. They go straight into the object behind the context's
  // globals (\`store\`, a null-prototype object: nothing to reach through it), not through the
  // global's interceptors, which cost more than the rest of a step; globals read from it first.
  define(g, ${JSON.stringify(PENDING)}, { value: undefined, writable: true, enumerable: false, configurable: false });
  define(g, ${JSON.stringify(AFTER)}, { value: undefined, writable: true, enumerable: false, configurable: false });
  // Index loops and literals only: code may have replaced Array.prototype's methods and iterator.
  const place = (items) => {
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      const name = item[0], key = item[1], value = item.length > 2 ? item[2] : undefined;
      // \`__proto__\` means the global's prototype: only the global itself can set that.
      const to = name === '__proto__' ? g : store;
      if (key === null) to[name] = value;
      else {
        if (to[name] === undefined || to[name] === null) to[name] = {};
        to[name][key] = value;
      }
    }
  };
  const apply = () => {
    const pending = store[${JSON.stringify(PENDING)}];
    store[${JSON.stringify(PENDING)}] = undefined;
    if (typeof pending === 'string') place(parse(pending));
  };
  // A block with more to follow in the same request: its value and its step's state, as the host would send them.
  // An error placing them is the next block's error, as it would have been had the host sent them.
  let deferred;
  const after = (names, text) => {
    if (names === undefined || text[0] === 'e') return text;
    const value = text === 'u' ? [names[0], null] : [names[0], null, parse(text.slice(1))];
    try {
      place([value, ['steps', names[1], parse(${JSON.stringify(BATCHED_STEP_STATE)})]]);
    } catch (e) {
      deferred = { e };
    }
    return text;
  };
  // The code's \`result\`, handed over by the wrapper's \`finally\` (its return value wins).
  let kept;
  fixed(${JSON.stringify(KEEP)}, (v) => {
    kept = v;
  });
  // One step: the values first (an error there is the step's error), then the code, as a function.
  fixed(${JSON.stringify(RUN)}, (fn) => {
    // Taken before the code runs, so that the code cannot change where its value goes.
    const names = typeof store[${JSON.stringify(AFTER)}] === 'string' ? parse(store[${JSON.stringify(AFTER)}]) : undefined;
    store[${JSON.stringify(AFTER)}] = undefined;
    try {
      if (deferred) {
        const { e } = deferred;
        deferred = undefined;
        throw e;
      }
      apply();
      kept = undefined;
      const r = fn();
      return after(names, out(r === undefined ? kept : r));
    } catch (e) {
      return err(e);
    } finally {
      kept = undefined;
    }
  });
})`;

// The script of one block, made in the process from the code alone. The code runs as the body of
// a function (so it may `return`), inside a try block whose `finally` hands `result` over; the
// function is compiled lazily when called, once, as bare node:vm would. Code that says 'use strict'
// or declares its own `var result` runs in a function nested in the wrapper instead (a directive
// must open a function body; its `result` must stay its own), as every block did before: a second
// function to compile per block. The prefix stays on line 1 so error lines match the skill file.
const PLAIN = [`${RUN}((function () { var result; try { `, `\n} finally { ${KEEP}(result); } }))`];
const NESTED = [`${RUN}((function () { var result; try { return (function () { `, `\n})(); } finally { ${KEEP}(result); } }))`];
const NEEDS_NESTED = /use strict|\bvar\b[^;]*\bresult\b/;

/**
 * The request loop reads and answers synchronously on stdin/stdout and never returns to the event
 * loop: callbacks compute code leaves behind (a FinalizationRegistry callback, Atomics.waitAsync, a
 * rejected promise's report) are never run, so nothing of the code's making runs between steps,
 * outside the time limit of a step. Compiled scripts are kept per script id (the host gives one id
 * per file, line and code), so a block run again (a nested skill called twice) compiles once.
 */
export const CHILD_SOURCE = `'use strict';
const vm = require('node:vm');
const fs = require('node:fs');
const { StringDecoder } = require('node:string_decoder');
const PRELUDE = ${JSON.stringify(PRELUDE)};
const contexts = new Map();
const scripts = new Map();
const sources = new Map();
const PENDING = ${JSON.stringify(PENDING)};
const AFTER = ${JSON.stringify(AFTER)};
function contextFor(id) {
  let context = contexts.get(id);
  if (!context) {
    const store = Object.create(null);
    context = vm.createContext(store, { name: 'aiw compute', codeGeneration: { strings: false, wasm: false }, microtaskMode: 'afterEvaluate' });
    vm.runInContext(PRELUDE, context)(store);
    contexts.set(id, context);
  }
  return context;
}
const PLAIN = ${JSON.stringify(PLAIN)};
const NESTED = ${JSON.stringify(NESTED)};
const NEEDS_NESTED = ${NEEDS_NESTED.toString()};
function source(code) {
  const [prefix, suffix] = NEEDS_NESTED.test(code) ? NESTED : PLAIN;
  return prefix + code + suffix;
}
function handle(line) {
  const tab = line.indexOf('\\t');
  const m = JSON.parse(tab < 0 ? line : line.slice(0, tab));
  if (m.drop !== undefined) return void contexts.delete(m.drop);
  // Every source is kept first: blocks after an error do not run now, but their ids stand for them later.
  for (const b of m.b) if (b.src !== undefined) sources.set(b.s, b);
  let context;
  for (let k = 0; k < m.b.length; k++) {
    const b = m.b[k];
    let text;
    try {
      context ??= contextFor(m.c);
      let script = scripts.get(b.s);
      if (!script) {
        const { src, f, l } = sources.get(b.s);
        script = new vm.Script(source(src), { filename: f, lineOffset: l - 1 });
        scripts.set(b.s, script);
        sources.delete(b.s);
      }
      if (k === 0) context[PENDING] = tab < 0 ? undefined : line.slice(tab + 1);
      context[AFTER] = b.o === undefined ? undefined : JSON.stringify([b.o, b.n]);
      const out = script.runInContext(context);
      text = typeof out === 'string' && out.indexOf('\\n') < 0 ? out : 'e["Error","compute code did not complete",""]';
    } catch (e) {
      // Only this realm throws here (a syntax error when compiling): the code's own errors came back as text.
      text = 'e' + JSON.stringify([String(e.name), String(e.message), String(e.stack)]);
    }
    write((m.id + k) + '\\t' + text + '\\n');
    if (text[0] === 'e') return;
  }
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
write('ready\\n');
const chunk = Buffer.alloc(1 << 16);
const decoder = new StringDecoder('utf8');
let rest = '';
for (;;) {
  let n;
  try {
    n = fs.readSync(0, chunk, 0, chunk.length, null);
  } catch (e) {
    if (e.code === 'EAGAIN') continue;
    throw e;
  }
  if (n === 0) process.exit(0);
  let text = rest + decoder.write(chunk.subarray(0, n));
  let start = 0;
  for (let end = text.indexOf('\\n'); end >= 0; end = text.indexOf('\\n', start)) {
    handle(text.slice(start, end));
    start = end + 1;
  }
  rest = start ? text.slice(start) : text;
}
`;
