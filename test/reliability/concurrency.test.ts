import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { readFailures } from '../../src/memory/attempt-log/attempt-log.js';
import { recordFigure } from './support/figures.js';
import { runAiw, type Exited } from './support/processes.js';
import { scratch, type Scratch } from './support/scratch.js';

/**
 * Promise: parallel aiw processes (CI jobs sharing one memory directory) lose nothing. 16 `aiw run`
 * processes each heal a login (auth class, profile fix), heal a learned failure with its remedy
 * (which counts `times_prevented` in tool_fixes.yaml) and look up a known issue, while 12
 * `aiw learn-fix` processes add distinct fixes to the same tool_fixes.yaml and 6 `aiw memory --json`
 * processes read everything. Afterwards every attempt and every fix is there exactly once.
 */
const RUNS = 16;
const LEARNERS = 12;
const READERS = 6;
// Per run: login_heal (failed attempt, fix, passing attempt), remedy_heal (failed attempt, remedy,
// passing attempt), known (one failed attempt; no class, no remedy).
const EXPECTED_PER_RUN = [
  { tool: 'flaky', step: 'login_heal', attempt: 1, kind: 'attempt', success: false, error_type: 'auth' },
  { tool: 'flaky', step: 'login_heal', attempt: 1, kind: 'fix', success: true, error_type: 'auth' },
  { tool: 'flaky', step: 'login_heal', attempt: 2, kind: 'attempt', success: true, error_type: null },
  { tool: 'stuck', step: 'remedy_heal', attempt: 1, kind: 'attempt', success: false, error_type: null },
  { tool: 'stuck', step: 'remedy_heal', attempt: 1, kind: 'remedy', success: true, error_type: 'learned' },
  { tool: 'stuck', step: 'remedy_heal', attempt: 2, kind: 'attempt', success: true, error_type: null },
  { tool: 'broken', step: 'known', attempt: 1, kind: 'attempt', success: false, error_type: null },
];

let root: Scratch;

beforeAll(() => {
  root = scratch('concurrency');
  // Each run has its own lane: its tool fails until that lane's login (or remedy) has run.
  root.script('bin/flaky', '[ -f "$TOKENS/$AIW_LANE" ] || { echo "error: You must be logged in to the server (Unauthorized)" >&2; exit 1; }\necho \'{"ok": true}\'');
  root.script('bin/login', 'touch "$TOKENS/$AIW_LANE"');
  root.script('bin/stuck', '[ -f "$MARKS/$AIW_LANE" ] || { echo "error: gadget stuck in lane $AIW_LANE" >&2; exit 1; }\necho unstuck');
  root.script('bin/unstick', 'touch "$MARKS/$AIW_LANE"');
  root.script('bin/broken', 'echo "error: widget jammed" >&2; exit 1');
  root.write('tokens/.keep', '');
  root.write('marks/.keep', '');
  root.write('tools/t.yaml', `tools:
  flaky: { command: ["${root.path('bin/flaky')}"], auto_heal: lanes, parse: json }
  login: { command: ["${root.path('bin/login')}"] }
  stuck: { command: ["${root.path('bin/stuck')}"] }
  unstick: { command: ["${root.path('bin/unstick')}"], remedy_safe: true }
  broken: { command: ["${root.path('bin/broken')}"] }
`);
  root.write('aiw.config.yaml', 'auto_heal:\n  retry: { max_attempts: 2, delay: 0, jitter: false }\n  profiles:\n    lanes: { auth: { tool: login } }\n');
  root.write('skills/work.yaml', `name: work
steps:
  - { name: login_heal, tool: flaky, on_error: auto_heal }
  - { name: remedy_heal, tool: stuck, on_error: auto_heal }
  - { name: known, tool: broken, on_error: continue }
`);
  root.write('memory/learned/tool_fixes.yaml', `# Seeded by the concurrency test.
tool_fixes:
  - tool_name: stuck
    error_pattern: "gadget stuck"
    root_cause: "the gadget needs a nudge"
    fix_applied: "run unstick"
    date_learned: "2026-01-01"
    times_prevented: 0
    remedy: { tool: unstick, args: {} }
  - tool_name: broken
    error_pattern: "widget jammed"
    root_cause: "the widget needs oil"
    fix_applied: "oil it"
    date_learned: "2026-01-01"
    times_prevented: 0
`);
});

afterAll(() => root?.remove());

const env = (lane: string) => ({ AIW_LANE: lane, TOKENS: root.path('tokens'), MARKS: root.path('marks') });

/** No process may die with an internal error or a stack trace, or hang. */
function expectClean(p: Exited, what: string): void {
  expect({ what, hung: p.hung, code: p.code, internal: /internal error|\n {4}at /.test(p.stderr) }).toEqual({ what, hung: false, code: 0, internal: false });
}

