import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { nothingLeftToRun } from '../../src/cli/exit-now.js';
import { tempRoot } from '../helpers/temp-root.js';

const BIN = fileURLToPath(new URL('../../bin/aiw.js', import.meta.url));

describe('exiting as soon as a command has finished', () => {
  it('happens when only idle stdio and the output flush are left', () => {
    expect(nothingLeftToRun([])).toBe(true);
    expect(nothingLeftToRun(['Immediate'])).toBe(true);
    expect(nothingLeftToRun(['PipeWrap', 'TTYWrap', 'Immediate'])).toBe(true);
  });

  it('waits for anything that is still work: a file request, a timer, a child, a pending write', () => {
    for (const kind of ['FSReqCallback', 'CloseReq', 'Timeout', 'ProcessWrap', 'WriteWrap', 'ShutdownWrap', 'SimpleShutdownWrap', 'TCPWrap']) {
      expect(nothingLeftToRun(['PipeWrap', kind]), kind).toBe(false);
    }
  });

  it('loses no output and no attempt record of a failing run', () => {
    const root = tempRoot({
      'tools/t.yaml': 'tools:\n  say:\n    description: prints, then fails\n    command: [/bin/sh, -c, "seq 1 20000; echo boom >&2; exit 3"]\n',
      'skills/fails.yaml': 'name: fails\ndescription: one failing step\nsteps:\n  - name: s\n    tool: say\n',
    });
    const res = spawnSync(process.execPath, [BIN, '--root', root.dir, 'run', 'fails', '--json'], { encoding: 'utf8', env: { ...process.env, CI: 'true' } });
    expect(res.status).toBe(1);
    const doc = JSON.parse(res.stdout) as { status: string; steps: Array<{ error: string }> };
    expect(doc.status).toBe('failed');
    expect(res.stderr).toMatch(/FAILED fails/);
    expect(readFileSync(root.path('memory/learned/tool_failures.yaml'), 'utf8')).toMatch(/"tool":"say","error":"exit code 3: boom"/);
  });

  it('keeps the exit code of a successful run and its last line on a pipe', () => {
    const root = tempRoot({
      'tools/t.yaml': 'tools:\n  ok:\n    description: succeeds\n    command: [/bin/true]\n',
      'skills/one.yaml': 'name: one\ndescription: one\nsteps:\n  - name: s\n    tool: ok\n',
    });
    const out = execFileSync(process.execPath, [BIN, '--root', root.dir, 'run', 'one'], { encoding: 'utf8', env: { ...process.env, CI: 'true' } });
    expect(out).toMatch(/SUCCESS one in .*\n$/);
  });

  it('ends at once after the commands people run most (run, known-issues, memory, debug-tool), and without the teardown after the rest', () => {
    const root = tempRoot({
      'tools/t.yaml': 'tools:\n  ok:\n    description: succeeds\n    command: [/bin/true]\n',
      'skills/one.yaml': 'name: one\ndescription: one\nsteps:\n  - name: s\n    tool: ok\n',
      'memory/learned/tool_fixes.yaml': 'tool_fixes:\n  - tool_name: ok\n    error_pattern: "connection refused"\n    root_cause: down\n    fix_applied: start it\n',
      // How the process ended: through process.exit (which skips the heap's teardown), and whether
      // its event loop had run dry first ('beforeExit') or it exited as soon as the command was done.
      'probe.cjs': `let early = false; let dry = false; const exit = process.exit;
        process.exit = (...a) => { early = true; return exit.apply(process, a); };
        process.on('beforeExit', () => { dry = true; });
        process.on('exit', () => require('node:fs').writeFileSync(process.env.PROBE_OUT, JSON.stringify({ early, dry })));`,
    });
    const ending = (status: number, ...args: string[]): { early: boolean; dry: boolean } => {
      const res = spawnSync(process.execPath, ['-r', root.path('probe.cjs'), BIN, '--root', root.dir, ...args], {
        encoding: 'utf8', env: { ...process.env, CI: 'true', PROBE_OUT: root.path('probe.txt') },
      });
      expect(res.status, res.stderr).toBe(status);
      return JSON.parse(readFileSync(root.path('probe.txt'), 'utf8')) as { early: boolean; dry: boolean };
    };
    const endsAtOnce = (...args: string[]) => {
      const how = ending(0, ...args);
      return how.early && !how.dry;
    };
    // debug-tool reads the attempt log too (with an entry, so the read is not a missing file).
    root.write('memory/learned/tool_failures.yaml', 'failures:\n  - {"tool":"ok","error":"connection refused","error_type":"network","fix_attempted":null,"success":false,"timestamp":"2026-01-01T00:00:00+00:00","skill":"one","step":"s","attempt":1,"duration_ms":5,"run_id":"r1","pattern":null,"kind":"attempt"}\n');
    for (const args of [['run', 'one'], ['known-issues', '--tool', 'ok', '--error', 'connection refused', '--json'], ['memory', 'fixes', '--json'], ['debug-tool', 'ok', 'connection refused', '--json']]) {
      endsAtOnce(...args); // the first call may build caches, whose last file work the process waits for
      expect(endsAtOnce(...args), args.join(' ')).toBe(true);
    }
    // A failing run writes its attempt with promise-based file calls, and Node lists such a call
    // until it is garbage collected: the run cannot tell it from work still under way, so it waits
    // for the event loop to run dry, and then still exits without tearing the heap down.
    root.write('tools/bad.yaml', 'tools:\n  bad:\n    description: fails\n    command: [/bin/false]\n');
    root.write('skills/failing.yaml', 'name: failing\ndescription: fails\nsteps:\n  - name: s\n    tool: bad\n');
    for (const [status, ...args] of [[1, 'run', 'failing'], [0, 'validate']] as const) {
      ending(status, ...args);
      expect(ending(status, ...args), args.join(' ')).toEqual({ early: true, dry: true });
    }
  });
});
