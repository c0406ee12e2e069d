import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TEST_XDG_CONFIG_HOME } from '../../helpers/temp-root.js';

/** The `aiw` binary as a user runs it (the bundle is built by vitest's global setup). */
export const AIW_BIN = fileURLToPath(new URL('../../../bin/aiw.js', import.meta.url));

export interface Exited {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** True when the hang guard had to SIGKILL it. */
  hung: boolean;
  pid: number;
}

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Hang guard, not a performance target: past it the process is killed and `hung` is set. */
  timeoutMs?: number;
  detached?: boolean;
  /** Called once the process is running (e.g. to send it a signal later). */
  started?: (child: ChildProcess) => void;
}

/** A minimal environment: no secrets or CI variables of the machine running the tests leak in. */
export function baseEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', CI: 'true', XDG_CONFIG_HOME: TEST_XDG_CONFIG_HOME, ...extra };
}

/** Run a command to its end, collecting its output; killed (and marked hung) past the guard. */
export function runCommand(file: string, args: string[], options: RunOptions = {}): Promise<Exited> {
  const spawnOptions: SpawnOptions = { cwd: options.cwd, env: baseEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'], detached: options.detached };
  const child = spawn(file, args, spawnOptions);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  let hung = false;
  const guard = setTimeout(() => {
    hung = true;
    child.kill('SIGKILL');
  }, options.timeoutMs ?? 60_000);
  options.started?.(child);
  return new Promise((resolve, reject) => {
    child.on('error', (err) => {
      clearTimeout(guard);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr, hung, pid: child.pid ?? -1 });
    });
  });
}

/** Run `node bin/aiw.js ...args`. */
export function runAiw(args: string[], options: RunOptions = {}): Promise<Exited> {
  return runCommand(process.execPath, [AIW_BIN, ...args], options);
}

/**
 * True while `pid` is a running process. A zombie (exited, not yet reaped by its new parent after
 * its own parent died) counts as gone: it runs nothing and holds nothing but its pid.
 */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) S ...": the state follows the last ')' (comm may itself hold parentheses).
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** Poll `check` until it returns a value (not a timing assertion: a bound so a broken test ends). */
export async function waitUntil<T>(what: string, check: () => T | undefined | null | false, boundMs = 30_000): Promise<T> {
  const end = Date.now() + boundMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`gave up waiting for ${what} after ${boundMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Pids written one per line by the fixture scripts (`echo $$ >> pids`). */
export function readPids(file: string): number[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/**
 * Kill what a failed test left running, by pid (tests only ever start these themselves), and only
 * when the process still runs one of `commands` (a pid may have been reused since). Returns the
 * pids that were still running, so a test can assert there were none.
 */
export function reap(pids: number[], commands: readonly string[]): number[] {
  const ours = (pid: number): boolean => {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      return commands.some((c) => cmdline.includes(c));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  };
  const running = pids.filter((pid) => isRunning(pid) && ours(pid));
  for (const pid of running) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }
  return running;
}
