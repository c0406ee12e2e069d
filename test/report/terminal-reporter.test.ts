import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { aiwInPty } from '../helpers/pty.js';
import { tempRoot } from '../helpers/temp-root.js';
import { AIW_BIN } from '../reliability/support/processes.js';

/** SGR: the escape sequences that set colours and styles (cursor movement is not colour). */
// eslint-disable-next-line no-control-regex
const SGR = /\x1b\[[0-9;]*m/;

function project() {
  const root = tempRoot();
  root.script('bin/slow', 'sleep 1; echo done');
  root.write('tools/t.yaml', `tools:\n  slow:\n    command: ["${root.path('bin/slow')}"]\n`);
  root.write('skills/s.yaml', 'name: s\nsteps:\n  - { name: wait, tool: slow }\n');
  return root;
}

describe('the terminal reporter in a real pseudo-terminal', () => {
  it('draws a coloured spinner on a terminal (the check below can see colour)', async () => {
    const root = project();
    const run = aiwInPty(['--root', root.dir, 'run', 's'], {}, root.dir);
    expect((await run.exited).exitCode).toBe(0);
    expect(run.output()).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/);
    expect(run.output()).toMatch(SGR);
  });

  it('with NO_COLOR=1 the spinner and every line are without colour', async () => {
    const root = project();
    const run = aiwInPty(['--root', root.dir, 'run', 's'], { NO_COLOR: '1' }, root.dir);
    expect((await run.exited).exitCode).toBe(0);
    expect(run.output()).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/);
    expect(run.output()).not.toMatch(SGR);
  });
});

/**
 * Run aiw in a real pseudo-terminal (util-linux `script`) whose size is set to 0 columns, as some
 * serial consoles and CI terminals report. Output is counted, not kept: the old spinner wrote
 * escape sequences without end.
 */
function runInZeroColumnTerminal(root: string): Promise<{ code: number | null; bytes: number; head: string; hung: boolean }> {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', TERM: 'xterm' };
  const line = `stty cols 0 rows 0; exec ${JSON.stringify(process.execPath)} ${JSON.stringify(AIW_BIN)} --root ${JSON.stringify(root)} run s`;
  const child = spawn('script', ['-qec', line, '/dev/null'], { env, stdio: ['ignore', 'pipe', 'ignore'], detached: true });
  let bytes = 0;
  let head = '';
  child.stdout.on('data', (d: Buffer) => {
    bytes += d.length;
    if (head.length < 4000) head += d.toString('utf8');
  });
  let hung = false;
  const guard = setTimeout(() => {
    hung = true;
    process.kill(-child.pid!, 'SIGKILL');
  }, 20_000);
  return new Promise((resolve) => child.on('close', (code) => {
    clearTimeout(guard);
    resolve({ code, bytes, head, hung });
  }));
}

describe('terminal reporter', () => {
  it('a terminal that reports 0 columns gets its steps printed, and the run ends', async () => {
    const root = tempRoot({
      'tools/t.yaml': 'tools:\n  pause: { command: [sleep, "0.3"] }\n',
      'skills/s.yaml': 'name: s\nsteps:\n  - { name: one, tool: pause }\n  - { name: two, tool: pause }\n',
    });
    const r = await runInZeroColumnTerminal(root.dir);
    expect(r.hung).toBe(false);
    expect(r.code).toBe(0);
    expect(r.head).toMatch(/one[\s\S]*two/);
    expect(r.bytes).toBeLessThan(20_000);
  }, 30_000);
});
