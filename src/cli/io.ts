/** What the CLI talks to; tests pass their own, the binary passes the process's. */
export interface Io {
  stdout: { write(text: string): void; isTTY?: boolean; stream?: NodeJS.WriteStream; columns?: number };
  stderr: { write(text: string): void; isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Registers a handler for SIGINT/SIGTERM; returns a function that removes it. */
  onInterrupt?(handler: (signal: NodeJS.Signals) => void): () => void;
}

export function processIo(): Io {
  const stdout = closablePipe(process.stdout);
  const stderr = closablePipe(process.stderr);
  return {
    stdout: { write: stdout, isTTY: process.stdout.isTTY, stream: process.stdout, columns: process.stdout.columns },
    stderr: { write: stderr, isTTY: process.stderr.isTTY },
    env: process.env,
    cwd: process.cwd(),
    onInterrupt(handler) {
      process.on('SIGINT', handler);
      process.on('SIGTERM', handler);
      return () => {
        process.off('SIGINT', handler);
        process.off('SIGTERM', handler);
      };
    },
  };
}

/**
 * A reader that stops reading (`aiw tools | head -1`) closes the pipe: the next write fails with
 * EPIPE, which Node raises as an unhandled 'error' event. That is the reader's choice, not a failure
 * of aiw: from then on output to that stream is dropped, and the command finishes with its own exit
 * code (a run that has started its steps is not cut short by a closed pager). Other write errors
 * still surface.
 */
function closablePipe(stream: NodeJS.WriteStream): (text: string) => void {
  let closed = false;
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') throw err;
    closed = true;
  });
  return (text) => {
    if (!closed && !stream.destroyed) stream.write(text);
  };
}

/** Interactive means a person is watching: a TTY on stdout and no CI. */
export function isInteractive(io: Io): boolean {
  return io.stdout.isTTY === true && !isCi(io.env);
}

/** `CI` set to anything but empty, `false` or `0` (how some setups switch it off) means a CI job. */
export function isCi(env: NodeJS.ProcessEnv): boolean {
  const ci = env.CI?.trim().toLowerCase();
  return ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0';
}

/**
 * Colour level: NO_COLOR always wins; FORCE_COLOR turns colour on even in CI or a pipe; otherwise
 * colour only for an interactive terminal.
 */
export function colorLevel(io: Io): 0 | 1 | 2 | 3 {
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return 0;
  const force = io.env.FORCE_COLOR;
  if (force !== undefined) {
    if (force === '0' || force === 'false') return 0;
    const n = Number(force);
    return (n >= 1 && n <= 3 ? n : 1) as 1 | 2 | 3;
  }
  return isInteractive(io) ? 1 : 0;
}
