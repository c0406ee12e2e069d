import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/io.js';
import { aiwInPty } from '../helpers/pty.js';

/** Run `aiw ...argv` in-process with a terminal `columns` wide; returns what went to stdout. */
async function help(argv: string[], columns: number): Promise<{ code: number; text: string }> {
  let text = '';
  const io: Io = {
    stdout: { write: (t) => void (text += t), isTTY: true, columns },
    stderr: { write: (t) => void (text += t), isTTY: true },
    env: { PATH: process.env.PATH },
    cwd: process.cwd(),
  };
  const code = await run(argv, io);
  return { code, text };
}

const COMMANDS = ['run', 'tool', 'skills', 'tools', 'validate', 'known-issues', 'learn-fix', 'debug-tool', 'memory', 'init', 'completion'];

describe('--help of each command', () => {
  for (const command of COMMANDS) {
    it(`aiw ${command} --help has examples and the global options --root and --debug`, async () => {
      const { code, text } = await help([command, '--help'], 100);
      expect(code).toBe(0);
      expect(text).toMatch(/\nExamples:\n {2}\$ \S/);
      expect(text).toContain(`$ ${command === 'completion' ? 'source <(aiw completion bash)' : `aiw ${command}`}`);
      expect(text).toMatch(/\nGlobal Options:\n[\s\S]*--root <dir>[\s\S]*--debug/);
    });
  }

  it('aiw --help has examples, exit codes and the environment', async () => {
    const { code, text } = await help(['--help'], 100);
    expect(code).toBe(0);
    expect(text).toMatch(/Examples:\n {2}\$ aiw init/);
    expect(text).toMatch(/Exit codes:\n {2}0 /);
    expect(text).toContain('AIW_ROOT');
  });

  for (const columns of [50, 72, 120]) {
    it(`wraps every line but the synopsis and example commands at a terminal ${columns} columns wide`, async () => {
      for (const argv of [['--help'], ...COMMANDS.map((c) => [c, '--help'])]) {
        const { text } = await help(argv, columns);
        // The synopsis and the example commands are command lines: they are never broken.
        const long = text.split('\n').filter((l) => l.length > columns && !l.startsWith('  $ ') && !l.startsWith('Usage: '));
        expect({ argv, long }).toEqual({ argv, long: [] });
      }
    });
  }

  it('uses the width: a narrow terminal gets more, shorter lines', async () => {
    const wide = (await help(['run', '--help'], 120)).text.split('\n');
    const narrow = (await help(['run', '--help'], 50)).text.split('\n');
    expect(narrow.length).toBeGreaterThan(wide.length);
    expect(Math.max(...wide.map((l) => l.length))).toBeGreaterThan(80);
  });
});

describe('--help in a real pseudo-terminal', () => {
  it('wraps at the width of the terminal it is printed on', async () => {
    const run = aiwInPty(['run', '--help'], {}, process.cwd(), 56);
    expect((await run.exited).exitCode).toBe(0);
    const lines = run.output().split(/\r?\n/);
    expect(lines.some((l) => l.includes('--json'))).toBe(true);
    expect(lines.filter((l) => l.length > 56 && !l.startsWith('  $ ') && !l.startsWith('Usage: '))).toEqual([]);
  });
});
