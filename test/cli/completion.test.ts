import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync, chmodSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../bin/aiw.js', import.meta.url));
const SHIPPED_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The completion scripts are loaded by the real shells and asked to complete, the way Tab does:
 * `aiw` on PATH is the built binary (a wrapper script), and the working directory is the shipped
 * root, so skill and tool names come from it.
 */
let dir: string;
let env: NodeJS.ProcessEnv;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'aiw-completion-'));
  mkdirSync(join(dir, 'bin'));
  const wrapper = join(dir, 'bin', 'aiw');
  writeFileSync(wrapper, `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  chmodSync(wrapper, 0o755);
  env = { PATH: `${join(dir, 'bin')}:${process.env.PATH}`, HOME: dir, LANG: 'C.UTF-8' };
  for (const shell of ['bash', 'zsh', 'fish']) {
    writeFileSync(join(dir, `aiw.${shell}`), execFileSync('aiw', ['completion', shell], { env, encoding: 'utf8' }));
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function bashComplete(...words: string[]): string[] {
  const script = `source "${dir}/aiw.bash"; COMP_WORDS=("$@"); COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 )); _aiw; printf '%s\\n' "\${COMPREPLY[@]}"`;
  return execFileSync('bash', ['-c', script, 'bash', ...words], { env, cwd: SHIPPED_ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
}

describe('aiw completion bash', () => {
  it('loads in bash and registers the completion for aiw', () => {
    const out = execFileSync('bash', ['-c', `source "${dir}/aiw.bash" && complete -p aiw`], { env, encoding: 'utf8' });
    expect(out).toContain('-F _aiw aiw');
  });

  it('completes command names', () => {
    expect(bashComplete('aiw', 'ru')).toEqual(['run']);
    expect(bashComplete('aiw', 'va')).toEqual(['validate']);
    expect(bashComplete('aiw', '')).toEqual(expect.arrayContaining(['run', 'tool', 'init', 'completion', 'memory']));
  });

  it('completes a command\'s options and the global ones', () => {
    expect(bashComplete('aiw', 'run', '--pl')).toEqual(['--plan']);
    expect(bashComplete('aiw', 'run', '--ro')).toEqual(['--root']);
    expect(bashComplete('aiw', '--de')).toEqual(['--debug']);
  });

  it('completes skill names after run, tool names after tool and --tool, and argument choices', () => {
    expect(bashComplete('aiw', 'run', 'hel')).toEqual(['hello']);
    expect(bashComplete('aiw', 'tool', 'kubectl_get_p')).toEqual(['kubectl_get_pods']);
    expect(bashComplete('aiw', 'known-issues', '--tool', 'git_l')).toEqual(['git_log']);
    expect(bashComplete('aiw', 'memory', 'st')).toEqual(['stats']);
    expect(bashComplete('aiw', 'completion', 'f')).toEqual(['fish']);
  });
});

describe.runIf(existsSync('/usr/bin/fish'))('aiw completion fish', () => {
  it('loads in fish and completes commands, options and skill names', () => {
    const complete = (line: string) => execFileSync('fish', ['-c', `source "${dir}/aiw.fish"; complete -C "${line}"`], { env, cwd: SHIPPED_ROOT, encoding: 'utf8' })
      .split('\n').filter(Boolean).map((l) => l.split('\t')[0]);
    expect(complete('aiw ru')).toEqual(['run']);
    expect(complete('aiw run --pl')).toEqual(['--plan']);
    expect(complete('aiw run hel')).toEqual(['hello']);
  });
});

describe.runIf(existsSync('/usr/bin/zsh'))('aiw completion zsh', () => {
  it('is valid zsh and defines _aiw for compdef once compinit has run', () => {
    execFileSync('zsh', ['-n', `${dir}/aiw.zsh`], { env });
    const out = execFileSync('zsh', ['-f', '-c', `autoload -U compinit && compinit -u -d "${dir}/zcompdump" && source "${dir}/aiw.zsh" && whence -w _aiw && echo \${_comps[aiw]}`], { env, encoding: 'utf8' });
    expect(out).toContain('_aiw: function');
    expect(out.trim().split('\n').at(-1)).toBe('_aiw');
  });
});
