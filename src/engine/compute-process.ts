import { spawn, type ChildProcess } from 'node:child_process';
import { CHILD_SOURCE } from './compute-child-source.js';

export const DEFAULT_COMPUTE_MEMORY_MB = 512;

/** Why a request to the compute process did not come back with the code's own outcome. */
export type ComputeStop = 'timeout' | 'memory' | 'crashed' | 'interrupted' | 'busy';

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
  /** The process took the request: the time limit runs from here. */
  onAck(): void;
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
 * its own heap limit and SIGKILL always works. The host waits on a message, so Ctrl-C is handled
 * at once. `generation` counts restarts: a context lost with a process is rebuilt by its owner.
 */
export class ComputeProcess {
  private child: ChildProcess | undefined;
  private waiting: Waiting | undefined;
  private stderrTail = '';
  private nextId = 0;
  private started = false;
  generation = 0;

  constructor(private readonly memoryMb = DEFAULT_COMPUTE_MEMORY_MB) {}

  /** Start the process now (e.g. while earlier tool steps run), if it is not running. */
  start(): void {
    if (this.child) return;
    this.generation++;
    this.stderrTail = '';
    this.started = false;
    const args = [`--max-old-space-size=${this.memoryMb}`, '--no-warnings', ...(PERMISSION ? [PERMISSION] : []), '-e', CHILD_SOURCE];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'advanced', env: {} });
    this.child = child;
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      this.stderrTail = (this.stderrTail + d).slice(-4000);
    });
    child.on('message', (m: { t: string; id?: number; text?: string; code?: string; message?: string }) => {
      if (child !== this.child) return;
      if (m.t === 'warning') process.emitWarning(String(m.message), { code: m.code });
      if (m.t === 'ready') this.started = true;
      const w = this.waiting;
      if (!w || m.id !== w.id) return;
      if (m.t === 'ack') w.onAck();
      else if (m.t === 'done') {
        this.waiting = undefined;
        w.resolve(String(m.text));
      }
    });
    child.on('exit', (code, signal) => {
      if (child !== this.child) return;
      this.child = undefined;
      const w = this.waiting;
      this.waiting = undefined;
      if (!w) return;
      const oom = /heap out of memory|Allocation failed/.test(this.stderrTail);
      w.fail(oom
        ? new ComputeStopped('memory', `ran out of memory (limit ${this.memoryMb} MB)`)
        : new ComputeStopped('crashed', `the compute process ended (${signal ?? `exit code ${code}`})${this.stderrTail ? `: ${this.stderrTail.trim().split('\n')[0]}` : ''}`));
    });
    child.on('error', () => {
      // A failed spawn also ends in 'exit' (or the request times out): reported there, once.
    });
    // An idle compute process never keeps aiw alive.
    child.unref();
    (child.channel as { unref?(): void } | undefined)?.unref?.();
  }

  /** Start the process if needed and return its generation (it changes with every restart). */
  ready(): number {
    this.start();
    return this.generation;
  }

  /**
   * Run one request under a time limit. Past the limit the process is killed (SIGKILL: nothing in
   * it can delay that) and the request fails as `timeout`. When the process never even took the
   * request (code left running by an earlier step kept it busy), it fails as `busy` instead: the
   * caller replays its values into the next process and tries once more, so a step is not blamed
   * for another's leftovers.
   */
  async request(req: ComputeRequest, timeoutMs: number, signal?: AbortSignal, retried = false): Promise<string> {
    if (signal?.aborted) throw new ComputeStopped('interrupted', 'interrupted');
    this.start();
    const child = this.child!;
    const id = ++this.nextId;
    const fresh = !this.started;
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    try {
      return await new Promise<string>((resolve, reject) => {
        const stop = (err: ComputeStopped) => {
          this.kill();
          reject(err);
        };
        // Until the process takes the request: a process still starting gets an allowance; one that
        // is up but does not answer is busy with an earlier step's leftovers.
        timer = setTimeout(() => stop(fresh
          ? new ComputeStopped('crashed', `the compute process did not start within ${Math.round((timeoutMs + START_ALLOWANCE_MS) / 1000)} s`)
          : retried
            ? new ComputeStopped('timeout', `stopped after ${timeoutMs} ms (time limit)`)
            : new ComputeStopped('busy', 'the compute process was busy with code left running by an earlier step')),
        fresh ? timeoutMs + START_ALLOWANCE_MS : timeoutMs);
        const onAck = () => {
          clearTimeout(timer);
          timer = setTimeout(() => stop(new ComputeStopped('timeout', `stopped after ${timeoutMs} ms (time limit)`)), timeoutMs);
        };
        this.waiting = { id, onAck, resolve, fail: reject };
        onAbort = () => stop(new ComputeStopped('interrupted', 'interrupted'));
        signal?.addEventListener('abort', onAbort, { once: true });
        child.send({ t: 'run', id, ...req }, (err) => {
          if (err) stop(new ComputeStopped('crashed', `the compute process could not be reached: ${err.message}`));
        });
      });
    } finally {
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
      if (this.waiting?.id === id) this.waiting = undefined;
    }
  }

  /** Forget a context (a nested skill finished). */
  drop(ctx: number): void {
    if (this.child?.connected) this.child.send({ t: 'drop', ctx });
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
