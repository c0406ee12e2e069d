import { describe, expect, it } from 'vitest';
import type { RunResult, StepResult } from '../../src/model/run.js';
import { runDocument, stepDocument } from '../../src/report/json-document.js';
import { addSecrets, redactValue } from '../../src/secrets/redact.js';

/**
 * The `--json` document is masked once per string now, where it used to be masked by a
 * `redactValue` per step and again per enclosing step and for the run. Masking is not always a
 * fixed point ("Authorization: abc" gains a space per pass), so the document must still give the
 * bytes the nested passes gave: these tests keep the old composition as the reference.
 */
function oldStepDocument(step: StepResult): Record<string, unknown> {
  return redactValue({
    name: step.name, type: step.type, status: step.status, tool: step.tool, attempts: step.attempts, output: step.output,
    error: step.error, exit_code: step.exit_code, http_status: step.http_status, timed_out: step.timed_out, tolerated: step.tolerated,
    duration_ms: step.duration_ms, heals: step.heals, classification: step.classification ?? undefined, known_issues: step.known_issues,
    steps: step.steps?.map(oldStepDocument),
  });
}

function oldRunDocument(result: RunResult): Record<string, unknown> {
  return redactValue({
    skill: result.skill, status: result.status, inputs: result.inputs, steps: result.steps.map(oldStepDocument), outputs: result.outputs,
    returned: result.returned, duration_ms: result.duration_ms, run_id: result.run_id, error: result.error, warnings: result.warnings,
  });
}

// Texts whose masking is not a fixed point, a known value, shapes, and plain text.
const NOT_FIXED = 'Authorization: abc123';
const TEXTS = [NOT_FIXED, 'Bearer Op4queBearerTok3nValue', 'known-json-secret-77', 'password: "a b c"', 'plain text', '', 'x token=abc'];

function step(name: string, i: number, inner?: StepResult[]): StepResult {
  const text = (k: number) => TEXTS[(i + k) % TEXTS.length]!;
  return {
    name, type: inner ? 'then' : 'tool', status: i % 3 ? 'success' : 'failed', tool: inner ? undefined : `t-${text(0)}`, attempts: 1 + (i % 2),
    output: i % 2 ? { text: text(1), list: [text(2), 3, null, { deep: text(3) }] } : text(4),
    error: i % 3 ? undefined : { code: 'TOOL_FAILED', message: text(5), hint: text(6), location: { file: '/x.yaml', line: 3, col: 4 } },
    exit_code: i % 3 ? 0 : 1, duration_ms: 1.5, heals: [{ class: 'auth', fix: text(1), fix_success: false, error: text(0) }],
    classification: null, known_issues: [], steps: inner, line: 7, file: '/x.yaml',
  } as StepResult;
}

function result(): RunResult {
  const deepest = [step('d0', 0), step('d1', 1)];
  const middle = [step('m0', 2), step('m1', 3, deepest), step('m2', 4)];
  return {
    skill: 'doc', status: 'failed', inputs: { token: 'tokval-91ac77e2d0', note: NOT_FIXED, n: 1 },
    steps: [step('s0', 5), step('s1', 6, middle), step('s2', 0)],
    outputs: { seen: NOT_FIXED, obj: { k: 'known-json-secret-77' } }, returned: [NOT_FIXED, 1], duration_ms: 12, run_id: 'r1', file: '/x.yaml',
    error: { code: 'TOOL_FAILED', message: NOT_FIXED, step: 's0' }, warnings: [NOT_FIXED],
  };
}

describe('the --json document', () => {
  addSecrets(['known-json-secret-77']);

  it('gives the same bytes and keys as masking each step, each enclosing step and the run in turn', () => {
    const r = result();
    expect(JSON.stringify(runDocument(r))).toBe(JSON.stringify(oldRunDocument(r)));
    expect(Object.keys(runDocument(r))).toEqual(Object.keys(oldRunDocument(r)));
    expect(runDocument(r)).toStrictEqual(oldRunDocument(r));
    for (const s of r.steps) expect(stepDocument(s)).toStrictEqual(oldStepDocument(s));
  });

  it('is not vacuous: secrets are masked, and the nested passes show in the not-fixed text', () => {
    const json = JSON.stringify(runDocument(result()));
    expect(json).not.toContain('known-json-secret-77');
    expect(json).not.toContain('Op4queBearerTok3nValue');
    // One pass at run level, two for a step, four for a step two then blocks deep (one space each).
    for (const spaces of [2, 3, 5]) expect(json).toContain(`Authorization:${' '.repeat(spaces)}***`);
  });
});
