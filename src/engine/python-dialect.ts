import { AiwError, type SourceLocation } from '../errors/errors.js';
import type { EventSink } from '../model/events.js';
import type { Skill } from '../model/skill.js';
import { isTemplate, singleExpression, type Scope, type TemplateOrigin } from '../template/render.js';
import { BATCHED_STEP_STATE } from './step-state.js';
import type { AheadBlock } from './compute-sandbox.js';
import { computeLimitMs, type ComputeWhere, type Dialect } from './dialect.js';
import { ComputeError, PythonWorker, type WorkerAnswer } from './python-worker.js';
import type { StopSignal } from '../model/stop-signal.js';

/** Python blocks call APIs and parse large outputs; the original had no limit at all. */
export const DEFAULT_PYTHON_TIMEOUT_MS = 60_000;
const RENDER_LIMIT_MS = 30_000;

type Update = ['set', number, string, unknown] | ['member', number, string, string, unknown] | ['drop', number, string] | ['close', number];

/**
 * The Python side of one run: one worker for every `dialect: python` skill of the run (nested
 * ones too), the scopes it holds, and the changes not yet sent. Node keeps the truth of every
 * scope; after a restart (a block ran past its time limit) each live scope is sent again whole.
 */
export class PythonRuntime {
  readonly worker: PythonWorker;
  private readonly scopes = new Map<number, Scope>();
  private updates: Update[] = [];
  private nextScope = 1;

  constructor(opts: { python: string; root: string; env: NodeJS.ProcessEnv; signal?: StopSignal }) {
    this.worker = new PythonWorker({ python: opts.python, cwd: opts.root, env: opts.env, onRestart: () => this.resendAll() });
    opts.signal?.addEventListener('abort', () => this.worker.kill(), { once: true });
  }

  open(scope: Scope): number {
    const id = this.nextScope++;
    this.scopes.set(id, scope);
    this.sendWhole(id, scope);
    return id;
  }

  set(id: number, name: string, value: unknown): void {
    // A failed or skipped step stores nothing: later templates see an undefined name, as in the original.
    this.updates.push(value === undefined ? ['drop', id, name] : ['set', id, name, value]);
  }

  setMember(id: number, name: string, key: string, value: unknown): void {
    this.updates.push(['member', id, name, key, value]);
  }

  closeScope(id: number): void {
    this.scopes.delete(id);
    this.updates.push(['close', id]);
  }

  async request(body: Record<string, unknown>, what: string, limitMs: number, location?: SourceLocation): Promise<WorkerAnswer> {
    return this.worker.answerTo(await this.send(body, 1, what), what, limitMs, location);
  }

  /** Send a request that `count` answers come back for, with the scope changes not sent yet. */
  send(body: Record<string, unknown>, count: number, what: string): Promise<number> {
    const updates = this.updates;
    this.updates = [];
    return this.worker.send({ ...body, updates }, count, what);
  }

  /** Whether scope changes wait to be sent. */
  get changed(): boolean {
    return this.updates.length > 0;
  }

  close(): void {
    this.worker.close();
    this.updates = [];
  }

  private sendWhole(id: number, scope: Scope): void {
    for (const [name, value] of Object.entries(scope)) this.set(id, name, value);
  }

  private resendAll(): void {
    this.updates = [];
    for (const [id, scope] of this.scopes) this.sendWhole(id, scope);
  }
}

const runtimes = new WeakMap<object, PythonRuntime>();

/** The run's Python runtime, made on first use (a skill with no Python never starts one). */
export function pythonRuntimeFor(owner: object, opts: ConstructorParameters<typeof PythonRuntime>[0]): PythonRuntime {
  let runtime = runtimes.get(owner);
  if (!runtime) {
    runtime = new PythonRuntime(opts);
    runtimes.set(owner, runtime);
  }
  return runtime;
}

/** Stop the run's worker, if it ever started. */
export function closePythonRuntime(owner: object): void {
  runtimes.get(owner)?.close();
  runtimes.delete(owner);
}

interface Job {
  source: string;
  mode: 'text' | 'expression';
  path: Array<string | number>;
}

