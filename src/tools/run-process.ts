import { spawn, type ChildProcess } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import { redactAndTruncate } from '../secrets/redact.js';
import type { ToolResult } from '../model/tool.js';
import { monotonicMs } from '../model/clock.js';
import type { StopSignal } from '../model/stop-signal.js';

/**
 * The one place aiw starts a process, for tools and for quick fixes alike. node:child_process is
 * used directly rather than execa: a bare spawn costs about half of execa's per call and none of its
 * ~77 ms import, and aiw needs only argv, env, a time limit, a capped output and a tree kill.
 */
export interface ProcessOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  signal?: StopSignal;
  /** Bytes kept of each of stdout and stderr; the rest is dropped with a note. */
  maxOutputBytes?: number;
  /** Grace period between SIGTERM and SIGKILL when stopping a tool. */
  killGraceMs?: number;
  /** Output as it arrives (`--verbose`), decoded per stream so a character split across chunks stays whole. */
  onOutput?: (stream: 'stdout' | 'stderr', text: string) => void;
  /** How long output is still read after the tool exits, while something else keeps its pipes open. */
  drainMs?: number;
}

export const DEFAULT_MAX_OUTPUT_BYTES = 16 * 1024 * 1024;
const DEFAULT_KILL_GRACE_MS = 2000;
const DEFAULT_DRAIN_MS = 250;

export function runProcess(argv: string[], options: ProcessOptions = {}): Promise<ToolResult> {
  const started = monotonicMs();
  const max = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  return new Promise((resolve) => {
    const [file, ...args] = argv;
    let child: ReturnType<typeof spawn>;
    try {
      // detached: the tool leads its own process group, so a timeout or Ctrl-C can stop its children too.
      child = spawn(file!, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    } catch (err) {
      resolve(spawnFailure(argv, err, started));
      return;
    }
    const out = new CappedBuffer(max);
    const err = new CappedBuffer(max);
    child.stdout!.on('data', (d: Buffer) => out.push(d));
    child.stderr!.on('data', (d: Buffer) => err.push(d));
    if (options.onOutput) streamTo(child, options.onOutput);
    let timedOut = false;
    let interrupted = false;
    let killTimer: NodeJS.Timeout | undefined;
    let drainTimer: NodeJS.Timeout | undefined;
    let giveUpTimer: NodeJS.Timeout | undefined;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let done = false;
    const grace = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
    const stop = () => {
      killGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), grace);
      // A process that survives SIGKILL (stuck in the kernel) must not hold aiw either.
      giveUpTimer = setTimeout(() => finish(), grace + DEFAULT_DRAIN_MS * 4);
    };
    const timer = options.timeoutMs ? setTimeout(() => ((timedOut = true), stop()), options.timeoutMs) : undefined;
    const onAbort = () => ((interrupted = true), stop());
    options.signal?.addEventListener('abort', onAbort, { once: true });
    let spawnError: unknown;
    child.on('error', (e) => (spawnError = e));
    // The tool's exit ends the step. Its output pipes may stay open much longer: a background child
    // (`sleep 8 &`) or a daemon in its own session inherits them. Wait a moment for the output
    // already written, then stop listening instead of waiting for every inheritor to close them.
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      drainTimer = setTimeout(() => finish(), options.drainMs ?? DEFAULT_DRAIN_MS);
    });
    child.on('close', (code, signal) => {
      exit ??= { code, signal };
      finish();
    });
    function finish(): void {
      if (done) return;
      done = true;
      for (const t of [timer, killTimer, drainTimer, giveUpTimer]) if (t) clearTimeout(t);
      options.signal?.removeEventListener('abort', onAbort);
      child.stdout!.destroy();
      child.stderr!.destroy();
      // Children of a killed tool may still hold the group; make sure none is left behind.
      if (timedOut || interrupted) killGroup(child.pid, 'SIGKILL');
      if (spawnError) return resolve(spawnFailure(argv, spawnError, started));
      const { code, signal } = exit ?? { code: null, signal: null };
      const stdout = out.text();
      const stderr = err.text();
      const durationMs = Math.round(monotonicMs() - started);
      const ok = code === 0 && !timedOut && !interrupted;
      let error: string | undefined;
      if (timedOut) error = `timed out after ${options.timeoutMs} ms and was stopped`;
      else if (interrupted) error = 'interrupted';
      else if (!ok) error = signal ? `killed by ${signal}` : `exit code ${code}`;
      if (error) {
        const detail = redactAndTruncate(stderr.trim() || stdout.trim(), 4000, 'tail'); // masked first: a cut can split a token
        if (detail) error += `: ${detail}`;
      }
      resolve({
        ok, output: stdout, error, exitCode: code, signal, timedOut, stdout, stderr, durationMs,
        command: argv, truncated: out.truncated || err.truncated, interrupted,
      });
    }
  });
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch (err) {
    // ESRCH: the group is already gone, which is what we wanted.
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

function spawnFailure(argv: string[], err: unknown, started: number): ToolResult {
  const e = err as NodeJS.ErrnoException;
  const what = e.code === 'ENOENT' ? `command not found: ${argv[0]}` : `cannot start ${argv[0]}: ${e.message}`;
  return {
    ok: false, output: undefined, error: what, exitCode: null, signal: null, timedOut: false, stdout: '', stderr: '',
    durationMs: Math.round(monotonicMs() - started), command: argv,
  };
}

/** Keeps the first `max` bytes and counts the rest, so a tool printing 100 MB cannot exhaust memory. */
class CappedBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  private dropped = 0;
  constructor(private readonly max: number) {}
  get truncated(): boolean {
    return this.dropped > 0;
  }
  push(chunk: Buffer): void {
    const room = this.max - this.size;
    if (room <= 0) {
      this.dropped += chunk.length;
      return;
    }
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.chunks.push(part);
    this.size += part.length;
    this.dropped += chunk.length - part.length;
  }
  text(): string {
    const text = Buffer.concat(this.chunks, this.size).toString('utf8');
    return this.dropped ? `${text}\n[aiw: output truncated: ${this.dropped} more bytes were dropped]` : text;
  }
}

function streamTo(child: ChildProcess, onOutput: (stream: 'stdout' | 'stderr', text: string) => void): void {
  for (const stream of ['stdout', 'stderr'] as const) {
    const decoder = new StringDecoder('utf8');
    child[stream]!.on('data', (d: Buffer) => onOutput(stream, decoder.write(d)));
    child[stream]!.on('end', () => {
      const rest = decoder.end();
      if (rest) onOutput(stream, rest);
    });
  }
}
