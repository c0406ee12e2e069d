import { spawn, type ChildProcess } from 'node:child_process';
import { CHILD_SOURCE } from './compute-child-source.js';

export const DEFAULT_COMPUTE_MEMORY_MB = 512;

/** Why a request to the compute process did not come back with the code's own outcome. */
export type ComputeStop = 'timeout' | 'memory' | 'crashed' | 'interrupted';

export class ComputeStopped extends Error {
  constructor(readonly kind: ComputeStop, message: string) {
    super(message);
    this.name = 'ComputeStopped';
  }
}

/** One block to run: in which context, the code and where it is, and the values set since the context's last run. */
export interface ComputeRequest {
  ctx: number;
  code: string;
  file: string;
  line: number;
  /** A JSON array of `[name, key|null, value]` (see compute-child-source.ts), or undefined for none. */
  values?: string;
}

interface Waiting {
  id: number;
  timeoutMs: number;
  resolve(text: string): void;
  fail(err: ComputeStopped): void;
}

// How long a new process may take to start before its first request fails (a loaded machine).
const START_ALLOWANCE_MS = 30_000;

// The permission model keeps an escaped compute script away from files and processes. Its flag was
// renamed in Node 22; whichever this Node knows is used.
const PERMISSION = ['--permission', '--experimental-permission'].find((f) => process.allowedNodeEnvironmentFlags.has(f));

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
  private readonly watched = new WeakSet<AbortSignal>();
  /** One script id per file, line and code; `generation` says whether this process has its source yet. */
  private readonly scripts = new Map<string, { id: number; generation: number }>();
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
    const args = [`--max-old-space-size=${this.memoryMb}`, '--no-warnings', ...(PERMISSION ? [PERMISSION] : []), '-e', CHILD_SOURCE];
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
      this.waiting?.fail(oom
        ? new ComputeStopped('memory', `ran out of memory (limit ${this.memoryMb} MB)`)
        : new ComputeStopped('crashed', `the compute process ended (${signal ?? `exit code ${code}`})${this.stderrTail ? `: ${this.stderrTail.trim().split('\n')[0]}` : ''}`));
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
    if (!w || tab < 0 || Number(line.slice(0, tab)) !== w.id) return;
    this.waiting = undefined;
    this.timer?.unref();
    w.resolve(line.slice(tab + 1));
  }

  /** Start the process if needed and return its generation (it changes with every start). */
  ready(): number {
    this.start();
    return this.generation;
  }

  /**
   * Run one request under a time limit. Past the limit the process is killed (SIGKILL: nothing in
   * it can delay that) and the request fails as `timeout`; the next request starts a new process.
   */
  request(req: ComputeRequest, timeoutMs: number, signal?: AbortSignal): Promise<string> {
    if (signal?.aborted) return Promise.reject(new ComputeStopped('interrupted', 'interrupted'));
    this.start();
    const child = this.child!;
    const id = ++this.nextId;
    const key = `${req.file}\u0000${req.line}\u0000${req.code}`;
    let script = this.scripts.get(key);
    if (!script) this.scripts.set(key, (script = { id: this.scripts.size + 1, generation: 0 }));
    let header = `{"id":${id},"c":${req.ctx},"s":${script.id}`;
    // A process sees a block's source once; later runs of the block name its id.
    if (script.generation !== this.generation) {
      header += `,"f":${JSON.stringify(req.file)},"l":${req.line},"src":${JSON.stringify(req.code)}`;
      script.generation = this.generation;
    }
    return new Promise<string>((resolve, reject) => {
      this.waiting = { id, timeoutMs, resolve, fail: (err) => {
        this.kill();
        reject(err);
      } };
      this.arm(this.up ? timeoutMs : START_ALLOWANCE_MS);
      this.watch(signal);
      child.stdin!.write(req.values === undefined ? `${header}}\n` : `${header}}\t${req.values}\n`);
    });
  }

  /**
   * The request in flight fails `ms` from now. The one timer is moved, not made anew: while steps
   * follow each other under the same limit, it fires once per limit, sees a later deadline and
   * waits for the rest. Unref'd between requests, so an idle process never keeps aiw alive.
   */
  private arm(ms: number): void {
    const now = performance.now();
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
    const left = this.deadline - performance.now();
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
  private watch(signal: AbortSignal | undefined): void {
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
    child.kill('SIGKILL');
  }

  close(): void {
    this.kill();
  }
}
