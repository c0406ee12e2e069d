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

export interface ComputeRequest {
  ctx: number;
  key: string;
  source: string;
  file: string;
  line: number;
  pending?: string;
}

interface Waiting {
  id: number;
  resolve(text: string): void;
  fail(err: ComputeStopped): void;
  /** The process is up: the time limit of a request sent while it started runs from here. */
  onReady?(): void;
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
      const lines = (partial + d).split('\n');
      partial = lines.pop()!;
      for (const line of lines) this.answer(JSON.parse(line) as { t?: string; id?: number; text?: string });
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
    // An idle compute process never keeps aiw alive: a request in flight holds its own timer.
    child.unref();
    for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as unknown as { unref?(): void } | null)?.unref?.();
  }

  private answer(m: { t?: string; id?: number; text?: string }): void {
    if (m.t === 'ready') {
      this.up = true;
      this.waiting?.onReady?.();
      return;
    }
    const w = this.waiting;
    if (!w || m.id !== w.id) return;
    this.waiting = undefined;
    w.resolve(String(m.text));
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
  async request(req: ComputeRequest, timeoutMs: number, signal?: AbortSignal): Promise<string> {
    if (signal?.aborted) throw new ComputeStopped('interrupted', 'interrupted');
    this.start();
    const child = this.child!;
    const id = ++this.nextId;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await new Promise<string>((resolve, reject) => {
        const stop = (err: ComputeStopped) => {
          this.kill();
          reject(err);
        };
        const limit = () => setTimeout(() => stop(new ComputeStopped('timeout', `stopped after ${timeoutMs} ms (time limit)`)), timeoutMs);
        const waiting: Waiting = { id, resolve, fail: stop };
        if (this.up) timer = limit();
        else {
          timer = setTimeout(() => stop(new ComputeStopped('crashed', `the compute process did not start within ${Math.round(START_ALLOWANCE_MS / 1000)} s`)), START_ALLOWANCE_MS);
          waiting.onReady = () => {
            clearTimeout(timer);
            timer = limit();
          };
        }
        this.waiting = waiting;
        this.watch(signal);
        child.stdin!.write(`${JSON.stringify({ t: 'run', id, ...req })}\n`);
      });
    } finally {
      clearTimeout(timer);
      if (this.waiting?.id === id) this.waiting = undefined;
    }
  }

  /** One listener per signal, not one per step: Ctrl-C fails the request in flight and stops the process. */
  private watch(signal: AbortSignal | undefined): void {
    if (!signal || this.watched.has(signal)) return;
    this.watched.add(signal);
    signal.addEventListener('abort', () => this.waiting?.fail(new ComputeStopped('interrupted', 'interrupted')), { once: true });
  }

  /** Forget a context (a nested skill finished). */
  drop(ctx: number): void {
    if (this.child?.stdin?.writable) this.child.stdin.write(`${JSON.stringify({ t: 'drop', ctx })}\n`);
  }

  /** Stop the process; the next request starts a new one. */
  kill(): void {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    this.waiting = undefined;
    child.kill('SIGKILL');
  }

  close(): void {
    this.kill();
  }
}
