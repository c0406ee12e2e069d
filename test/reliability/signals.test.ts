import { existsSync, readFileSync } from 'node:fs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { AIW_BIN, isRunning, readPids, reap, runAiw, waitUntil } from './support/processes.js';
import { scratch, type Scratch } from './support/scratch.js';

/**
 * Promise: aiw leaves no process behind. A tool that hangs is stopped with its whole process tree
 * at its time limit (class `timeout`, on record); SIGTERM or Ctrl-C (SIGINT to aiw's process group,
 * as a terminal sends it) stops the running tool and its children, records the interrupted
 * attempt, and exits 130.
 */
const roots: Scratch[] = [];
const started: number[] = [];

afterEach(() => {
  // A failed test must not leave sleepers behind; the assertions below check there were none.
  reap(started.splice(0), ['sleep 300', 'bin/tree', AIW_BIN]);
});
afterAll(() => roots.forEach((r) => r.remove()));

/**
 * A tool with a tree: a child `sleep`, and a child shell that ignores SIGTERM with its own `sleep`
 * (which inherits the ignored SIGTERM): only SIGKILL to the whole group stops that branch.
 */
function project(timeout: string | null): Scratch {
  const root = scratch('signals');
  roots.push(root);
  root.script('bin/tree', [
    'echo "$$" >> "$PIDS"',
    'sleep 300 & echo "$!" >> "$PIDS"',
    // Every pid is on record before "ready", so a signal sent then cannot race the bookkeeping.
    "sh -c 'trap \"\" TERM; echo \"$$\" >> \"$PIDS\"; sleep 300 & echo \"$!\" >> \"$PIDS\"; echo ready > \"$PIDS.ready\"; wait' &",
    'wait',
  ].join('\n'));
  root.write('tools/t.yaml', `tools:\n  hang:\n    command: ["${root.path('bin/tree')}"]\n${timeout ? `    timeout: ${timeout}\n` : ''}`);
  root.write('skills/s.yaml', 'name: s\nsteps:\n  - { name: stuck, tool: hang, on_error: continue }\n  - { name: after, compute: "return 1" }\n');
  return root;
}

function attempts(root: Scratch): Array<Record<string, unknown>> {
  return (parse(readFileSync(root.path('memory/learned/tool_failures.yaml'), 'utf8')) as { failures: Array<Record<string, unknown>> }).failures;
}

const env = (root: Scratch) => ({ PIDS: root.path('pids') });

describe('time limits and signals: no process survives aiw', () => {
  it('a tool that hangs is killed with its whole tree at its timeout, as class timeout, on record', async () => {
    // Long enough for the tree to start on a loaded machine (every pid is on record by then).
    const root = project('3s');
    const p = await runAiw(['--root', root.dir, 'run', 's', '--json'], { env: env(root), timeoutMs: 60_000 });
    expect(p.hung).toBe(false);
    expect(p.code).toBe(0);
    const pids = readPids(root.path('pids'));
    started.push(...pids);
    expect(pids).toHaveLength(4);
    expect(pids.filter(isRunning)).toEqual([]);
    const doc = JSON.parse(p.stdout) as { status: string; steps: Array<{ status: string; error?: { message: string } }> };
    expect(doc.steps.map((s) => s.status)).toEqual(['failed', 'success']);
    expect(doc.steps[0]!.error?.message).toMatch(/^timed out after 3000 ms and was stopped/);
    expect(attempts(root)).toEqual([expect.objectContaining({ tool: 'hang', error_type: 'timeout', success: false, attempt: 1 })]);
  });

  for (const [how, signal, group] of [['SIGTERM to aiw', 'SIGTERM', false], ['Ctrl-C (SIGINT to the process group)', 'SIGINT', true]] as const) {
    it(`${how} stops the tool and its children, records the interrupted attempt, exits 130`, async () => {
      const root = project(null);
      let aiwPid = 0;
      const done = runAiw(['--root', root.dir, 'run', 's'], {
        env: env(root), timeoutMs: 60_000, detached: group,
        started: (child) => (aiwPid = child.pid!),
      });
      started.push(aiwPid);
      await waitUntil('the tool tree to start', () => existsSync(root.path('pids.ready')));
      process.kill(group ? -aiwPid : aiwPid, signal);
      const p = await done;
      expect(p.hung).toBe(false);
      expect({ code: p.code, signal: p.signal }).toEqual({ code: 130, signal: null });
      expect(p.stdout).toContain(`interrupted by ${signal}`);
      const pids = readPids(root.path('pids'));
      started.push(...pids);
      expect(pids).toHaveLength(4);
      expect([aiwPid, ...pids].filter(isRunning)).toEqual([]);
      expect(attempts(root)).toEqual([expect.objectContaining({ tool: 'hang', success: false, error: expect.stringMatching(/^interrupted/) })]);
    });
  }
});
