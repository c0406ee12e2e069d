import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { tempRoot, type TempRoot } from '../helpers/temp-root.js';
import { AIW_BIN, reap, runAiw, waitUntil } from './support/processes.js';

/**
 * Promise: compute code cannot outlive its limits or take aiw down. Code it leaves running (a
 * finalizer), a heap it exhausts and a builtin that never checks for interrupts all end as the
 * step's failure with a clear class (time limit / memory), the later steps run, and Ctrl-C works
 * at once. Each test runs the real binary under a hang guard: the old in-process sandbox hung,
 * crashed with a stack trace or aborted (exit 134) here.
 */
const started: number[] = [];
afterEach(() => reap(started.splice(0), [AIW_BIN]));

interface StepDoc {
  name: string;
  status: string;
  output?: unknown;
  error?: { message: string };
}

function project(attempt: string, limit: string): TempRoot {
  const root = tempRoot();
  root.write('tools/t.yaml', `tools:
  data: { command: [echo, '{"list": [1, 2]}'], parse: json }
  pause: { command: [sleep, "0.5"] }
  children: { command: [sh, -c, 'ps -o comm= --ppid "$PPID"'], parse: lines }
`);
  root.write('skills/s.yaml', `name: s
compute_timeout: ${limit}
steps:
  - { name: data, tool: data }
  - name: attempt
    on_error: continue
    compute: ${JSON.stringify(attempt)}
  - { name: wait, tool: pause }
  - { name: later, compute: "return data.list.length + ':' + steps.attempt.status" }
`);
  return root;
}

async function run(root: TempRoot, guardMs = 90_000): Promise<{ steps: StepDoc[]; stderr: string; code: number | null }> {
  const r = await runAiw(['--root', root.dir, 'run', 's', '--json'], { timeoutMs: guardMs, started: (c) => void started.push(c.pid!) });
  expect(r.hung).toBe(false);
  expect(r.stderr).not.toMatch(/\n {4}at |FATAL ERROR|internal error/);
  return { steps: (JSON.parse(r.stdout) as { steps: StepDoc[] }).steps, stderr: r.stderr, code: r.code };
}

// Garbage enough for V8 to collect the registered objects, then the finalizers run in the background.
const GARBAGE = 'for (let i = 0; i < 200; i++) { const junk = new Array(100000).fill(i); }';

describe('compute steps: limits that hold', () => {
  it('a FinalizationRegistry callback that loops forever does not hang aiw: later steps run', async () => {
    const r = await run(project(`globalThis.reg = new FinalizationRegistry(() => { for (;;) {} }); for (let i = 0; i < 1000; i++) reg.register({ i }, i); ${GARBAGE} return 'registered';`, '1s'));
    expect(r.code).toBe(0);
    expect(r.steps.map((s) => s.status)).toEqual(['success', 'success', 'success', 'success']);
    expect(r.steps[3]!.output).toBe('2:success');
  });

  it('a finalizer that throws does not crash aiw: a warning, and later steps run', async () => {
    const r = await run(project(`globalThis.reg = new FinalizationRegistry(() => { throw new Error('from a finalizer'); }); for (let i = 0; i < 1000; i++) reg.register({ i }, i); ${GARBAGE} return 'registered';`, '1s'));
    expect(r.code).toBe(0);
    expect(r.steps[3]!.output).toBe('2:success');
  });

  it('new Array(4e8).fill(0) fails the step (time limit or memory), aiw survives, and the values of earlier steps are still there', async () => {
    const r = await run(project('new Array(4e8).fill(0); return "filled";', '2s'));
    expect(r.code).toBe(0);
    expect(r.steps[1]!.status).toBe('failed');
    expect(r.steps[1]!.error?.message).toMatch(/stopped after 2000 ms \(time limit\)|ran out of memory/);
    expect(r.steps[3]!.output).toBe('2:failed');
  });

  it('a fill of a sparse array (a builtin that never checks for interrupts) is stopped at its 1 s limit', async () => {
    const t0 = Date.now();
    const r = await run(project('const a = []; a[2e9] = 0; a.fill(1, 0, 1e9); return "filled";', '1s'));
    expect(r.steps[1]!.error?.message).toMatch(/stopped after 1000 ms \(time limit\)|ran out of memory/);
    expect(r.steps[3]!.output).toBe('2:failed');
    // Not a speed target: the fill alone runs for minutes; the old sandbox waited for it.
    expect(Date.now() - t0).toBeLessThan(60_000);
  });

  it('a heap that grows without end fails as memory, not as a crash of aiw', async () => {
    const r = await run(project('const keep = []; for (;;) keep.push(new Array(1e6).fill(1));', '120s'), 180_000);
    expect(r.code).toBe(0);
    expect(r.steps[1]!.error?.message).toMatch(/ran out of memory \(limit \d+ MB\)/);
    expect(r.steps[3]!.output).toBe('2:failed');
  }, 200_000);

  it('Ctrl-C during a compute step stops the run at once (exit 130), long before the time limit', async () => {
    const root = project('while (true) {}', '300s');
    let child: ChildProcess | undefined;
    let out = '';
    const done = runAiw(['--root', root.dir, 'run', 's'], {
      timeoutMs: 60_000, detached: true,
      started: (c) => {
        child = c;
        started.push(c.pid!);
        c.stdout!.on('data', (d: Buffer) => void (out += d.toString()));
      },
    });
    await waitUntil('the compute step to start', () => /▶ attempt/.test(out));
    process.kill(-child!.pid!, 'SIGINT');
    const r = await done;
    expect(r.hung).toBe(false);
    expect(r.code).toBe(130);
  });
});

describe('compute steps: one process per run, only when needed', () => {
  it('a skill without compute code starts no compute process; one with compute code starts one', async () => {
    const none = tempRoot({
      'tools/t.yaml': 'tools:\n  children: { command: [sh, -c, \'ps -o comm= --ppid "$PPID"\'], parse: lines }\n',
      'skills/s.yaml': 'name: s\nsteps:\n  - { name: kids, tool: children }\n',
    });
    const withCompute = tempRoot({
      'tools/t.yaml': 'tools:\n  children: { command: [sh, -c, \'ps -o comm= --ppid "$PPID"\'], parse: lines }\n',
      'skills/s.yaml': 'name: s\nsteps:\n  - { name: kids, tool: children }\n  - { name: c, compute: "return kids.length" }\n',
    });
    const a = await run(none);
    expect(a.steps[0]!.output).toEqual(['sh']);
    const b = await run(withCompute);
    expect(b.steps[0]!.output).toEqual(expect.arrayContaining(['sh', 'node']));
  });
});
