import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { runProcess } from '../../src/tools/run-process.js';
import { tempRoot } from '../helpers/temp-root.js';

const daemons: string[] = [];
afterEach(() => {
  // The daemons live in their own session: stop them by the pid they wrote down.
  for (const file of daemons.splice(0)) {
    try {
      process.kill(Number(readFileSync(file, 'utf8')), 'SIGKILL');
    } catch {
      // Already gone, or never started: nothing to stop.
    }
  }
});

/** A tool that starts a daemon in its own session, which inherits (and keeps open) the tool's stdout and stderr. */
function daemonTool(after: string): { argv: string[]; pidFile: string } {
  const root = tempRoot();
  const pidFile = root.path('daemon.pid');
  daemons.push(pidFile);
  const script = root.script('tool', `setsid sh -c 'echo $$ > "${pidFile}"; exec sleep 60' &\necho started\n${after}`);
  return { argv: [script], pidFile };
}

describe('runProcess', () => {
  it('ends the step when the tool exits, although a background child keeps its output open', async () => {
    const result = await runProcess(['sh', '-c', 'echo ok; sleep 8 &'], { timeoutMs: 4_000 });
    expect(result).toMatchObject({ ok: true, exitCode: 0, timedOut: false, stdout: 'ok\n' });
  });

  it('ends the step when the tool exits, although a daemon in its own session keeps its output open', async () => {
    const { argv } = daemonTool('exit 3');
    const result = await runProcess(argv, { timeoutMs: 4_000 });
    expect(result).toMatchObject({ ok: false, exitCode: 3, timedOut: false, stdout: 'started\n', error: 'exit code 3: started' });
  }, 20_000);

  it('stops at its timeout a tool whose daemon keeps the output open', async () => {
    const { argv } = daemonTool('sleep 30');
    const result = await runProcess(argv, { timeoutMs: 500, killGraceMs: 200 });
    expect(result).toMatchObject({ ok: false, timedOut: true, stdout: 'started\n' });
    expect(result.error).toMatch(/^timed out after 500 ms/);
  }, 20_000);

  it('stops when interrupted a tool whose daemon keeps the output open', async () => {
    const { argv } = daemonTool('sleep 30');
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 300);
    const result = await runProcess(argv, { signal: abort.signal, killGraceMs: 200 });
    expect(result).toMatchObject({ ok: false, interrupted: true, error: expect.stringMatching(/^interrupted/) });
  }, 20_000);

  it('still reads all the output a tool wrote just before it exited', async () => {
    const result = await runProcess(['sh', '-c', 'seq 1 200000']);
    expect(result.ok).toBe(true);
    expect(result.stdout.split('\n')).toHaveLength(200_001);
  });
});
