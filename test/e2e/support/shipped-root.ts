import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';

/** The repository root: the skills, tools, config and memory aiw ships with. */
export const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** The built binary a user runs. */
export const AIW_BIN = join(REPO_ROOT, 'bin', 'aiw.js');

const SHIPPED = ['skills', 'tools', 'memory', 'aiw.config.yaml'];

/**
 * A temporary copy of the shipped root, so a run writes its tool_failures.yaml and learned fixes
 * there and never into the repository's memory/. Remove it with `remove()`.
 */
export interface RootCopy {
  dir: string;
  path(...parts: string[]): string;
  /** Replaces aiw.config.yaml. */
  writeConfig(config: Record<string, unknown>): void;
  write(path: string, text: string): string;
  /** `memory/learned/<name>.yaml` parsed, or undefined when it does not exist. */
  readLearned<T>(name: 'tool_failures' | 'tool_fixes'): T | undefined;
  remove(): void;
}

export function copyShippedRoot(prefix = 'aiw-e2e-root-'): RootCopy {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  for (const entry of SHIPPED) cpSync(join(REPO_ROOT, entry), join(dir, entry), { recursive: true });
  // A failure log left in the working tree by a manual run must not leak into a test.
  rmSync(join(dir, 'memory', 'learned', 'tool_failures.yaml'), { force: true });
  const path = (...parts: string[]): string => join(dir, ...parts);
  return {
    dir,
    path,
    writeConfig(config) {
      writeFileSync(path('aiw.config.yaml'), stringify(config));
    },
    write(file, text) {
      const full = path(file);
      mkdirSync(join(full, '..'), { recursive: true });
      writeFileSync(full, text);
      return full;
    },
    readLearned<T>(name: string) {
      const file = path('memory', 'learned', `${name}.yaml`);
      return existsSync(file) ? (parse(readFileSync(file, 'utf8')) as T) : undefined;
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One line of tool_failures.yaml, as the heal loop writes it. */
export interface FailureLogRecord {
  tool: string;
  error: string | null;
  error_type: string | null;
  fix_attempted: string | null;
  success: boolean;
  skill: string | null;
  step: string | null;
  attempt: number;
  run_id: string;
  kind: 'attempt' | 'fix' | 'remedy';
}

export function failureRecords(root: RootCopy): FailureLogRecord[] {
  return root.readLearned<{ failures: FailureLogRecord[] | null }>('tool_failures')?.failures ?? [];
}
