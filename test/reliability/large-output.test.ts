import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { recordFigure } from './support/figures.js';
import { AIW_BIN, runCommand, type Exited } from './support/processes.js';
import { scratch, type Scratch } from './support/scratch.js';

/**
 * Promise: a tool that prints 100 MB does not exhaust aiw's memory. Its output is capped with a
 * note saying how much was dropped, the attempt log and the report stay readable, and aiw's peak
 * memory (max RSS, measured by GNU time) stays bounded.
 */
const HUNDRED_MB = 100 * 1024 * 1024;
const RSS_BOUND_KB = 400 * 1024;
const TIME = '/usr/bin/time';

let root: Scratch;

beforeAll(() => {
  root = scratch('large');
  root.write('tools/t.yaml', `tools:
  flood: { command: [sh, -c, "head -c ${HUNDRED_MB} /dev/zero | tr '\\\\0' x"] }
  flood_err: { command: [sh, -c, "head -c ${HUNDRED_MB} /dev/zero | tr '\\\\0' y >&2; exit 3"] }
  flood_lines: { command: [sh, -c, "yes line | head -c ${HUNDRED_MB}"], parse: lines }
`);
  root.write('skills/flood.yaml', 'name: flood\nsteps:\n  - { name: out, tool: flood }\n  - { name: size, compute: "return out.length" }\n');
  root.write('skills/flood_err.yaml', 'name: flood_err\nsteps:\n  - { name: err, tool: flood_err, on_error: continue }\n');
  root.write('skills/flood_lines.yaml', 'name: flood_lines\nsteps:\n  - { name: lines, tool: flood_lines }\n  - { name: count, compute: "return lines.length" }\n');
});

afterAll(() => root?.remove());

/** Run aiw under GNU time; returns the run and its peak resident memory in KB. */
async function measured(args: string[]): Promise<{ p: Exited; maxRssKb: number }> {
  const p = await runCommand(TIME, ['-f', 'maxrss=%M', process.execPath, AIW_BIN, '--root', root.dir, ...args], { timeoutMs: 120_000 });
  const m = /maxrss=(\d+)\s*$/.exec(p.stderr);
  expect(m, `GNU time output in: ${p.stderr.slice(-300)}`).not.toBeNull();
  return { p: { ...p, stderr: p.stderr.slice(0, m!.index) }, maxRssKb: Number(m![1]) };
}

describe.skipIf(!existsSync(TIME))('large outputs: 100 MB from a tool', () => {
  it('on stdout: capped with a note, memory bounded, and the report is a few lines', async () => {
    const { p, maxRssKb } = await measured(['run', 'flood', '--json']);
    expect({ hung: p.hung, code: p.code }).toEqual({ hung: false, code: 0 });
    expect(maxRssKb).toBeLessThan(RSS_BOUND_KB);
    const doc = JSON.parse(p.stdout) as { steps: Array<{ output: string | number }> };
    const out = doc.steps[0]!.output as string;
    expect(out).toMatch(/\n\[aiw: output truncated: \d+ more bytes were dropped\]$/);
    expect(out.length).toBeLessThan(17 * 1024 * 1024);
    expect(doc.steps[1]!.output).toBe(out.length);
    // The human log does not print 100 MB: it is a handful of short lines.
    expect(p.stderr.split('\n').every((l) => l.length < 300)).toBe(true);
    recordFigure('large.stdout', { printed_mb: 100, max_rss_mb: Math.round(maxRssKb / 1024) });
  });

  it('on stderr of a failing tool: the error, the attempt log entry and the report stay short', async () => {
    const { p, maxRssKb } = await measured(['run', 'flood_err']);
    expect({ hung: p.hung, code: p.code }).toEqual({ hung: false, code: 0 });
    expect(maxRssKb).toBeLessThan(RSS_BOUND_KB);
    expect(p.stdout.length).toBeLessThan(64 * 1024);
    expect(p.stdout).toContain('[aiw: output truncated:');
    const [entry] = (parse(readFileSync(root.path('memory/learned/tool_failures.yaml'), 'utf8')) as { failures: Array<{ error: string }> }).failures;
    expect(entry!.error.length).toBeLessThan(4 * 1024);
    expect(entry!.error).toMatch(/^exit code 3: y+/);
    recordFigure('large.stderr', { printed_mb: 100, max_rss_mb: Math.round(maxRssKb / 1024) });
  });

  it('as lines (parse: lines): at most 100,000 lines kept, with a note, memory bounded', async () => {
    const { p, maxRssKb } = await measured(['run', 'flood_lines', '--json']);
    expect({ hung: p.hung, code: p.code }).toEqual({ hung: false, code: 0 });
    expect(maxRssKb).toBeLessThan(RSS_BOUND_KB);
    const doc = JSON.parse(p.stdout) as { steps: Array<{ output: unknown }> };
    const lines = doc.steps[0]!.output as string[];
    expect(lines).toHaveLength(100_001);
    expect(lines[lines.length - 1]).toMatch(/^\[aiw: output truncated: \d+ more lines were dropped\]$/);
    expect(doc.steps[1]!.output).toBe(100_001);
    recordFigure('large.lines', { printed_mb: 100, max_rss_mb: Math.round(maxRssKb / 1024) });
  });
});
