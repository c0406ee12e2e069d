import { AiwError } from '../errors/errors.js';
import { ComputeProcess, ComputeStopped } from './compute-process.js';

export const DEFAULT_COMPUTE_TIMEOUT_MS = 5000;

interface Where {
  what: string;
  file: string;
  line: number;
}


let contexts = 0;

/**
 * The compute code of one skill run: its own V8 context in the run's compute process (see
 * compute-process.ts): no `process`, no `require`, no `eval`/`Function` from strings, promises
 * drained before control returns, a time limit and a memory limit. Values cross in both directions
 * only as JSON text, parsed and serialised inside the context: no host object leaks a path back to
 * the host, and no getter, Proxy trap or `toJSON` of the code's making ever runs in aiw itself.
 */
export class ComputeSandbox {
  private readonly ctx = ++contexts;
  /** Every value handed over so far, newest per name (and member): replayed into a restarted process. */
  private readonly values = new Map<string, { json: string | null; members: Map<string, string | null> }>();
  /** The values set since the last run, as items of the JSON array the next request carries. */
  private pending: string[] = [];
  private generation = 0;

  constructor(private readonly host: ComputeProcess, private readonly timeoutMs = DEFAULT_COMPUTE_TIMEOUT_MS) {}

  /** Make `value` visible to later compute code as the global `name`. */
  set(name: string, value: unknown): void {
    const json = value === undefined ? null : JSON.stringify(value) ?? 'null';
    this.values.set(name, { json, members: new Map() });
    this.pending.push(item(name, null, json));
  }

  /** Set one key of an object global (e.g. `steps.<name>`) without copying the whole object again. */
  setMember(name: string, key: string, value: unknown): void {
    const json = value === undefined ? null : JSON.stringify(value) ?? 'null';
    let entry = this.values.get(name);
    if (!entry) this.values.set(name, (entry = { json: null, members: new Map() }));
    entry.members.set(key, json);
    this.pending.push(item(name, key, json));
  }

  /**
   * Run `code` as the body of a function: it may `return` a value or assign `result`. Errors come
   * back as AiwError naming the file and the line of the code in the skill; a stop by the time or
   * memory limit says which.
   */
  async run(code: string, where: Where, signal?: AbortSignal): Promise<unknown> {
    const generation = this.host.ready();
    // A new process knows nothing of this context: it gets every value, not only the latest ones.
    const items = generation === this.generation ? this.pending : this.replay();
    this.generation = generation;
    this.pending = [];
    let text: string;
    try {
      text = await this.host.request({
        ctx: this.ctx, code, file: where.file, line: where.line, values: items.length ? `[${items.join(',')}]` : undefined,
      }, this.timeoutMs, signal);
    } catch (err) {
      if (err instanceof ComputeStopped) {
        const code = err.kind === 'interrupted' ? 'INTERRUPTED' : 'SKILL_FAILED';
        throw new AiwError(code, `${where.what}: ${err.message}`, { location: { file: where.file, line: where.line }, cause: err });
      }
      throw err;
    }
    if (text === 'u') return undefined;
    if (text.startsWith('v')) return JSON.parse(text.slice(1)) as unknown;
    const [name, message, stack] = JSON.parse(text.slice(1)) as [string, string, string];
    throw new AiwError('SKILL_FAILED', `${where.what}: ${name}: ${message}`, locationOf(stack, where));
  }

  /** This context is done (its skill finished): the process may forget it. */
  close(): void {
    this.host.drop(this.ctx);
  }

  private replay(): string[] {
    const all: string[] = [];
    for (const [name, { json, members }] of this.values) {
      all.push(item(name, null, json));
      for (const [key, value] of members) all.push(item(name, key, value));
    }
    return all;
  }
}

/** One `[name, key|null, value]` of the values array (`[name, key|null]` for undefined), from JSON already made. */
function item(name: string, key: string | null, json: string | null): string {
  const head = `[${JSON.stringify(name)},${key === null ? 'null' : JSON.stringify(key)}`;
  return json === null ? `${head}]` : `${head},${json}]`;
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
