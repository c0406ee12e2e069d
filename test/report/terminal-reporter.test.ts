import { describe, expect, it } from 'vitest';
import { aiwInPty } from '../helpers/pty.js';
import { tempRoot } from '../helpers/temp-root.js';

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
