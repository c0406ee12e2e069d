import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { AiwError, type SourceLocation } from '../errors/errors.js';

/** A step that failed in a way the healer's classes name (a runaway block is a `timeout`). */
export class ComputeError extends AiwError {
  constructor(message: string, readonly failureClass: string | undefined, location?: SourceLocation, cause?: unknown) {
    super('SKILL_FAILED', message, { location, cause });
  }
}

export interface WorkerAnswer {
  value?: unknown;
  undefined?: string[];
  warnings?: string[];
  printed?: string;
  error?: { type: string; message: string; line: number | null };
}

interface Pending {
  resolve(answer: WorkerAnswer): void;
  reject(err: Error): void;
}

const STDERR_KEPT = 4096;

/** Where the worker script is: beside this module in src/, or in dist/python/ beside the bundle's chunks. */
export function workerScript(): string {
  const candidates = ['./python/worker.py', '../python/worker.py'].map((p) => fileURLToPath(new URL(p, import.meta.url)));
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new AiwError('SKILL_FAILED', `aiw's Python worker script is missing (looked in ${candidates.join(', ')}); reinstall aiw`);
  return found;
}

/**
 * One long-lived `python3` process for a run, started on first use. Requests go one per line as
 * JSON and are answered in order. A request that takes longer than its limit kills the process (its
 * whole process group) and fails with class `timeout`; the next request starts a fresh worker, and
 * `onRestart` lets the owner send the scopes again.
 */
export class PythonWorker {
  private child?: ChildProcessWithoutNullStreams;
  private started?: Promise<void>;
  private readonly pending = new Map<number, Pending>();
  /** Answers to a request of several blocks, come before anyone waits for them. */
  private readonly early = new Map<number, WorkerAnswer>();
  private sentUpTo = 0;
  /** Why the worker stopped while nobody waited: the answer to a block it never finished. */
  private stopped: Error | undefined;
  private nextId = 1;
  /** Counts starts: a request of several blocks belongs to the worker it was sent to. */
  generation = 0;
  private stderr = '';
  info: { python?: string; jinja2?: string | null } = {};

  constructor(private readonly opts: { python: string; cwd: string; env: NodeJS.ProcessEnv; onRestart: () => void }) {}

  get running(): boolean {
    return this.child !== undefined;
  }

  /** Send one request; `what` names the step in errors, `limitMs` bounds the wait. */
  async request(body: Record<string, unknown>, what: string, limitMs: number, location?: SourceLocation): Promise<WorkerAnswer> {
    return this.answerTo(await this.send(body, 1, what), what, limitMs, location);
  }

  /**
   * Send a request that `count` answers come back for (ids from the returned one on; see
   * run_blocks in worker.py), starting the worker if needed. Its generation is `generation` now.
   */
  async send(body: Record<string, unknown>, count: number, what: string): Promise<number> {
    await this.start(what);
    const id = this.nextId;
    this.nextId += count;
    this.sentUpTo = this.nextId - 1;
    this.child!.stdin.write(`${JSON.stringify({ ...body, id })}\n`);
    return id;
  }

  /** The answer with this id, waited for under `limitMs` from now (past it the worker is killed). */
  answerTo(id: number, what: string, limitMs: number, location?: SourceLocation): Promise<WorkerAnswer> {
    const early = this.early.get(id);
    if (early) {
      this.early.delete(id);
      return Promise.resolve(early);
    }
    if (!this.child) return Promise.reject(this.stopped ?? new AiwError('SKILL_FAILED', 'the Python worker stopped'));
    return new Promise<WorkerAnswer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        this.kill();
        reject(new ComputeError(`${what}: stopped after ${limitMs} ms (time limit); the Python worker was restarted`, 'timeout', location));
      }, limitMs);
      this.pending.set(id, {
        resolve: (a) => { clearTimeout(timer); resolve(a); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      });
    });
  }

  private start(what: string): Promise<void> {
    if (this.child && this.started) return this.started;
    const script = workerScript();
    this.generation++;
    this.early.clear();
    this.stopped = undefined;
    const child = spawn(this.opts.python, ['-u', script], {
      cwd: this.opts.cwd,
      env: { ...this.opts.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONIOENCODING: 'utf-8' },
      // Its own process group: Ctrl-C reaches aiw, which stops the worker and whatever it started.
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child = child;
    this.stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-STDERR_KEPT);
    });
    child.stdin.on('error', () => { /* the exit handler below reports a dead worker */ });
    let ready!: () => void;
    let failed!: (err: Error) => void;
    this.started = new Promise<void>((res, rej) => { ready = res; failed = rej; });
    const lines = createInterface({ input: child.stdout });
    let greeted = false;
    lines.on('line', (line) => {
      let msg: WorkerAnswer & { id?: number; ready?: boolean; python?: string; jinja2?: string | null };
      try {
        msg = JSON.parse(line) as typeof msg;
      } catch (err) {
        this.failAll(new AiwError('SKILL_FAILED', `the Python worker wrote something that is not its protocol: ${line.slice(0, 200)}`, { cause: err }));
        return;
      }
      if (!greeted && msg.ready) {
        greeted = true;
        this.info = { python: msg.python, jinja2: msg.jinja2 };
        ready();
        return;
      }
      const pending = msg.id === undefined ? undefined : this.pending.get(msg.id);
      if (!pending) {
        if (msg.id !== undefined && msg.id <= this.sentUpTo && child === this.child) this.early.set(msg.id, msg);
        return;
      }
      this.pending.delete(msg.id!);
      pending.resolve(msg);
    });
    child.on('error', (err: NodeJS.ErrnoException) => {
      const message = err.code === 'ENOENT'
        ? `${what}: Python compute needs '${this.opts.python}' on PATH, and it was not found. Install Python 3 (Debian/Ubuntu: apt-get install python3 python3-jinja2; macOS: brew install python), or set AIW_PYTHON to a python3 executable`
        : `${what}: cannot start the Python worker '${this.opts.python}': ${err.message}`;
      const error = new AiwError('SKILL_FAILED', message, { cause: err });
      this.forget(child);
      failed(error);
      this.failAll(error);
    });
    child.on('exit', (code, signal) => {
      const detail = this.stderr.trim() ? `: ${this.stderr.trim().split('\n').slice(-5).join(' | ')}` : '';
      const error = new AiwError('SKILL_FAILED', `the Python worker stopped (${signal ?? `exit code ${code}`})${detail}`);
      this.forget(child);
      failed(error);
      this.failAll(error);
    });
    return this.started;
  }

  private forget(child: ChildProcessWithoutNullStreams): void {
    if (this.child !== child) return;
    this.child = undefined;
    this.started = undefined;
    this.early.clear();
    this.opts.onRestart();
  }

  private failAll(err: Error): void {
    this.stopped = err;
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(err);
    }
  }

  /** Stop the worker now (time limit, Ctrl-C): the whole process group, so a block's children too. */
  kill(): void {
    const child = this.child;
    if (!child) return;
    this.forget(child);
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  }

  /** End of the run: close stdin so the worker exits by itself. */
  close(): void {
    const child = this.child;
    if (!child) return;
    this.forget(child);
    child.stdin.end();
    // A block still busy when the run ends (it should not be) must not keep aiw alive.
    const timer = setTimeout(() => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, 2000);
    timer.unref();
    child.unref();
  }
}
