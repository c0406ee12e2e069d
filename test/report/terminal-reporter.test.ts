import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { AIW_BIN } from '../reliability/support/processes.js';
import { tempRoot } from '../helpers/temp-root.js';

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
