import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { AIW_BIN, runAiw, runCommand, type Exited } from './support/processes.js';
import { scratch, type Scratch } from './support/scratch.js';

/**
 * Promise: memory files aiw cannot use are named in a warning (or a clear error), never an
 * "internal error": files owned by another user with mode 600, a tool_fixes.yaml that is a folder,
 * a memory folder that is a file, a memory folder on a read-only mount.
 */
const FIXES = 'tool_fixes:\n  - { tool_name: a, error_pattern: boom, root_cause: r, fix_applied: f, date_learned: "2026-01-01" }\n';
const roots: Scratch[] = [];
const mounts: string[] = [];

afterEach(() => {
  for (const m of mounts.splice(0)) execFileSync('umount', [m]);
  for (const r of roots.splice(0)) r.remove();
});

function project(): Scratch {
  const root = scratch('unreadable', { 'skills/s.yaml': 'name: s\nsteps:\n  - { name: a, tool: t }\n' });
  roots.push(root);
  return root;
}

function expectNoInternalError(p: Exited): void {
  expect({ hung: p.hung, internal: /internal error|\n {4}at /.test(p.stderr) }).toEqual({ hung: false, internal: false });
}

const isRoot = process.getuid?.() === 0;

describe('memory files aiw cannot use', () => {
  it.skipIf(!isRoot)('warns about memory files of another user with mode 600 (run as nobody)', async () => {
    const root = project();
    root.write('memory/learned/tool_fixes.yaml', FIXES);
    root.write('memory/learned/tool_failures.yaml', 'failures:\n');
    chmodSync(root.path('memory/learned/tool_fixes.yaml'), 0o600);
    chmodSync(root.path('memory/learned/tool_failures.yaml'), 0o600);
    for (const dir of ['', 'memory', 'memory/learned', 'skills']) chmodSync(root.path(dir), 0o755);
    const asNobody = (args: string[]) => runCommand('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, AIW_BIN, '--root', root.dir, ...args]);
    for (const args of [['memory'], ['known-issues', '--tool', 'a', '--error', 'boom']]) {
      const p = await asNobody(args);
      expectNoInternalError(p);
      expect(p.code).toBe(0);
      expect(p.stderr).toContain(`${root.path('memory/learned/tool_fixes.yaml')}:1:1: skipped: it cannot be read (EACCES`);
    }
  });

  it('warns about a tool_fixes.yaml that is a folder', async () => {
    const root = project();
    mkdirSync(root.path('memory/learned/tool_fixes.yaml'), { recursive: true });
    for (const args of [['memory'], ['known-issues', '--tool', 'a', '--error', 'boom']]) {
      const p = await runAiw(['--root', root.dir, ...args]);
      expectNoInternalError(p);
      expect(p.code).toBe(0);
      expect(p.stderr).toContain('tool_fixes.yaml:1:1: skipped: it is not a regular file');
    }
  });

  it('warns about a memory folder that is a file', async () => {
    const root = project();
    writeFileSync(root.path('memory'), 'not a folder\n');
    for (const args of [['memory'], ['known-issues', '--tool', 'a', '--error', 'boom']]) {
      const p = await runAiw(['--root', root.dir, ...args]);
      expectNoInternalError(p);
      expect(p.code).toBe(0);
      expect(p.stderr).toContain('skipped: a folder on its path is a file (is the memory folder a file?)');
    }
  });

  it.skipIf(!isRoot)('names the read-only file system when the lookup cache cannot be written', async (ctx) => {
    const root = project();
    root.write('memory/learned/tool_fixes.yaml', FIXES);
    const memory = root.path('memory');
    try {
      execFileSync('mount', ['--bind', memory, memory], { stdio: 'pipe' });
    } catch (err) {
      return ctx.skip(`cannot bind-mount here: ${(err as Error).message.split('\n')[0]}`);
    }
    mounts.push(memory);
    execFileSync('mount', ['-o', 'remount,ro,bind', memory]);
    const p = await runAiw(['--root', root.dir, 'known-issues', '--tool', 'a', '--error', 'boom']);
    expectNoInternalError(p);
    expect(p.code).toBe(0);
    expect(p.stdout).toContain('root cause: r');
    expect(p.stderr).toContain('EROFS');
    expect(p.stderr).not.toContain('ENOENT');
  });
});
