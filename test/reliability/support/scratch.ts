import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A temporary project root (skills/, tools/, memory/ as written), removed by `remove()`. */
export interface Scratch {
  dir: string;
  path(...parts: string[]): string;
  write(path: string, text: string | Buffer): string;
  /** A tiny real executable (a shell script) to use as a tool fixture. */
  script(path: string, body: string): string;
  remove(): void;
}

export function scratch(prefix: string, files: Record<string, string> = {}): Scratch {
  const dir = mkdtempSync(join(tmpdir(), `aiw-rel-${prefix}-`));
  const s: Scratch = {
    dir,
    path: (...parts) => join(dir, ...parts),
    write(path, text) {
      const full = join(dir, path);
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, text);
      return full;
    },
    script(path, body) {
      const full = s.write(path, `#!/bin/sh\n${body}\n`);
      chmodSync(full, 0o755);
      return full;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
  mkdirSync(join(dir, 'skills'));
  mkdirSync(join(dir, 'tools'));
  for (const [p, t] of Object.entries(files)) s.write(p, t);
  return s;
}
