import vm from 'node:vm';
import { AiwError } from '../errors/errors.js';

export const DEFAULT_COMPUTE_TIMEOUT_MS = 5000;

/**
 * Runs compute code in its own V8 context: no `process`, no `require`, no `eval`/`Function` from
 * strings (codeGeneration off), promises drained before control returns (microtaskMode), and a time
 * limit. Values enter as copies made inside the context's realm, so no host object leaks a path back
 * to the host's `Function` constructor.
 */
export class ComputeSandbox {
  private readonly context: vm.Context;
  private readonly scripts = new Map<string, vm.Script>();
  private readonly importJson: (json: string) => unknown;

  constructor(private readonly timeoutMs = DEFAULT_COMPUTE_TIMEOUT_MS) {
    this.context = vm.createContext(Object.create(null) as object, {
      name: 'aiw compute',
      codeGeneration: { strings: false, wasm: false },
      microtaskMode: 'afterEvaluate',
    });
    this.importJson = vm.runInContext('(json) => JSON.parse(json)', this.context) as (json: string) => unknown;
  }

  /** Make `value` visible to later compute code as the global `name`. */
  set(name: string, value: unknown): void {
    this.context[name] = value === undefined ? undefined : this.importJson(JSON.stringify(value) ?? 'null');
  }

  /** Set one key of an object global (e.g. `steps.<name>`) without copying the whole object again. */
  setMember(name: string, key: string, value: unknown): void {
    const target = (this.context[name] ??= this.importJson('{}')) as Record<string, unknown>;
    target[key] = value === undefined ? undefined : this.importJson(JSON.stringify(value) ?? 'null');
  }

  /**
   * Run `code` as the body of a function: it may `return` a value or assign `result`. Errors come
   * back as AiwError naming the file and the line of the code in the skill.
   */
  run(code: string, where: { what: string; file: string; line: number }): unknown {
    const key = `${where.file}:${where.line}\u0000${code}`;
    let script = this.scripts.get(key);
    try {
      if (!script) {
        // The prefix stays on the first line so that line numbers in errors match the skill file.
        const wrapped = `(function () { var result; var __r = (function () { ${code}\n})(); return __r === undefined ? result : __r; })()`;
        script = new vm.Script(wrapped, { filename: where.file, lineOffset: where.line - 1 });
        this.scripts.set(key, script);
      }
      const value = script.runInContext(this.context, { timeout: this.timeoutMs, breakOnSigint: true });
      if (value && typeof (value as { then?: unknown }).then === 'function') {
        throw new Error('compute code returned a promise; compute steps are synchronous');
      }
      return value;
    } catch (err) {
      const e = err as Error & { code?: string };
      const line = lineOf(e, where.file) ?? where.line;
      const reason = e.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT' ? `stopped after ${this.timeoutMs} ms (time limit)` : `${e.name ?? 'Error'}: ${e.message}`;
      throw new AiwError('SKILL_FAILED', `${where.what}: ${reason}`, { location: { file: where.file, line }, cause: err });
    }
  }
}

function lineOf(err: Error, file: string): number | undefined {
  const stack = String(err.stack ?? '');
  const idx = stack.indexOf(`${file}:`);
  if (idx < 0) return undefined;
  const m = /^:(\d+)/.exec(stack.slice(idx + file.length));
  return m ? Number(m[1]) : undefined;
}
