import { describe, expect, it } from 'vitest';
import { commandSafeJson, commandSafeWriter, neutraliseCommands } from '../../src/report/github-log.js';
import { aiw, tempRoot, type TempRoot } from '../helpers/temp-root.js';

// Every way a line of data could become a workflow command, or an ##[error] line in the log viewer.
const HOSTILE = [
  '::warning::PWNED',
  '::error file=x.yaml,line=1::PWNED',
  '::set-output name=token::PWNED',
  '::add-mask::PWNED',
  '::stop-commands::PWNED',
  '   ::notice::PWNED',
  '\u0085::warning::PWNED',
  '##[error]PWNED',
  'text ##[set-output name=x;]PWNED',
  'a\r::warning::PWNED',
];
const OWN_COMMANDS = /^::(group|endgroup|error|warning|notice|stop-commands|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})( [^:]*)?::/;

/** The lines as the runner splits them (CR too), each checked the way the runner parses commands. */
function commandsIn(log: string): { foreign: string[]; own: string[] } {
  const foreign: string[] = [];
  const own: string[] = [];
  for (const line of log.split(/\r\n|\r|\n/)) {
    const trimmed = line.replace(/^[\s\u0085]+/, '');
    if (line.includes('##[')) foreign.push(line);
    else if (trimmed.startsWith('::')) {
      if (OWN_COMMANDS.test(trimmed) && !/^::[a-z-]+( [^:]*)?::PWNED/.test(trimmed)) own.push(trimmed);
      else foreign.push(line);
    }
  }
  return { foreign, own };
}

describe('neutraliseCommands', () => {
  it('leaves no line that the runner would read as a command, and keeps the text readable', () => {
    for (const h of HOSTILE) {
      const out = neutraliseCommands(`${h}\n`);
      expect(commandsIn(out).foreign).toEqual([]);
      expect(out.replace(/\u200B/g, '')).toBe(`${h}\n`);
    }
  });

  it('a line written in pieces is checked as one line', () => {
    let text = '';
    const w = commandSafeWriter({ write: (t) => void (text += t) });
    w.write('ok\n   ');
    w.write('::warning::PWNED\n');
    w.write('mid-line ');
    w.write('::not a command\n');
    expect(commandsIn(text).foreign).toEqual([]);
    expect(text).toContain('mid-line ::not a command');
  });

  it('a JSON document keeps its exact value', () => {
    const doc = { stderr: '##[error]PWNED\n::warning::PWNED' };
    const safe = commandSafeJson(JSON.stringify(doc));
    expect(safe).not.toContain('##[');
    expect(JSON.parse(safe)).toEqual(doc);
  });
});

function hostileProject(): TempRoot {
  const root = tempRoot();
  root.script('bin/noisy', `printf '%s\\n' ${HOSTILE.map((h) => `'${h.replace(/'/g, `'\\''`)}'`).join(' ')} >&2; echo 'manifest unknown' >&2; exit 1`);
  root.script('bin/quick', `printf '%s\\n' '::warning::PWNED' '##[error]PWNED' >&2; exit 1`);
  root.write('tools/t.yaml', `tools:
  noisy: { command: ["${root.path('bin/noisy')}"] }
  quick: { command: ["${root.path('bin/quick')}"] }
`);
  root.write('memory/learned/tool_fixes.yaml', `tool_fixes:
  - tool_name: noisy
    error_pattern: "manifest unknown"
    root_cause: "first line\\n::warning::PWNED\\n##[error]PWNED"
    fix_applied: "::set-output name=x::PWNED"
    date_learned: "2026-01-03"
`);
  root.write('skills/s.yaml', `name: s
steps:
  - name: call
    tool: noisy
    on_error: auto_heal
    retry: { max_attempts: 2, delay: 0 }
    quick_fix: { other: { tool: quick } }
    detect_failure: { other: ["manifest unknown"] }
  - { name: out, compute: "return '::warning::PWNED\\\\n##[error]PWNED'" }
outputs:
  - { name: said, value: "{{ out }}" }
`);
  return root;
}

describe('GitHub Actions logs: tool stderr, quick-fix output and memory text cannot run workflow commands', () => {
  for (const json of [false, true]) {
    it(`aiw run${json ? ' --json' : ''}: only aiw's own commands, every hostile line neutralised`, async () => {
      const root = hostileProject();
      const r = await aiw(['run', 's', ...(json ? ['--json'] : [])], { root: root.dir, env: { GITHUB_ACTIONS: 'true', GITHUB_WORKSPACE: root.dir } });
      const log = r.stdout + r.stderr;
      expect(log).toContain('PWNED');
      const { foreign, own } = commandsIn(log);
      expect(foreign).toEqual([]);
      expect(own.some((l) => l.startsWith('::group::'))).toBe(true);
      // The step's failure is tolerated (auto_heal), so its annotation is a warning.
      expect(own.some((l) => l.startsWith('::warning ') && l.includes('(tolerated)'))).toBe(true);
      if (json) expect(r.json<{ outputs: { said: string } }>().outputs.said).toBe('::warning::PWNED\n##[error]PWNED');
    });
  }

  it('aiw tool: stderr and known issues are neutralised', async () => {
    const root = hostileProject();
    const r = await aiw(['tool', 'noisy', '--no-heal'], { root: root.dir, env: { GITHUB_ACTIONS: 'true' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('PWNED');
    expect(commandsIn(r.stdout + r.stderr).foreign).toEqual([]);
  });
});
