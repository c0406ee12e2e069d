import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { remedyCommand } from '../../src/learn/known-issues.js';
import { buildArgv } from '../../src/tools/execute-tool.js';
import type { CommandTool } from '../../src/model/tool.js';
import { aiw, tempRoot } from '../helpers/temp-root.js';

const HOSTILE = ['$(touch PWNED)', '`touch PWNED`', 'a; touch PWNED', "it's \"quoted\" \\ $HOME", 'x | touch PWNED', '*', '\n touch PWNED', "'; touch PWNED; '", '"; touch PWNED; "'];

function shellTool(command: CommandTool['command']): CommandTool {
  return { kind: 'command', name: 't', params: { v: {} }, command, shell: true, location: { file: 'tools/t.yaml', line: 1 } };
}

/** Run the line aiw builds with a real /bin/sh in an empty directory; returns what it printed. */
function runLine(argv: string[], cwd: string): string {
  return execFileSync(argv[0]!, argv.slice(1), { cwd, encoding: 'utf8' });
}

describe('shell: true tools quote every value for the place it lands', () => {
  const templates: Array<[string, string]> = [
    ['outside quotes', 'printf %s {{ v }}'],
    ['inside double quotes', 'printf %s "<{{ v }}>"'],
    ['inside single quotes', "printf %s '<{{ v }}>'"],
    ['glued to a flag', 'printf %s --v={{ v }}'],
  ];
  for (const [where, template] of templates) {
    it(`${where}: the shell reads back the exact value and runs nothing of it`, () => {
      const root = tempRoot();
      for (const v of HOSTILE) {
        const out = runLine(buildArgv(shellTool(template), { v }), root.dir);
        const expected = template.includes('<') ? `<${v}>` : template.includes('--v=') ? `--v=${v}` : v;
        expect(out).toBe(expected);
        expect(existsSync(root.path('PWNED'))).toBe(false);
      }
    });
  }

  it('the list form keeps literal items as shell syntax and quotes values', () => {
    const root = tempRoot();
    const out = runLine(buildArgv(shellTool(['printf', '%s-', '{{ v }}', '|', 'tr', '-', '+']), { v: ['a b', '$(touch PWNED)'] }), root.dir);
    expect(out).toBe('a b+$(touch PWNED)+');
    expect(existsSync(root.path('PWNED'))).toBe(false);
  });

  it('through aiw: a hostile argument to a shell: true tool is printed, not run', async () => {
    const root = tempRoot({ 'tools/t.yaml': 'tools:\n  say:\n    command: "echo {{ v }}"\n    shell: true\n    params: { v: {} }\n' });
    const mark = root.path('PWNED');
    const r = await aiw(['tool', 'say', '-a', `v=$(touch ${mark}); touch ${mark}`, '--json'], { root: root.dir, cwd: root.dir });
    expect(r.code).toBe(0);
    expect(existsSync(mark)).toBe(false);
    expect(r.stdout).toContain(`$(touch ${mark}); touch ${mark}`);
  });

  it('a template with {% %} tags is refused for shell: true (its values could not be quoted)', () => {
    expect(() => buildArgv(shellTool('echo {% if v %}{{ v }}{% endif %}'), { v: 'x' })).toThrowError(/cannot use \{% %\} tags/);
  });
});

describe('suggested commands quote the tool name', () => {
  it('a learned remedy naming a hostile tool is suggested as one quoted word', () => {
    expect(remedyCommand('t; touch PWNED', { a: 'b c' })).toBe("aiw tool 't; touch PWNED' -a 'a=b c'");
    expect(remedyCommand('kube_login', {})).toBe('aiw tool kube_login');
  });
});
