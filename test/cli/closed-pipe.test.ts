import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../bin/aiw.js', import.meta.url));
const SHIPPED_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Run the built binary with a stdout pipe whose reader is gone before aiw writes a byte, as
 * `aiw tools | head -1` leaves it once head has its line: every write then fails with EPIPE.
 */
function runIntoClosedPipe(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [BIN, '--root', SHIPPED_ROOT, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8' },
  });
  child.stdout.destroy();
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('writing to a closed pipe', () => {
  for (const args of [['tools'], ['skills'], ['run', 'hello', '--plan'], ['known-issues', '--error', 'connection refused'], ['--help'], ['run', '--help'], ['memory', 'stats']]) {
    it(`aiw ${args.join(' ')} | head ends quietly with exit 0, no EPIPE stack`, async () => {
      const p = await runIntoClosedPipe(args);
      expect(p.stderr).not.toMatch(/EPIPE|Error|at /);
      expect(p.code).toBe(0);
    });
  }
});
