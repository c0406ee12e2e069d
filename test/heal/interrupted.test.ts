import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { aiwInPty } from '../helpers/pty.js';
import { aiw, tempRoot, type TempRoot } from '../helpers/temp-root.js';

/**
 * Ctrl-C typed into a real pseudo-terminal (node-pty): the terminal sends SIGINT to aiw's process
 * group, as it does for a person. An interruption is not a tool failure: it is on record as
 * `kind: interrupted`, outside the failure statistics, and a retry that had not started yet is not
 * reported as an attempt.
 */
function records(root: TempRoot): Array<Record<string, unknown>> {
  return (parse(readFileSync(root.path('memory/learned/tool_failures.yaml'), 'utf8')) as { failures: Array<Record<string, unknown>> }).failures;
}

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; !check(); i++) {
    if (i > 600) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

interface Stats { interrupted: number; totals: { attempts: number; failures: number; failed_calls: number; calls: number } }

describe('Ctrl-C on a terminal', () => {
  it('during a tool call: recorded as an interrupted attempt, not a failure, and left out of memory stats', async () => {
    const root = tempRoot();
    root.script('bin/hang', `echo started > "${root.path('started')}"; exec sleep 300`);
    root.write('tools/t.yaml', `tools:\n  hang:\n    command: ["${root.path('bin/hang')}"]\n`);
    root.write('skills/s.yaml', 'name: s\nsteps:\n  - { name: stuck, tool: hang, on_error: auto_heal }\n');
    const run = aiwInPty(['--root', root.dir, 'run', 's'], {}, root.dir);
    await until('the tool to start', () => existsSync(root.path('started')));
    run.type('\x03');
    expect((await run.exited).exitCode).toBe(130);
    expect(records(root)).toEqual([expect.objectContaining({ tool: 'hang', kind: 'interrupted', success: false, attempt: 1, error: 'interrupted', error_type: null })]);
    const stats = (await aiw(['memory', 'stats', '--json'], { root: root.dir })).json<{ stats: Stats }>().stats;
    expect(stats.interrupted).toBe(1);
    expect(stats.totals).toMatchObject({ attempts: 0, failures: 0, failed_calls: 0, calls: 0 });
    expect((await aiw(['memory', 'stats'], { root: root.dir })).stdout).toMatch(/interrupted +1 +\(Ctrl-C or SIGTERM; not counted as failures\)/);
  });

  it('while waiting to retry: the attempt that never ran is neither recorded nor reported', async () => {
    const root = tempRoot();
    root.script('bin/down', 'echo "dial tcp 127.0.0.1:1: connect: connection refused" >&2; exit 1');
    root.script('bin/vpn', 'exit 0');
    root.write('tools/t.yaml', `tools:\n  down:\n    command: ["${root.path('bin/down')}"]\n  vpn:\n    command: ["${root.path('bin/vpn')}"]\n`);
    root.write('skills/s.yaml', `name: s
steps:
  - name: fetch
    tool: down
    on_error: auto_heal
    quick_fix: { network: { tool: vpn } }
    retry: { max_attempts: 3, delay: 60s, jitter: false }
`);
    const run = aiwInPty(['--root', root.dir, 'run', 's'], { NO_COLOR: '1' }, root.dir);
    await run.waitFor('retry 2/3 in');
    run.type('\x03');
    expect((await run.exited).exitCode).toBe(130);
    expect(records(root).map((r) => [r.kind, r.attempt, r.success])).toEqual([['attempt', 1, false], ['fix', 1, true]]);
    expect(run.output()).toContain('interrupted before attempt 2 could run; attempt 1 failed: exit code 1');
    expect(run.output()).not.toMatch(/attempt 2\/3 failed/);
    const stats = (await aiw(['memory', 'stats', '--json'], { root: root.dir })).json<{ stats: Stats }>().stats;
    expect(stats.totals).toMatchObject({ attempts: 1, failures: 1, failed_calls: 1 });
  });
});
