import { spawn, type IPty } from 'node-pty';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/aiw.js', import.meta.url));

export interface PtyRun {
  /** Everything the terminal received so far (escape sequences included). */
  output(): string;
  /** Type into the terminal: '\x03' is Ctrl-C, which the terminal turns into SIGINT for aiw's process group. */
  type(text: string): void;
  /** Resolves once the output contains `text` (bounded by the test's timeout). */
  waitFor(text: string | RegExp): Promise<void>;
  exited: Promise<{ exitCode: number; signal?: number }>;
}

/**
 * The built `aiw` in a real pseudo-terminal (node-pty), as a person at a terminal runs it: stdout
 * is a TTY, CI is unset, Ctrl-C goes through the terminal's line discipline.
 */
export function aiwInPty(args: string[], env: Record<string, string>, cwd: string, cols = 100): PtyRun {
  const term: IPty = spawn(process.execPath, [BIN, ...args], {
    name: 'xterm-256color', cols, rows: 30, cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LANG: 'C.UTF-8', TERM: 'xterm-256color', ...env },
  });
  let out = '';
  const waiters: Array<() => void> = [];
  term.onData((d) => {
    out += d;
    for (const w of waiters.splice(0)) w();
  });
  const exited = new Promise<{ exitCode: number; signal?: number }>((resolve) => term.onExit(resolve));
  return {
    output: () => out,
    type: (text) => term.write(text),
    exited,
    async waitFor(text) {
      const seen = () => (typeof text === 'string' ? out.includes(text) : text.test(out));
      while (!seen()) {
        const more = new Promise<void>((resolve) => waiters.push(resolve));
        const ended = exited.then(() => {
          throw new Error(`aiw exited before its terminal showed ${String(text)}; it showed:\n${out}`);
        });
        await Promise.race([more, ended]);
      }
    },
  };
}