/** The original project's dialect: Python compute and real Jinja2, both in the run's worker. */
export class PythonDialect implements Dialect {
  private readonly id: number;
  private readonly config: Record<string, unknown>;
  private plan: AheadBlock[] = [];
  private batch: { blocks: AheadBlock[]; next: number; firstId: number; generation: number } | undefined;
  private placed: { output: string | undefined; value: unknown; step: string } | undefined;

  constructor(private readonly runtime: PythonRuntime, private readonly skill: Skill, scope: Scope, private readonly emit: EventSink) {
    this.id = runtime.open(scope);
    this.config = (scope.config as Record<string, unknown> | undefined) ?? {};
  }

  async render(value: unknown, origin: TemplateOrigin): Promise<unknown> {
    const jobs: Job[] = [];
    collect(value, [], jobs);
    if (!jobs.length) return value;
    const answer = await this.runtime.request(
      { op: 'render', scope: this.id, items: jobs.map((j) => [j.source, j.mode]) }, origin.what, RENDER_LIMIT_MS, origin.location);
    if (answer.error) throw this.templateError(answer.error, origin);
    const results = (answer.value as WorkerAnswer[] | undefined) ?? [];
    let out = value;
    jobs.forEach((job, i) => {
      const r = results[i] ?? {};
      if (r.error) throw this.templateError(r.error, origin, job.source);
      this.warn(origin, r, job.source);
      out = put(out, job.path, r.value === undefined ? '' : r.value);
    });
    return out;
  }

  async condition(condition: string | boolean, origin: TemplateOrigin): Promise<boolean> {
    if (typeof condition === 'boolean') return condition;
    const answer = await this.runtime.request(
      { op: 'render', scope: this.id, items: [[condition, 'condition']] }, origin.what, RENDER_LIMIT_MS, origin.location);
    if (answer.error) throw this.templateError(answer.error, origin, condition);
    const r = (answer.value as WorkerAnswer[])[0] ?? {};
    if (r.error) throw this.templateError(r.error, origin, condition);
    // An undefined name in a condition is false, as in the original; `validate` warns about it.
    for (const w of r.warnings ?? []) this.emit({ kind: 'warning', message: `${where(origin)}${origin.what}: ${w}` });
    return r.value === true;
  }

  async compute(code: string, at: ComputeWhere): Promise<unknown> {
    const limit = computeLimitMs(this.skill, this.config, DEFAULT_PYTHON_TIMEOUT_MS);
    const location = { file: at.file, line: at.line };
    const worker = this.runtime.worker;
    let id: number;
    let block: AheadBlock | undefined;
    const batch = this.batch;
    if (batch && !this.runtime.changed && batch.generation === worker.generation && worker.running && same(batch.blocks[batch.next], code, at)) {
      block = batch.blocks[batch.next];
      id = batch.firstId + batch.next++;
      if (batch.next === batch.blocks.length) this.batch = undefined;
    } else {
      // Blocks sent ahead that will not run after all (never, as the engine runs them: a safeguard)
      // may be running now: a fresh worker, with every scope sent again.
      if (batch) worker.kill();
      this.batch = undefined;
      this.placed = undefined;
      const plan = this.plan;
      this.plan = [];
      if (plan.length > 1 && same(plan[0], code, at)) {
        const blocks = plan.map((b) => ({ code: b.code, file: b.file, line: b.line, output: b.output, step: b.step }));
        // `state`: what the worker sets as `steps.<name>` after each block, the engine's own record (step-state.ts).
        id = await this.runtime.send({ op: 'blocks', scope: this.id, blocks, state: BATCHED_STEP_STATE }, plan.length, at.what);
        this.batch = { blocks: plan, next: 1, firstId: id, generation: worker.generation };
        block = plan[0];
      } else {
        id = await this.runtime.send({ op: 'exec', scope: this.id, code, file: at.file, line: at.line, output: at.output }, 1, at.what);
      }
    }
    let answer: WorkerAnswer;
    try {
      answer = await worker.answerTo(id, at.what, limit, location);
    } catch (err) {
      this.batch = undefined;
      throw err;
    }
    if (answer.printed) this.emit({ kind: 'warning', message: `${at.what} printed: ${answer.printed.trimEnd()}` });
    for (const w of answer.warnings ?? []) this.emit({ kind: 'warning', message: `${at.file}:${at.line}: ${at.what}: ${w}` });
    if (answer.error) {
      this.batch = undefined;
      this.placed = undefined;
      const line = answer.error.line ?? at.line;
      throw new ComputeError(`${at.what}: ${answer.error.type}: ${answer.error.message} (${at.file}:${line})`, undefined, { file: at.file, line });
    }
    const value = answer.value ?? null;
    this.placed = block ? { output: block.output, value, step: block.step } : undefined;
    return value;
  }

