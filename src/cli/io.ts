import { fstatSync, writeSync } from 'node:fs';
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
  const outTerminal = isTerminal(1);
  const errTerminal = isTerminal(2);
  return {
    stdout: {
      write: outTerminal ? closablePipe(process.stdout) : descriptorWriter(1),
      isTTY: outTerminal,
      // Node's stream only when something needs it (the spinner, the MCP transport): creating it
      // for a pipe loads the net and stream modules, a fifth of what `aiw --version` costs.
      get stream() {
        return process.stdout;
      },
      columns: outTerminal ? process.stdout.columns : undefined,
    },
    stderr: { write: errTerminal ? closablePipe(process.stderr) : descriptorWriter(2), isTTY: errTerminal },
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
 * A terminal: only a character device can be one, so pipes and files are told apart without loading
 * node:tty (which loads net and stream, ~3 ms). On Linux the memory devices (major number 1:
 * /dev/null, /dev/zero, /dev/full) are never terminals either: `2>/dev/null` in a cron job or a
 * script costs nothing.
 */
function isTerminal(fd: 1 | 2): boolean {
  try {
    const info = fstatSync(fd);
    if (!info.isCharacterDevice()) return false;
    if (process.platform === 'linux' && deviceMajor(info.rdev) === LINUX_MEMORY_DEVICES) return false;
  } catch {
    return false;
  }
  return process.getBuiltinModule('node:tty').isatty(fd);
}

const LINUX_MEMORY_DEVICES = 1;

/** The major number of a Linux device number (glibc's gnu_dev_major, for numbers below 2^53). */
export function deviceMajor(rdev: number): number {
  return ((rdev >>> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff);
}

/**
 * Output to a pipe or a file, written with write(2) on the descriptor, as Node's own stdout does for
 * files and pipes on Linux. Lines written in one turn of the event loop go out in one write at its
 * end (a run that tells several steps at once writes once, not twice a step), stdout and stderr in
 * the order they were written; the rest is written before the process exits. A descriptor left
 * non-blocking by whoever opened it is waited on; a reader that went away (EPIPE) is treated as
 * closablePipe treats it: output to it is dropped from then on.
 */
function descriptorWriter(fd: 1 | 2): (text: string) => void {
  return (text) => pendingOutput.add(fd, text);
}

const FLUSH_AT = 64 * 1024;

const pendingOutput = new (class {
  private readonly queue: Array<{ fd: 1 | 2; text: string }> = [];
  private size = 0;
  private scheduled = false;
  private hooked = false;
  private readonly closed = new Set<number>();
  private readonly pause = new Int32Array(new SharedArrayBuffer(4));

  add(fd: 1 | 2, text: string): void {
    if (this.closed.has(fd) || !text) return;
    const last = this.queue.at(-1);
    if (last?.fd === fd) last.text += text;
    else this.queue.push({ fd, text });
    this.size += text.length;
    if (this.size >= FLUSH_AT) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    if (!this.hooked) {
      this.hooked = true;
      process.once('exit', () => this.flush());
    }
  }

  flush(): void {
    this.scheduled = false;
    this.size = 0;
    for (const { fd, text } of this.queue.splice(0)) this.writeAll(fd, text);
  }

  private writeAll(fd: 1 | 2, text: string): void {
    if (this.closed.has(fd)) return;
    let buffer = Buffer.from(text, 'utf8');
    while (buffer.length) {
      try {
        buffer = buffer.subarray(writeSync(fd, buffer));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') Atomics.wait(this.pause, 0, 0, 1);
        else if (code === 'EPIPE') {
          this.closed.add(fd);
          return;
        } else throw err;
      }
    }
  }
})();

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
