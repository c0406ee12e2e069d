import { spawn, type ChildProcess } from 'node:child_process';
import { CHILD_SOURCE } from './compute-child-source.js';
import { monotonicMs } from '../model/clock.js';
import type { StopSignal } from '../model/stop-signal.js';

export const DEFAULT_COMPUTE_MEMORY_MB = 512;

/** Why a request to the compute process did not come back with the code's own outcome. */
export type ComputeStop = 'timeout' | 'memory' | 'crashed' | 'interrupted';

export class ComputeStopped extends Error {
  constructor(readonly kind: ComputeStop, message: string) {
    super(message);
    this.name = 'ComputeStopped';
  }
}

/** One block to run: its code and where it is; `output` and `step` when more blocks follow it in the same request. */
export interface ComputeBlock {
  code: string;
  file: string;
  line: number;
  output?: string;
  step?: string;
}

interface Waiting {
  id: number;
  timeoutMs: number;
  resolve(text: string): void;
  fail(err: ComputeStopped): void;
}

// How long a new process may take to start before its first request fails (a loaded machine).
const START_ALLOWANCE_MS = 30_000;

/**
 * The permission model keeps an escaped compute script away from files and processes. Its flag was
 * renamed in Node 22; whichever this Node knows is used. Asked when a process starts, not when this
 * module loads: Node builds its set of allowed flags on first use (~1.3 ms), and most runs have no
 * compute step.
 */
let permissionFlag: string | null | undefined;
function permission(): string | null {
  permissionFlag ??= ['--permission', '--experimental-permission'].find((f) => process.allowedNodeEnvironmentFlags.has(f)) ?? null;
  return permissionFlag;
}

/**
 * One `node` process that runs the compute code of a whole run (nested skills included, each in a
 * context of its own), started only when a skill has compute code. A process, not a worker thread:
 * a worker that runs out of memory inside a builtin (`new Array(4e8).fill(0)`) aborts the whole
 * process, and terminate() cannot stop a builtin that never checks for interrupts; a process has
 * its own heap limit and SIGKILL always works. The host waits on a pipe, so Ctrl-C is handled at
 * once. `generation` counts starts: a context lost with a process is rebuilt by its owner.
 */
export class ComputeProcess {
  private child: ChildProcess | undefined;
  private waiting: Waiting | undefined;
  private stderrTail = '';
  private nextId = 0;
  private up = false;
  private readonly watched = new WeakSet<StopSignal>();
  /** One script id per file, line and code; `generation` says whether this process has its source yet. */
  private readonly scripts = new Map<string, { id: number; generation: number }>();
  /** Answers of blocks sent in a request of several, come before anyone waits for them. */
  private readonly early = new Map<number, string>();
  /** The last id sent to this process: an answer up to it that nobody waits for yet is kept in `early`. */
  private sentUpTo = 0;
  /** Why the process ended while nobody waited: the answer to a block it never ran. */
  private stopped: ComputeStopped | undefined;
  // One timer for every request, moved rather than made anew per step (see arm()).
  private timer: NodeJS.Timeout | undefined;
  private timerAt = 0;
  private deadline = 0;
  generation = 0;

  constructor(private readonly memoryMb = DEFAULT_COMPUTE_MEMORY_MB) {}

