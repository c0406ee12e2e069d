import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { readFailures } from '../../src/memory/attempt-log/attempt-log.js';
import { recordFigure } from './support/figures.js';
import { AIW_BIN, runAiw, runCommand, type Exited } from './support/processes.js';
import { scratch, type Scratch } from './support/scratch.js';

/**
 * Promise: clocks that disagree cannot break a live lock. Half of the writers run under `faketime`
 * (Debian package `faketime`, libfaketime via LD_PRELOAD) a day ahead, as on a shared NFS memory
 * folder whose clients disagree. Before locks were judged without clocks, the skewed half deleted
 * the others' live locks: of 40 `learn-fix` that all printed "Saved", 12 survived.
 */
const LEARNERS = 20;
const RUNS = 10;

const hasFaketime = (() => {
  try {
    execFileSync('faketime', ['-f', '+1d', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

let root: Scratch;

beforeAll(() => {
  root = scratch('skew');
  root.script('bin/broken', 'echo "error: widget jammed" >&2; exit 1');
  root.write('tools/t.yaml', `tools:\n  broken: { command: ["${root.path('bin/broken')}"] }\n`);
  root.write('skills/work.yaml', 'name: work\nsteps:\n  - { name: known, tool: broken, on_error: continue }\n');
  root.write('memory/learned/tool_fixes.yaml', 'tool_fixes: []\n');
});

afterAll(() => root?.remove());

/** Run aiw with its clock `skew` away from the machine's (`+0` runs it without faketime). */
function aiw(skew: string, args: string[]): Promise<Exited> {
  const argv = [AIW_BIN, '--root', root.dir, ...args];
  if (skew === '+0') return runAiw(argv.slice(1), { timeoutMs: 180_000 });
  return runCommand('faketime', ['-f', skew, process.execPath, ...argv], { timeoutMs: 180_000 });
}

describe.skipIf(!hasFaketime)(`clock skew: ${LEARNERS} learn-fix and ${RUNS} runs a day ahead, as many on time, at once`, () => {
  let learners: Exited[];
  let runs: Exited[];

  beforeAll(async () => {
    const skewOf = (i: number) => (i % 2 === 0 ? '+0' : '+1d');
    const all = [
      ...Array.from({ length: LEARNERS * 2 }, (_, i) =>
        aiw(skewOf(i), ['learn-fix', '--tool', `tool_${i}`, '--pattern', `pattern ${i}`, '--root-cause', `cause ${i}`, '--fix', `fix ${i}`, '--json'])),
      ...Array.from({ length: RUNS * 2 }, (_, i) => aiw(skewOf(i), ['run', 'work', '--json'])),
    ];
    const done = await Promise.all(all);
    learners = done.slice(0, LEARNERS * 2);
    runs = done.slice(LEARNERS * 2);
  }, 240_000);

  it('every process ends normally without a memory warning', () => {
    for (const [i, p] of [...learners, ...runs].entries()) {
      expect({ i, hung: p.hung, internal: /internal error|\n {4}at /.test(p.stderr) }).toEqual({ i, hung: false, internal: false });
      expect(p.stderr).not.toContain('aiw: warning');
    }
    learners.forEach((p) => expect(p.code).toBe(0));
    runs.forEach((p) => expect(p.code).toBe(0));
  });

  it(`tool_fixes.yaml holds all ${LEARNERS * 2} fixes`, () => {
    const doc = parseDocument(readFileSync(root.path('memory/learned/tool_fixes.yaml'), 'utf8'));
    expect(doc.errors).toEqual([]);
    const names = (doc.toJS() as { tool_fixes: Array<{ tool_name: string }> }).tool_fixes.map((f) => f.tool_name).sort();
    expect(names).toEqual(Array.from({ length: LEARNERS * 2 }, (_, i) => `tool_${i}`).sort());
  });

  it(`tool_failures.yaml holds one attempt of each of the ${RUNS * 2} runs`, async () => {
    const { records, warnings } = await readFailures(root.path('memory/learned/tool_failures.yaml'));
    expect(warnings).toEqual([]);
    const ids = runs.map((p) => (JSON.parse(p.stdout) as { run_id: string }).run_id).sort();
    expect(records.map((r) => r.run_id).sort()).toEqual(ids);
    recordFigure('clock-skew', { processes: all(), skewed: LEARNERS + RUNS, fixes: LEARNERS * 2, records: records.length, lost: 0 });
  });

  it('leaves no lock or temporary file behind', () => {
    const left = readdirSync(root.path('memory/learned')).filter((n) => /\.lock$|\.unsaved\.|\.tmp$|\.break$/.test(n));
    expect(left).toEqual([]);
  });
});

function all(): number {
  return (LEARNERS + RUNS) * 2;
}
