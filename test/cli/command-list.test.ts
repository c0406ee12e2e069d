import { describe, expect, it } from 'vitest';
import { commandsFor } from '../../src/cli/command-list.js';
import { run } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/io.js';

const names = (argv: string[]) => commandsFor(argv).map(([name]) => name);
const ALL = names([]);

async function cli(argv: string[]): Promise<{ code: number; text: string }> {
  let text = '';
  const io: Io = { stdout: { write: (t) => void (text += t) }, stderr: { write: (t) => void (text += t) }, env: { PATH: process.env.PATH }, cwd: process.cwd() };
  return { code: await run(argv, io), text };
}

describe('the commands a start registers', () => {
  it('are all of them, in help order, when argv names none', () => {
    expect(ALL).toEqual(['run', 'tool', 'skills', 'tools', 'validate', 'import', 'mcp', 'known-issues', 'learn-fix', 'debug-tool', 'memory', 'init', 'completion']);
    for (const argv of [['--help'], ['help', 'run'], ['rn', 'one'], ['--version'], ['--bogus', 'run'], ['completion', 'bash'], ['--root']]) {
      expect(names(argv), argv.join(' ')).toEqual(ALL);
    }
  });

  it('is only the named one, after any global options', () => {
    expect(names(['run', 'one'])).toEqual(['run']);
    expect(names(['--root', '/p', '--memory-dir=/m', '--debug', 'known-issues', '--tool', 't'])).toEqual(['known-issues']);
    // A value-taking option takes the next word, whatever it is.
    expect(names(['--root', 'run', 'memory'])).toEqual(['memory']);
  });

  it('still suggests the right command for a typo, and lists every command in the help', async () => {
    const typo = await cli(['rn', 'one']);
    expect(typo.code).toBe(2);
    expect(typo.text).toMatch(/Did you mean run\?/);
    const help = await cli(['--help']);
    for (const name of ALL) expect(help.text).toMatch(new RegExp(`\\n  ${name}\\b`));
  });

  it('gives a named command its own options and the global ones', async () => {
    const help = await cli(['--root', '/nowhere', 'memory', '--help']);
    expect(help.code).toBe(0);
    expect(help.text).toMatch(/Usage: aiw memory/);
    expect(help.text).toMatch(/trust/);
    expect(help.text).toMatch(/--root <dir>/);
  });
});