  /** Start the process now (e.g. while earlier tool steps run), if it is not running. */
  start(): void {
    if (this.child) return;
    this.generation++;
    this.stderrTail = '';
    this.up = false;
    this.early.clear();
    this.stopped = undefined;
    const flag = permission();
    const args = [`--max-old-space-size=${this.memoryMb}`, '--no-warnings', ...(flag ? [flag] : []), '-e', CHILD_SOURCE];
    const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'], env: {} });
    this.child = child;
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      this.stderrTail = (this.stderrTail + d).slice(-4000);
    });
    let partial = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      if (child !== this.child) return;
      const text = partial ? partial + d : d;
      let start = 0;
      for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
        this.answer(text.slice(start, end));
        start = end + 1;
      }
      partial = start < text.length ? text.slice(start) : '';
    });
    child.on('exit', (code, signal) => {
      if (child !== this.child) return;
      this.child = undefined;
      const oom = /heap out of memory|Allocation failed/.test(this.stderrTail);
      const stop = oom
        ? new ComputeStopped('memory', `ran out of memory (limit ${this.memoryMb} MB)`)
        : new ComputeStopped('crashed', `the compute process ended (${signal ?? `exit code ${code}`})${this.stderrTail ? `: ${this.stderrTail.trim().split('\n')[0]}` : ''}`);
      // Ended while running a block sent ahead: its step learns why when it asks for its answer.
      if (this.waiting) this.waiting.fail(stop);
      else this.stopped = stop;
    });
    // A failed spawn or a broken pipe also ends in 'exit' (or, at worst, at the time limit): reported there.
    child.on('error', () => {});
    child.stdin!.on('error', () => {});
    // An idle compute process never keeps aiw alive: a request in flight holds the timer.
    child.unref();
    for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as unknown as { unref?(): void } | null)?.unref?.();
  }

  /** `<id>\t<answer>` for a request, or `ready` once the process is up. */
  private answer(line: string): void {
    if (line === 'ready') {
      this.up = true;
      // The time limit of a request sent while the process started runs from here.
      if (this.waiting) this.arm(this.waiting.timeoutMs);
      return;
    }
    const w = this.waiting;
    const tab = line.indexOf('\t');
    if (tab < 0) return;
    const id = Number(line.slice(0, tab));
    if (w && id === w.id) {
      this.waiting = undefined;
      this.timer?.unref();
      w.resolve(line.slice(tab + 1));
    } else if (id <= this.sentUpTo && (!w || id > w.id)) {
      this.early.set(id, line.slice(tab + 1));
    }
  }

  /** Whether the process is running (it is not after a kill, a crash or an exit). */
  get running(): boolean {
    return this.child !== undefined;
  }

  /** Start the process if needed and return its generation (it changes with every start). */
  ready(): number {
    this.start();
    return this.generation;
  }

  /** Send one block and wait for its answer (see send() and answer()). */
  request(ctx: number, block: ComputeBlock, values: string | undefined, timeoutMs: number, signal?: StopSignal): Promise<string> {
    return this.answerTo(this.send(ctx, [block], values), timeoutMs, signal);
  }

  /**
   * Send blocks to run one after the other in context `ctx`, after `values` are set there (a JSON
   * array, see compute-child-source.ts). Returns the id of the first block; block k answers as
   * id + k, and after an error the process answers no more blocks of the request.
   */
  send(ctx: number, blocks: ComputeBlock[], values: string | undefined): number {
    this.start();
    const id = this.nextId + 1;
    this.nextId += blocks.length;
    this.sentUpTo = this.nextId;
    let header = `{"id":${id},"c":${ctx},"b":[`;
    blocks.forEach((block, k) => {
      const key = `${block.file}\u0000${block.line}\u0000${block.code}`;
      let script = this.scripts.get(key);
      if (!script) this.scripts.set(key, (script = { id: this.scripts.size + 1, generation: 0 }));
      header += `${k ? ',' : ''}{"s":${script.id}`;
      // A process sees a block's source once; later runs of the block name its id.
      if (script.generation !== this.generation) {
        header += `,"f":${JSON.stringify(block.file)},"l":${block.line},"src":${JSON.stringify(block.code)}`;
        script.generation = this.generation;
      }
      if (block.output !== undefined) header += `,"o":${JSON.stringify(block.output)},"n":${JSON.stringify(block.step)}`;
      header += '}';
    });
    this.child!.stdin!.write(values === undefined ? `${header}]}\n` : `${header}]}\t${values}\n`);
    return id;
  }

  /**
   * The answer of block `id`, under a time limit that runs from now (or from when the process is up).
   * Past the limit the process is killed (SIGKILL: nothing in it can delay that) and the block fails
   * as `timeout`; the next request starts a new process.
   */
  answerTo(id: number, timeoutMs: number, signal?: StopSignal): Promise<string> {
    const early = this.early.get(id);
    if (early !== undefined) {
      this.early.delete(id);
      return Promise.resolve(early);
    }
    if (signal?.aborted) {
      this.kill();
      return Promise.reject(new ComputeStopped('interrupted', 'interrupted'));
    }
    if (!this.child) return Promise.reject(this.stopped ?? new ComputeStopped('crashed', 'the compute process ended'));
    return new Promise<string>((resolve, reject) => {
      this.waiting = { id, timeoutMs, resolve, fail: (err) => {
        this.kill();
        reject(err);
      } };
      this.arm(this.up ? timeoutMs : START_ALLOWANCE_MS);
      this.watch(signal);
    });
  }

  /**
   * The request in flight fails `ms` from now. The one timer is moved, not made anew: while steps
   * follow each other under the same limit, it fires once per limit, sees a later deadline and
   * waits for the rest. Unref'd between requests, so an idle process never keeps aiw alive.
   */
  private arm(ms: number): void {
    const now = monotonicMs();
    this.deadline = now + ms;
    if (this.timer && this.timerAt <= this.deadline) {
      this.timer.ref();
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = this.deadline;
    this.timer = setTimeout(() => this.expired(), ms);
  }

  private expired(): void {
    this.timer = undefined;
    const w = this.waiting;
    if (!w) return;
    const left = this.deadline - monotonicMs();
    if (left > 0) {
      this.timerAt = this.deadline;
      this.timer = setTimeout(() => this.expired(), left);
      return;
    }
    w.fail(this.up
      ? new ComputeStopped('timeout', `stopped after ${w.timeoutMs} ms (time limit)`)
      : new ComputeStopped('crashed', `the compute process did not start within ${Math.round(START_ALLOWANCE_MS / 1000)} s`));
  }

  /** One listener per signal, not one per step: Ctrl-C fails the request in flight and stops the process. */
  private watch(signal: StopSignal | undefined): void {
    if (!signal || this.watched.has(signal)) return;
    this.watched.add(signal);
    signal.addEventListener('abort', () => this.waiting?.fail(new ComputeStopped('interrupted', 'interrupted')), { once: true });
  }

  /** Forget a context (a nested skill finished). */
  drop(ctx: number): void {
    if (this.child?.stdin?.writable) this.child.stdin.write(`{"drop":${ctx}}\n`);
  }

  /** Stop the process; the next request starts a new one. */
  kill(): void {
    const child = this.child;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!child) return;
    this.child = undefined;
    this.waiting = undefined;
    this.early.clear();
    child.kill('SIGKILL');
  }

  close(): void {
    this.kill();
  }
}
