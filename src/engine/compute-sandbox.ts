import { AiwError } from '../errors/errors.js';
import { BATCHED_STEP_STATE } from './step-state.js';
import { ComputeProcess, ComputeStopped } from './compute-process.js';
import type { StopSignal } from '../model/stop-signal.js';

export const DEFAULT_COMPUTE_TIMEOUT_MS = 5000;

interface Where {
  what: string;
  file: string;
  line: number;
}

/** A compute step that comes next, if the ones before it succeed (see ahead()). */
export interface AheadBlock {
  code: string;
  file: string;
  line: number;
  /** The name its value goes under, and its step's name (for `steps.<name>`). */
  output: string;
  step: string;
}

// Blocks sent in one request at most: an error ends a request early, so this only bounds its size.
const MAX_BATCH = 64;


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
  /** Compute steps that follow, told by the engine; sent together when the first of them runs. */
  private plan: AheadBlock[] = [];
  /** A request of several blocks in flight: which block answers next, and under which id. */
  private batch: { blocks: AheadBlock[]; next: number; firstId: number; generation: number } | undefined;
  /** The value and names of the block that ran last in a batch: already set in the process. */
  private placed: { output: string | undefined; value: unknown; json: string | null; step: string | undefined } | undefined;

  constructor(private readonly host: ComputeProcess, private readonly timeoutMs = DEFAULT_COMPUTE_TIMEOUT_MS) {}

  /** Make `value` visible to later compute code as the global `name`. */
  set(name: string, value: unknown): void {
    const placed = this.placed;
    // The output of a block of a batch: the process set it already, from the same JSON.
    if (placed?.output === name && placed.value === value) {
      placed.output = undefined;
      this.values.set(name, { json: placed.json, members: new Map() });
      return;
    }
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
    const placed = this.placed;
    if (placed?.step === key && name === 'steps' && json === BATCHED_STEP_STATE && placed.output === undefined) {
      this.placed = undefined;
      return;
    }
    this.pending.push(item(name, key, json));
  }

  /**
   * The engine's word that these compute steps come next, in order, each run only if the one before
   * it succeeds. When the first of them runs, they all go in one request: the process runs each as
   * soon as the one before it has answered, and sets its value and \`steps.<name>\` as the engine
   * would (set() and setMember() then recognise them and send nothing). One round trip per batch, not
   * per step. The time limit still holds per block: the host waits for each answer under it.
   */
  ahead(blocks: AheadBlock[]): void {
    this.plan = blocks.slice(0, MAX_BATCH);
  }

  /**
   * Run `code` as the body of a function: it may `return` a value or assign `result`. Errors come
   * back as AiwError naming the file and the line of the code in the skill; a stop by the time or
   * memory limit says which.
   */
  async run(code: string, where: Where, signal?: StopSignal): Promise<unknown> {
    let id: number;
    let block: AheadBlock | undefined;
    const batch = this.batch;
    if (batch && this.pending.length === 0 && batch.generation === this.host.generation && same(batch.blocks[batch.next], code, where)) {
      block = batch.blocks[batch.next];
      id = batch.firstId + batch.next++;
      if (batch.next === batch.blocks.length) this.batch = undefined;
    } else {
      // Blocks sent ahead that will not run after all (never, as the engine runs them: a safeguard)
      // may be running now: a fresh process, with every value sent again.
      if (batch) this.host.kill();
      this.batch = undefined;
      this.placed = undefined;
      const generation = this.host.ready();
      // A new process knows nothing of this context: it gets every value, not only the latest ones.
      const items = generation === this.generation ? this.pending : this.replay();
      this.generation = generation;
      this.pending = [];
      const values = items.length ? `[${items.join(',')}]` : undefined;
      const plan = this.plan;
      this.plan = [];
      if (plan.length > 1 && same(plan[0], code, where)) {
        id = this.host.send(this.ctx, plan, values);
        this.batch = { blocks: plan, next: 1, firstId: id, generation };
        block = plan[0];
      } else {
        id = this.host.send(this.ctx, [{ code, file: where.file, line: where.line }], values);
      }
    }
    let text: string;
    try {
      text = await this.host.answerTo(id, this.timeoutMs, signal);
    } catch (err) {
      this.batch = undefined;
      if (err instanceof ComputeStopped) {
        const code = err.kind === 'interrupted' ? 'INTERRUPTED' : 'SKILL_FAILED';
        throw new AiwError(code, `${where.what}: ${err.message}`, { location: { file: where.file, line: where.line }, cause: err });
      }
      throw err;
    }
    if (text === 'u' || text.startsWith('v')) {
      const value = text === 'u' ? undefined : JSON.parse(text.slice(1)) as unknown;
      this.placed = block ? { output: block.output, value, json: text === 'u' ? null : text.slice(1), step: block.step } : undefined;
      return value;
    }
    this.batch = undefined;
    this.placed = undefined;
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

function same(block: AheadBlock | undefined, code: string, where: Where): boolean {
  return block !== undefined && block.code === code && block.file === where.file && block.line === where.line;
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
