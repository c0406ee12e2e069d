import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { readFailures } from '../../src/memory/attempt-log/attempt-log.js';
import { recordFigure } from './support/figures.js';
import { runAiw, type Exited } from './support/processes.js';
import { scratch, type Scratch } from './support/scratch.js';

/**
 * Promise: a full disk never tears the attempt log. The memory folder is on a real 256 KB tmpfs;
 * a filler file takes every free block but the one the lock needs, so the next append can only
 * write into the slack of the log's last page and fails midway with ENOSPC. Before the fix the partial line stayed, the log
 * was no longer valid YAML, and every later run wrote only to the sidecar.
 */
let root: Scratch;
let mounted = false;
let why = '';

beforeAll(() => {
  root = scratch('full-disk');
  // A long error makes each entry a few KB: larger than what is left in the log's last page.
  root.script('bin/broken', `printf 'error: widget jammed %.0s' $(seq 1 150) >&2; exit 1`);
  root.write('tools/t.yaml', `tools:\n  broken: { command: ["${root.path('bin/broken')}"] }\n`);
  root.write('skills/work.yaml', 'name: work\nsteps:\n  - { name: jam, tool: broken, on_error: continue }\n');
  mkdirSync(root.path('disk'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', root.path('disk')], { stdio: 'pipe' });
    mounted = true;
  } catch (err) {
    why = `cannot mount a tmpfs here (${(err as Error).message.split('\n')[0]}); run as root to try a full disk`;
  }
});

afterAll(() => {
  if (mounted) execFileSync('umount', [root.path('disk')]);
  root?.remove();
});

const memory = () => root.path('disk/memory');
const log = () => `${memory()}/learned/tool_failures.yaml`;
const run = (): Promise<Exited> => runAiw(['--root', root.dir, '--memory-dir', memory(), 'run', 'work', '--json'], { timeoutMs: 60_000 });

/** Take every free block of the tmpfs but one, which the lock file takes: the append then fails midway. */
function fill(): void {
  const fd = openSync(root.path('disk/filler'), 'w');
  const chunk = Buffer.alloc(4096, 0x78);
  try {
    for (let i = 0; i < 1_000; i++) writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
  truncateSync(root.path('disk/filler'), statSync(root.path('disk/filler')).size - 4096);
}

describe('full disk', () => {
  it('keeps the attempt log whole when the disk fills mid-append, and continues once space is freed', async (ctx) => {
    if (!mounted) return ctx.skip(why);
    const first = await run();
    expect(first.code).toBe(0);
    const before = readFileSync(log());
    fill();

    const full = [await run(), await run()];
    for (const p of full) {
      expect(p.code).toBe(0);
      expect(p.stderr).not.toMatch(/internal error|\n {4}at /);
      expect(p.stderr).toMatch(/not recorded|cannot be written/);
    }
    // Cut back to the old size under the lock: the same bytes, still valid YAML.
    expect(readFileSync(log())).toEqual(before);
    expect(parseDocument(before.toString('utf8')).errors).toEqual([]);

    rmSync(root.path('disk/filler'));
    const later = await run();
    expect(later.code).toBe(0);
    expect(later.stderr).not.toContain('aiw: warning');
    const { records, warnings } = await readFailures(log());
    expect(warnings).toEqual([]);
    expect(records.map((r) => r.run_id)).toEqual([first, later].map((p) => (JSON.parse(p.stdout) as { run_id: string }).run_id));
    expect(readdirSync(`${memory()}/learned`).filter((n) => /\.unsaved\.|\.tmp$|\.lock$/.test(n))).toEqual([]);
    recordFigure('full-disk', { tmpfs_kb: 256, runs_on_full_disk: full.length, torn_lines: 0 });
  }, 120_000);
});
