import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach } from 'vitest';
import { run } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/io.js';

export interface TempRoot {
  dir: string;
  write(path: string, text: string | Buffer): string;
  /** A tiny real executable (shell script) to use as a tool fixture. */
  script(path: string, body: string): string;
  path(...parts: string[]): string;
}

const roots: string[] = [];

/**
 * Remedy trust lives in $XDG_CONFIG_HOME (outside any project): tests get their own, never the
 * person's ~/.config, and it is removed with the test file's other leftovers.
 */
export const TEST_XDG_CONFIG_HOME = mkdtempSync(join(tmpdir(), 'aiw-test-xdg-'));
afterAll(() => rmSync(TEST_XDG_CONFIG_HOME, { recursive: true, force: true }));

afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

/** A fresh project root in the temp dir with its own skills/, tools/ and memory/; removed after the test. */
export function tempRoot(files: Record<string, string> = {}): TempRoot {
  const root = createRoot('aiw-test-', files);
  roots.push(root.dir);
  return root;
}

/** The same, for suites that share one root across tests and remove it themselves. */
export function createRoot(prefix: string, files: Record<string, string> = {}): TempRoot {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  mkdirSync(join(dir, 'skills'));
  mkdirSync(join(dir, 'tools'));
  const root: TempRoot = {
    dir,
    path: (...parts) => join(dir, ...parts),
    write(path, text) {
      const full = join(dir, path);
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, text);
      return full;
    },
    script(path, body) {
      const full = root.write(path, `#!/bin/sh\n${body}\n`);
      chmodSync(full, 0o755);
      return full;
    },
  };
  for (const [p, t] of Object.entries(files)) root.write(p, t);
  return root;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  json<T = Record<string, unknown>>(): T;
}

/** Run the CLI in-process the way the binary does, with a non-TTY Io as in CI. */
export async function aiw(argv: string[], options: { root?: string; env?: Record<string, string | undefined>; cwd?: string } = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, CI: 'true', XDG_CONFIG_HOME: TEST_XDG_CONFIG_HOME, ...options.env };
  const io: Io = {
    stdout: { write: (t) => void (stdout += t), isTTY: false },
    stderr: { write: (t) => void (stderr += t), isTTY: false },
    env,
    cwd: options.cwd ?? options.root ?? process.cwd(),
  };
  const args = options.root ? ['--root', options.root, ...argv] : argv;
  const code = await run(args, io);
  return {
    code, stdout, stderr,
    json<T>() {
      return JSON.parse(stdout) as T;
    },
  };
}
