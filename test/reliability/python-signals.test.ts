import { existsSync, readFileSync } from 'node:fs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { jinjaPython } from '../helpers/python.js';
import { AIW_BIN, isRunning, reap, runAiw, waitUntil } from './support/processes.js';
import { scratch, type Scratch } from './support/scratch.js';

/**
 * Promise: the Python worker of a `dialect: python` run never outlives aiw. Ctrl-C (SIGINT to aiw's
 * process group) while a block runs stops the worker and what the block started, and aiw exits 130.
 */
const python = jinjaPython();
const roots: Scratch[] = [];
const started: number[] = [];

afterEach(() => reap(started.splice(0), ['sleep 300', AIW_BIN]));
afterAll(() => roots.forEach((r) => r.remove()));

describe.skipIf(!python)('Ctrl-C during a Python compute block', () => {
  it('stops the worker and the process the block started, and exits 130', async () => {
    const root = scratch('python-signals');
    roots.push(root);
    root.write('skills/s.yaml', [
      'name: s',
      'dialect: python',
      'steps:',
      '  - name: slow',
      '    compute: |',
      '      import subprocess',
      '      child = subprocess.Popen(["sleep", "300"])',
      `      Path(${JSON.stringify(root.path('pids'))}).write_text(f"{os.getpid()} {child.pid}")`,
      '      child.wait()',
      '  - name: after',
      '    compute: "result = 1"',
      '',
    ].join('\n'));
    let aiwPid = 0;
    const done = runAiw(['--root', root.dir, 'run', 's'], {
      env: { AIW_PYTHON: python }, timeoutMs: 60_000, detached: true,
      started: (child) => (aiwPid = child.pid!),
    });
    started.push(aiwPid);
    await waitUntil('the block to start its child', () => existsSync(root.path('pids')) && readFileSync(root.path('pids'), 'utf8').includes(' '));
    const pids = readFileSync(root.path('pids'), 'utf8').trim().split(' ').map(Number);
    started.push(...pids);
    process.kill(-aiwPid, 'SIGINT');
    const p = await done;
    expect(p.hung).toBe(false);
    expect(p.code).toBe(130);
    await waitUntil('the worker and its child to go', () => pids.every((pid) => !isRunning(pid)));
    expect([aiwPid, ...pids].filter(isRunning)).toEqual([]);
  });
});
