import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_STALE_MS, DEFAULT_TIMEOUT_MS } from '../../src/files/lock.js';
import { ownerText, startTimeOf } from '../../src/files/lock-owner.js';
import { readFailures } from '../../src/memory/attempt-log/attempt-log.js';
import { recordFigure } from './support/figures.js';
import { runAiw } from './support/processes.js';
import { scratch, type Scratch } from './support/scratch.js';

/**
 * Promise: a lock left behind never costs a record. A lock whose pid now belongs to another live
 * process is broken at once (the start time differs); a lock from another host whose holder stopped
 * renewing it is broken after the lease, which is shorter than a waiter's patience. Before: a 30 s
 * wait and a lost record for the first, 60 s of staleness against 30 s of patience for the second.
 */
const roots: Scratch[] = [];
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  for (const r of roots.splice(0)) r.remove();
});

function project(lock: string): Scratch {
  const root = scratch('stale-lock');
  roots.push(root);
  root.script('bin/broken', 'echo "error: widget jammed" >&2; exit 1');
  root.write('tools/t.yaml', `tools:\n  broken: { command: ["${root.path('bin/broken')}"] }\n`);
  root.write('skills/work.yaml', 'name: work\nsteps:\n  - { name: jam, tool: broken, on_error: continue }\n');
  root.write('memory/learned/tool_failures.yaml', 'failures:\n');
  root.write('memory/learned/tool_failures.yaml.lock', lock);
  return root;
}

function lockText(changes: { pid?: number; host?: string; start?: string }): string {
  const lines = ownerText().trimEnd().split('\n');
  if (changes.pid !== undefined) lines[0] = String(changes.pid);
  if (changes.host !== undefined) lines[1] = changes.host;
  if (changes.start !== undefined) lines[lines.findIndex((l) => l.startsWith('start='))] = `start=${changes.start}`;
  return `${lines.join('\n')}\n`;
}

async function runOnce(root: Scratch): Promise<number> {
  const started = performance.now();
  const p = await runAiw(['--root', root.dir, 'run', 'work', '--json'], { timeoutMs: 120_000 });
  expect({ hung: p.hung, code: p.code, warning: p.stderr.includes('aiw: warning') }).toEqual({ hung: false, code: 0, warning: false });
  const { records, warnings } = await readFailures(root.path('memory/learned/tool_failures.yaml'));
  expect(warnings).toEqual([]);
  expect(records.map((r) => r.run_id)).toEqual([(JSON.parse(p.stdout) as { run_id: string }).run_id]);
  expect(existsSync(root.path('memory/learned/tool_failures.yaml.lock'))).toBe(false);
  return Math.round(performance.now() - started);
}

describe('stale locks', () => {
  it('a waiter watches a foreign lease for less time than it is willing to wait', () => {
    expect(DEFAULT_STALE_MS).toBeLessThan(DEFAULT_TIMEOUT_MS);
  });

  it.skipIf(startTimeOf(process.pid) === undefined)('a lock whose pid was reused by another live process is broken, and the record kept', async () => {
    const other = spawn('sleep', ['120'], { stdio: 'ignore' });
    children.push(other);
    await new Promise((resolve) => other.once('spawn', resolve));
    const ms = await runOnce(project(lockText({ pid: other.pid!, start: '1' })));
    recordFigure('stale-lock.pid-reuse', { ms });
  });

  it('a lock from another host that is no longer renewed is broken after the lease, and the record kept', async () => {
    const ms = await runOnce(project(lockText({ host: 'gone.example' })));
    recordFigure('stale-lock.other-host', { ms, lease_ms: DEFAULT_STALE_MS, patience_ms: DEFAULT_TIMEOUT_MS });
  }, 120_000);
});
