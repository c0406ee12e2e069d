import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { pollUntil } from '../wait.js';

const MAX_OUTPUT = 64 * 1024;

/** A long-running program started by a test, with its recent output kept for failure messages. */
export interface Daemon {
  name: string;
  pid: number;
  /** The last 64 KiB of stdout and stderr together. */
  output(): string;
  /** True once the process has exited (by itself or by `stop`). */
  readonly exited: boolean;
  /** SIGTERM, then SIGKILL after `graceMs` (default 3000); resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * A last resort against leftovers: if the test process exits without `stop()` (a crash, a
 * timeout kill), take our children with it. `exit` handlers must be synchronous; kill is.
 */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

export function spawnDaemon(name: string, command: string, args: string[], cwd: string): Daemon {
  installExitHook();
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-MAX_OUTPUT);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited = false;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      running.delete(child);
      resolve();
    });
    child.once('error', (error) => {
      keep(Buffer.from(`\n[spawn error] ${error.message}\n`));
      exited = true;
      running.delete(child);
      resolve();
    });
  });
  running.add(child);
  return {
    name,
    pid: child.pid ?? -1,
    output: () => output,
    get exited() {
      return exited;
    },
    async stop(graceMs = 3000) {
      if (exited) return;
      child.kill('SIGTERM');
      const gone = await Promise.race([exitPromise.then(() => true), sleep(graceMs).then(() => false)]);
      if (!gone) {
        child.kill('SIGKILL');
        await exitPromise;
      }
    },
  };
}

/**
 * Waits until GET `url` answers 200. Resolves 'exited' at once if the program dies first, so
 * the caller can retry (a port taken in the meantime) or fail with `daemon.output()`.
 */
export async function waitUntilReady(daemon: Daemon, url: string, timeoutMs: number): Promise<'ready' | 'exited'> {
  try {
    return await pollUntil<'ready' | 'exited'>(
      async () => {
        if (daemon.exited) return 'exited';
        const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
        return response.ok ? 'ready' : undefined;
      },
      { timeoutMs, intervalMs: 100, what: `${daemon.name} to be ready at ${url}` },
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}\n--- ${daemon.name} output ---\n${daemon.output()}`, { cause: error });
  }
}
