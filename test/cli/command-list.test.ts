import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { commandsFor } from '../../src/cli/command-list.js';
import type { GlobalOptions } from '../../src/session/session.js';
import { RUN_OPTIONS_WITH_VALUE, runSkillWord } from '../../src/cli/global-options.js';
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

describe('the skill of `aiw run`, as the loader reads it (to name its code cache)', () => {
  it('is the first word after `run` that is neither an option nor an option\'s value', () => {
    const skill = (argv: string[]) => runSkillWord(argv, argv.indexOf('run') + 1);
    expect(skill(['run', 'one'])).toBe('one');
    expect(skill(['--root', '/p', 'run', '-i', 'a=1', '--input', 'b=2', '--inputs-json', '{}', '--junit', 'r.xml', '--json', '-q', 'one', '--plan'])).toBe('one');
    // Global options after the command, attached values, and `--`.
    expect(skill(['run', '--memory-dir', '/m', '--input=a=1', '-v', './skills/x.yaml'])).toBe('./skills/x.yaml');
    expect(skill(['run', '--', '-odd-name'])).toBe('-odd-name');
    // Short flags together: the one that takes a value takes the next word, or the rest of its own.
    expect(skill(['run', '-qi', 'x=1', 'one'])).toBe('one');
    expect(skill(['run', '-qix=1', 'one'])).toBe('one');
    expect(skill(['run', '-qv', 'one'])).toBe('one');
    expect(skill(['run', '--json'])).toBeUndefined();
    expect(skill(['run', '--junit'])).toBeUndefined();
  });

  it('knows every option of `aiw run` that takes a value', () => {
    const [named] = commandsFor(['run']);
    const program = new Command();
    named![1](program, { globals: () => ({}) as GlobalOptions, set: () => undefined });
    const run = program.commands.find((c) => c.name() === 'run')!;
    const withValue = run.options.filter((o) => o.required || o.optional).flatMap((o) => [o.short, o.long]).filter(Boolean);
    expect(new Set(withValue)).toEqual(RUN_OPTIONS_WITH_VALUE);
  });
});
