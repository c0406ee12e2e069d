import { rmSync } from 'node:fs';
import { createRoot } from '../../helpers/temp-root.js';

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
  const root = createRoot(`aiw-rel-${prefix}-`, files);
  return { ...root, remove: () => rmSync(root.dir, { recursive: true, force: true }) };
}
