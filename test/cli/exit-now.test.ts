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

  it('ends at once after the commands people run most: run, known-issues, memory, debug-tool', () => {
    const root = tempRoot({
      'tools/t.yaml': 'tools:\n  ok:\n    description: succeeds\n    command: [/bin/true]\n',
      'skills/one.yaml': 'name: one\ndescription: one\nsteps:\n  - name: s\n    tool: ok\n',
      'memory/learned/tool_fixes.yaml': 'tool_fixes:\n  - tool_name: ok\n    error_pattern: "connection refused"\n    root_cause: down\n    fix_applied: start it\n',
      // Tells whether the process ended through process.exit (the entry calls it when nothing is
      // left to run) or by its event loop running dry.
      'probe.cjs': `let early = false; const exit = process.exit;
        process.exit = (...a) => { early = true; return exit.apply(process, a); };
        process.on('exit', () => require('node:fs').writeFileSync(process.env.PROBE_OUT, String(early)));`,
    });
    const endsAtOnce = (...args: string[]) => {
      const res = spawnSync(process.execPath, ['-r', root.path('probe.cjs'), BIN, '--root', root.dir, ...args], {
        encoding: 'utf8', env: { ...process.env, CI: 'true', PROBE_OUT: root.path('probe.txt') },
      });
      expect(res.status, res.stderr).toBe(0);
      return readFileSync(root.path('probe.txt'), 'utf8') === 'true';
    };
    // debug-tool reads the attempt log too (with an entry, so the read is not a missing file).
    root.write('memory/learned/tool_failures.yaml', 'failures:\n  - {"tool":"ok","error":"connection refused","error_type":"network","fix_attempted":null,"success":false,"timestamp":"2026-01-01T00:00:00+00:00","skill":"one","step":"s","attempt":1,"duration_ms":5,"run_id":"r1","pattern":null,"kind":"attempt"}\n');
    for (const args of [['run', 'one'], ['known-issues', '--tool', 'ok', '--error', 'connection refused', '--json'], ['memory', 'fixes', '--json'], ['debug-tool', 'ok', 'connection refused', '--json']]) {
      endsAtOnce(...args); // the first call may build caches, whose last file work the process waits for
      expect(endsAtOnce(...args), args.join(' ')).toBe(true);
    }
  });
});