  /** These compute steps come next (see ComputeSandbox.ahead): one request for all, in the worker. */
  ahead(blocks: AheadBlock[]): void {
    this.plan = blocks;
  }

  set(name: string, value: unknown): void {
    const placed = this.placed;
    // The value of a block of a batch: the worker set it already, from the same JSON.
    if (placed?.output === name && placed.value === value) {
      placed.output = undefined;
      return;
    }
    this.runtime.set(this.id, name, value);
  }

  setMember(name: string, key: string, value: unknown): void {
    const placed = this.placed;
    if (placed?.step === key && name === 'steps' && placed.output === undefined && JSON.stringify(value) === BATCHED_STEP_STATE) {
      this.placed = undefined;
      return;
    }
    this.runtime.setMember(this.id, name, key, value);
  }

  end(): void {
    this.runtime.closeScope(this.id);
  }

  private warn(origin: TemplateOrigin, r: WorkerAnswer, source: string): void {
    for (const name of r.undefined ?? []) {
      this.emit({ kind: 'warning', message: `${where(origin)}${origin.what}: '${name}' is undefined in ${JSON.stringify(source)}; rendered empty, as the original did` });
    }
    for (const w of r.warnings ?? []) this.emit({ kind: 'warning', message: `${where(origin)}${origin.what}: ${w}` });
  }

  private templateError(error: NonNullable<WorkerAnswer['error']>, origin: TemplateOrigin, source?: string): AiwError {
    const shown = source === undefined ? '' : ` in ${JSON.stringify(source)}`;
    return new AiwError('TEMPLATE', `${origin.what}: ${error.type}: ${error.message}${shown}`, { location: origin.location });
  }
}

function same(block: AheadBlock | undefined, code: string, at: ComputeWhere): boolean {
  return block !== undefined && block.code === code && block.file === at.file && block.line === at.line;
}

function where(origin: TemplateOrigin): string {
  const loc = origin.location;
  return loc?.file ? `${loc.file}${loc.line ? `:${loc.line}` : ''}: ` : '';
}

/** Only strings holding `{{` are rendered, as in the original (a lone `{% if %}` stays text). */
function collect(value: unknown, path: Array<string | number>, jobs: Job[]): void {
  if (typeof value === 'string') {
    if (!isTemplate(value) || !value.includes('{{')) return;
    const expr = singleExpression(value);
    jobs.push(expr !== undefined ? { source: expr, mode: 'expression', path } : { source: value, mode: 'text', path });
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => collect(v, [...path, i], jobs));
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) collect(v, [...path, k], jobs);
  }
}

/** A copy of `value` with the item at `path` replaced (the skill's own data is never changed). */
function put(value: unknown, path: Array<string | number>, item: unknown): unknown {
  if (!path.length) return item;
  const [head, ...rest] = path;
  if (Array.isArray(value)) return value.map((v, i) => (i === head ? put(v, rest, item) : v));
  const obj = value as Record<string, unknown>;
  return { ...obj, [head!]: put(obj[head!], rest, item) };
}

/**
 * A tool's text as the original stored it beside the text: its `key: value` lines as a dict (keys
 * lower-cased, spaces as underscores, `#` lines skipped). Undefined when there are none.
 */
export function parsedLines(output: unknown): Record<string, string> | undefined {
  if (typeof output !== 'string' || !output.includes(':')) return undefined;
  const out: Record<string, string> = {};
  let found = false;
  for (const raw of output.split('\n', 100_000)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    out[line.slice(0, colon).trim().toLowerCase().replace(/\s+/g, '_')] = line.slice(colon + 1).trim();
    found = true;
  }
  return found ? out : undefined;
}
