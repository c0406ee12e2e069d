import vm from 'node:vm';
import { AiwError } from '../errors/errors.js';

export const DEFAULT_COMPUTE_TIMEOUT_MS = 5000;

// Helpers defined in the context before any compute code runs, as read-only globals. They hold
// the context's own JSON functions as they were then, so later code cannot swap them.
const OUT = '__aiw_out';
const ERR = '__aiw_err';
const SET = '__aiw_set';
const PENDING = '__aiw_pending';
const APPLY = '__aiw_apply';
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
  // Values the host stored since the last run, as one JSON text; applied by the next run's own
  // script, so storing a step's output costs no script compilation of its own. A plain data
  // property that code cannot redefine: a host write to it never runs code of the skill's making.
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

/**
 * Runs compute code in its own V8 context: no `process`, no `require`, no `eval`/`Function` from
 * strings (codeGeneration off), promises drained before control returns (microtaskMode), and a time
 * limit. Values cross in both directions only as JSON text, parsed and serialised inside the
 * context under the time limit: no host object leaks a path back to the host's `Function`, and no
 * getter, Proxy trap or `toJSON` of the code's making ever runs in the host, where no limit applies.
 */
export class ComputeSandbox {
  private readonly context: vm.Context;
  private readonly scripts = new Map<string, vm.Script>();
  private pending: Array<[string, string | null, string | null]> = [];

  constructor(private readonly timeoutMs = DEFAULT_COMPUTE_TIMEOUT_MS) {
    watchRejections();
    this.context = vm.createContext(Object.create(null) as object, {
      name: 'aiw compute',
      codeGeneration: { strings: false, wasm: false },
      microtaskMode: 'afterEvaluate',
    });
    vm.runInContext(PRELUDE, this.context);
  }

  /** Make `value` visible to later compute code as the global `name`. */
  set(name: string, value: unknown): void {
    this.transfer(name, undefined, value);
  }

  /** Set one key of an object global (e.g. `steps.<name>`) without copying the whole object again. */
  setMember(name: string, key: string, value: unknown): void {
    this.transfer(name, key, value);
  }

  private transfer(name: string, key: string | undefined, value: unknown): void {
    const json = value === undefined ? null : JSON.stringify(value) ?? 'null';
    this.pending.push([name, key ?? null, json]);
  }

  /**
   * Run `code` as the body of a function: it may `return` a value or assign `result`. Errors come
   * back as AiwError naming the file and the line of the code in the skill.
   */
  run(code: string, where: { what: string; file: string; line: number }): unknown {
    const key = `${where.file}:${where.line}\u0000${code}`;
    let script = this.scripts.get(key);
    if (!script) {
      // The prefix stays on the first line so that line numbers in errors match the skill file.
      const wrapped = `(function () { var __s = ${APPLY}(); if (__s !== 'u') return __s; try { var result; var __r = (function () { ${code}\n})(); return ${OUT}(__r === undefined ? result : __r); } catch (__e) { return ${ERR}(__e); } })()`;
      try {
        script = new vm.Script(wrapped, { filename: where.file, lineOffset: where.line - 1 });
      } catch (err) {
        throw this.failure(err, where);
      }
      this.scripts.set(key, script);
    }
    if (this.pending.length) {
      this.context[PENDING] = JSON.stringify(this.pending);
      this.pending = [];
    }
    return this.exec(script, where);
  }

  private exec(script: vm.Script, where: { what: string; file: string; line: number }): unknown {
    let outcome: unknown;
    try {
      // No breakOnSigint: it re-arms signal handling on every call and nearly doubled the cost of a
      // compute step. Ctrl-C during compute code takes effect when the step ends, at the latest at
      // its time limit; a running tool is still stopped at once.
      outcome = script.runInContext(this.context, { timeout: this.timeoutMs });
    } catch (err) {
      // Only the host throws here (the time limit, Ctrl-C): the code's own errors come back as text.
      throw this.failure(err, where);
    }
    // A primitive string made inside the context: nothing the code returned or threw is touched here.
    const text = typeof outcome === 'string' ? outcome : 'e["Error","compute code did not complete",""]';
    if (text === 'u') return undefined;
    if (text.startsWith('v')) return JSON.parse(text.slice(1)) as unknown;
    const [name, message, stack] = JSON.parse(text.slice(1)) as [string, string, string];
    throw new AiwError('SKILL_FAILED', `${where.what}: ${name}: ${message}`, locationOf(stack, where));
  }

  private failure(err: unknown, where: { what: string; file: string; line: number }): AiwError {
    const e = err as Error & { code?: string };
    const reason = e.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT' ? `stopped after ${this.timeoutMs} ms (time limit)` : `${e.name}: ${e.message}`;
    return new AiwError('SKILL_FAILED', `${where.what}: ${reason}`, { ...locationOf(String(e.stack ?? ''), where), cause: err });
  }
}

function locationOf(stack: string, where: { file: string; line: number }): { location?: { file: string; line: number } } {
  if (!where.file) return {};
  return { location: { file: where.file, line: lineOf(stack, where.file) ?? where.line } };
}

function lineOf(stack: string, file: string): number | undefined {
  const idx = stack.indexOf(`${file}:`);
  if (idx < 0) return undefined;
  const m = /^:(\d+)/.exec(stack.slice(idx + file.length));
  return m ? Number(m[1]) : undefined;
}

let watching = false;

/**
 * A promise compute code rejects and leaves unhandled is reported by Node after the step has
 * finished, and by default ends the process with a stack trace. Such a promise belongs to a
 * context's realm, never to the host's: those are reported as a warning and otherwise ignored (the
 * step's value was already taken). The host's own rejections keep Node's default: a crash.
 */
function watchRejections(): void {
  if (watching) return;
  watching = true;
  process.on('unhandledRejection', (reason, promise) => {
    if (promise instanceof Promise) throw reason;
    process.emitWarning('compute code left a promise rejected with nothing to handle it; ignored', { code: 'AIW_COMPUTE_REJECTION' });
  });
}