describe(`concurrency: ${RUNS} runs that heal, ${LEARNERS} learn-fix and ${READERS} memory readers at once`, () => {
  let runs: Exited[];
  let learners: Exited[];
  let readers: Exited[];

  beforeAll(async () => {
    // The seeded remedy is trusted the way a person would, so that every run may apply it.
    expectClean(await runAiw(['--root', root.dir, 'memory', 'trust', 'stuck', 'gadget stuck'], { timeoutMs: 60_000 }), 'memory trust');
    const all = [
      ...Array.from({ length: RUNS }, (_, i) => runAiw(['--root', root.dir, 'run', 'work', '--json'], { env: env(`lane${i}`), timeoutMs: 120_000 })),
      ...Array.from({ length: LEARNERS }, (_, i) =>
        runAiw(['--root', root.dir, 'learn-fix', '--tool', `learned_${i}`, '--pattern', `learned pattern ${i}`, '--root-cause', `cause ${i}`, '--fix', `fix ${i}`, '--json'], { timeoutMs: 120_000 })),
      ...Array.from({ length: READERS }, () => runAiw(['--root', root.dir, 'memory', '--json'], { timeoutMs: 120_000 })),
    ];
    const done = await Promise.all(all);
    runs = done.slice(0, RUNS);
    learners = done.slice(RUNS, RUNS + LEARNERS);
    readers = done.slice(RUNS + LEARNERS);
  }, 180_000);

  it('every process ends normally, and no run met a memory problem', () => {
    runs.forEach((p, i) => expectClean(p, `run ${i}`));
    learners.forEach((p, i) => expectClean(p, `learn-fix ${i}`));
    readers.forEach((p, i) => expectClean(p, `memory ${i}`));
    for (const p of [...runs, ...learners, ...readers]) expect(p.stderr).not.toContain('aiw: warning');
  });

  it('every run healed its login and its learned failure, and saw the known issue', () => {
    for (const p of runs) {
      const doc = JSON.parse(p.stdout) as { status: string; steps: Array<{ name: string; status: string; attempts: number; known_issues?: Array<{ pattern: string; root_cause: string }> }> };
      expect(doc.status).toBe('partial');
      expect(doc.steps.map((s) => [s.name, s.status, s.attempts])).toEqual([['login_heal', 'healed', 2], ['remedy_heal', 'healed', 2], ['known', 'failed', 1]]);
      expect(doc.steps[2]!.known_issues?.map((m) => [m.pattern, m.root_cause])).toContainEqual(['widget jammed', 'the widget needs oil']);
    }
  });

  it(`tool_failures.yaml holds exactly ${EXPECTED_PER_RUN.length} entries per run, in order, none torn or doubled`, async () => {
    const text = readFileSync(root.path('memory/learned/tool_failures.yaml'), 'utf8');
    const doc = parseDocument(text);
    expect(doc.errors).toEqual([]);
    const entries = (doc.toJS() as { failures: Array<Record<string, unknown>> }).failures;
    expect(entries).toHaveLength(RUNS * EXPECTED_PER_RUN.length);
    expect(new Set(entries.map((e) => JSON.stringify(e))).size).toBe(entries.length);
    const runIds = runs.map((p) => (JSON.parse(p.stdout) as { run_id: string }).run_id);
    expect(new Set(runIds).size).toBe(RUNS);
    for (const id of runIds) {
      const mine = entries.filter((e) => e.run_id === id);
      expect(mine.map((e) => ({ tool: e.tool, step: e.step, attempt: e.attempt, kind: e.kind, success: e.success, error_type: e.error_type }))).toEqual(EXPECTED_PER_RUN);
      expect(mine.every((e) => e.skill === 'work')).toBe(true);
    }
    const read = await readFailures(root.path('memory/learned/tool_failures.yaml'));
    expect(read.warnings).toEqual([]);
    expect(read.records).toEqual(entries);
    recordFigure('concurrency', { processes: RUNS + LEARNERS + READERS, runs: RUNS, records: entries.length, fixes: LEARNERS + 2 });
  });

  it(`tool_fixes.yaml holds every learned fix once, and times_prevented counted all ${RUNS} remedies`, () => {
    const doc = parseDocument(readFileSync(root.path('memory/learned/tool_fixes.yaml'), 'utf8'));
    expect(doc.errors).toEqual([]);
    const fixes = (doc.toJS() as { tool_fixes: Array<Record<string, unknown>> }).tool_fixes;
    const keys = fixes.map((f) => `${f.tool_name}\u0000${f.error_pattern}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(fixes.map((f) => f.tool_name).sort()).toEqual(['broken', 'stuck', ...Array.from({ length: LEARNERS }, (_, i) => `learned_${i}`)].sort());
    for (let i = 0; i < LEARNERS; i++) {
      expect(fixes.find((f) => f.tool_name === `learned_${i}`)).toMatchObject({ error_pattern: `learned pattern ${i}`, root_cause: `cause ${i}`, fix_applied: `fix ${i}`, times_prevented: 0 });
    }
    expect(fixes.find((f) => f.tool_name === 'stuck')).toMatchObject({ times_prevented: RUNS, remedy: { tool: 'unstick', args: {} } });
    expect(fixes.find((f) => f.tool_name === 'broken')).toMatchObject({ times_prevented: 0 });
  });

  it('every memory --json reader saw valid documents with no duplicate fix', () => {
    for (const p of readers) {
      const doc = JSON.parse(p.stdout) as { tool_fixes: Array<{ tool_name: string; error_pattern: string }>; warnings: string[] };
      expect(doc.warnings).toEqual([]);
      const keys = doc.tool_fixes.map((f) => `${f.tool_name}\u0000${f.error_pattern}`);
      expect(new Set(keys).size).toBe(keys.length);
    }
  });

  it('leaves no lock, sidecar or temporary file behind', () => {
    const left = [...readdirSync(root.path('memory/learned')), ...readdirSync(root.path('memory'))].filter((n) => /\.lock$|\.unsaved\.|\.tmp$|\.break$/.test(n));
    expect(left).toEqual([]);
  });
});
